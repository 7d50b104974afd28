/**
 * What Switchboard's `/mcp` adds to one `tools/call`: the same `echo` call through Switchboard and
 * directly to the same upstream, interleaved in one run on loopback, at 1 and 32 concurrent clients,
 * in both protocol eras. Prints one JSON document. Run: `npm run bench:gateway` (Switchboard on PGlite;
 * with DATABASE_URL=… on a fresh PostgreSQL database instead, `-- --storage both` for the two side by
 * side); `npm run bench:gateway -- --profile` prints where the gateway's time per call goes instead.
 *
 * Method: the one of /work/shared/research/peer-bench.md (run B), so the figures compare with the peers'
 * — three kinds of process on one 2-core box: this load generator (SDK v2 clients), the upstream
 * (bench/gateway-upstream.ts) and Switchboard (bench/gateway-switchboard.ts, PGlite or PostgreSQL).
 * Separate processes, as the peers ran: each server gets the scheduler to itself and its CPU is read
 * from /proc apart from the client's.
 *
 * Flags (or env): --rounds N (BENCH_ROUNDS, 6) · --calls N sequential recorded calls per path per round
 * (BENCH_CALLS, 80) · --window S seconds of the 32-client window per path per round (BENCH_WINDOW_S, 2) ·
 * --clients N (BENCH_CLIENTS, 32) · --max-calls N per client per window (BENCH_MAX_CALLS, 100000) ·
 * --warmup-calls N (50) · --warmup-window S (2) · --eras auto,legacy · --storage pglite|postgres|both
 * (default: postgres when DATABASE_URL is set, as `switchboard serve` chooses, else pglite; `both` takes
 * about 2.5 min) · --log-level L (info, as `npm start` runs) · --max-seconds S (whole-run cap, 600) ·
 * --profile [--profile-era auto|legacy --profile-seconds S --profile-calls N --stage-calls N] ·
 * --what-if db-off-hot-path (not the shipped behaviour: reads answered from memory, writes not awaited) ·
 * --no-floor (BENCH_FLOOR=off): leave out the floor, a byte-copying proxy (bench/gateway-floor.ts) measured in
 * the same run, which shows what any HTTP hop in front of the upstream costs here.
 */
import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { summarizeProfile } from './cpuprofile.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string' },
    calls: { type: 'string' },
    window: { type: 'string' },
    clients: { type: 'string' },
    'max-calls': { type: 'string' },
    'warmup-calls': { type: 'string' },
    'warmup-window': { type: 'string' },
    eras: { type: 'string' },
    storage: { type: 'string' },
    'log-level': { type: 'string' },
    'max-seconds': { type: 'string' },
    'what-if': { type: 'string' },
    profile: { type: 'boolean' },
    floor: { type: 'boolean', default: true },
    'profile-era': { type: 'string' },
    'profile-seconds': { type: 'string' },
    'profile-calls': { type: 'string' },
    'stage-calls': { type: 'string' },
  },
  allowNegative: true,
});
const num = (flag: string | undefined, env: string | undefined, fallback: number) => Number(flag ?? env ?? fallback);
const ROUNDS = num(flags.rounds, process.env.BENCH_ROUNDS, 6);
const CALLS = num(flags.calls, process.env.BENCH_CALLS, 80);
const WINDOW_MS = num(flags.window, process.env.BENCH_WINDOW_S, 2) * 1000;
const CLIENTS = num(flags.clients, process.env.BENCH_CLIENTS, 32);
const MAX_CALLS = num(flags['max-calls'], process.env.BENCH_MAX_CALLS, 100_000);
const WARMUP_CALLS = num(flags['warmup-calls'], process.env.BENCH_WARMUP_CALLS, 50);
const WARMUP_WINDOW_MS = num(flags['warmup-window'], process.env.BENCH_WARMUP_WINDOW_S, 2) * 1000;
const ERAS = (flags.eras ?? process.env.BENCH_ERAS ?? 'auto,legacy').split(',').map((e) => e.trim()) as Era[];
const DATABASE_URL = process.env.DATABASE_URL;
const STORAGE = flags.storage ?? process.env.BENCH_STORAGE ?? (DATABASE_URL ? 'postgres' : 'pglite');
const LOG_LEVEL = flags['log-level'] ?? process.env.BENCH_LOG_LEVEL ?? 'info';
const WHAT_IF = flags['what-if'] ?? process.env.BENCH_WHAT_IF;
const FLOOR = flags.floor !== false && process.env.BENCH_FLOOR !== 'off';
if (WHAT_IF !== undefined && WHAT_IF !== 'db-off-hot-path') throw new Error('--what-if takes db-off-hot-path');
const CALL_TIMEOUT_MS = 60_000;
const DEADLINE = performance.now() + num(flags['max-seconds'], process.env.BENCH_MAX_SECONDS, 600) * 1000;
const MESSAGE = { message: 'hi' };
const EXPECTED = 'echo: hi';

type Era = 'auto' | 'legacy';
if (ERAS.some((e) => e !== 'auto' && e !== 'legacy')) throw new Error('--eras takes auto and/or legacy');
if (!['pglite', 'postgres', 'both'].includes(STORAGE)) throw new Error('--storage takes pglite, postgres or both');
if (STORAGE !== 'pglite' && !DATABASE_URL) throw new Error(`--storage ${STORAGE} needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)`);

// ---------------------------------------------------------------------------------------------------
// Processes and /proc readings.

/** The Switchboard code measured: commit, and whether src/ differs from it. */
function codeVersion(): { commit: string; src_changed_since_commit: boolean } | undefined {
  try {
    const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain -- src', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    return { commit, src_changed_since_commit: dirty };
  } catch {
    return undefined;
  }
}

const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime+stime+cutime+cstime of a process, in ms. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}
const rssMb = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};
/** Busy CPU of the whole box (all cores), in ms: to tell how much of it went to processes outside the bench. */
function boxBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - f[3]! - f[4]!) * 1000) / CLK_TCK;
}

/**
 * The PostgreSQL backends serving one database (pg_stat_activity, asked outside the timed windows): the
 * CPU Postgres spends on Switchboard's queries, apart from other users of the same server. Background
 * processes (WAL writer, checkpointer) are shared and not counted.
 */
let pgAdmin: pg.Client | undefined;
async function backendPids(database: string | undefined): Promise<number[]> {
  if (!database) return [];
  if (!pgAdmin) {
    pgAdmin = new pg.Client({ connectionString: DATABASE_URL });
    await pgAdmin.connect();
  }
  return (await pgAdmin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database])).rows.map((r) => r.pid);
}

/** The upstream, or the floor in front of it (`env`): a child that prints `{"url"}` once it listens. */
async function startUpstream(script = 'bench/gateway-upstream.ts', env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(ROOT, script)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n')) resolve((JSON.parse(line!) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`the upstream exited with ${code}`)));
  });
  return { url, child };
}

interface SwitchboardChild {
  child: ChildProcess;
  url: string;
  token: string;
  tool: string;
  storage: string;
  database?: string;
  request<T>(message: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

async function startSwitchboard(upstreamUrl: string, storage: 'pglite' | 'postgres'): Promise<SwitchboardChild> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', BENCH_UPSTREAM_URL: upstreamUrl, BENCH_LOG_LEVEL: LOG_LEVEL };
  if (storage === 'postgres') env.BENCH_DATABASE_URL = DATABASE_URL!;
  if (WHAT_IF) env.BENCH_WHATIF = WHAT_IF;
  // stdout carries Switchboard's logs (discarded, as a log shipper would take them); IPC carries the bench's messages.
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/gateway-switchboard.ts')], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const waiting = new Map<string, (m: unknown) => void>();
  child.on('message', (m: { type: string; message?: string }) => {
    if (m.type === 'error') throw new Error(`switchboard child: ${m.message}`);
    waiting.get(m.type)?.(m);
  });
  const expect = <T>(type: string) => new Promise<T>((resolve) => waiting.set(type, resolve as (m: unknown) => void));
  const ready = await Promise.race([
    expect<{ url: string; token: string; tool: string; storage: string; database?: string }>('ready'),
    new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`Switchboard exited with ${code} before serving`)))),
  ]);
  return {
    child,
    ...ready,
    request: <T>(message: Record<string, unknown>) => {
      const reply = expect<T>(message.type === 'stop' ? 'stopped' : (message.type as string));
      child.send(message);
      return reply;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Clients and measurement.

interface Path {
  id: string;
  target: 'direct' | 'floor' | 'switchboard';
  storage?: string;
  /** The PostgreSQL database of this Switchboard, for its backends' CPU. */
  database?: string | undefined;
  era: Era;
  url: string;
  headers: Record<string, string>;
  tool: string;
  pid: number;
  seqClient?: Client;
  clients: Client[];
  negotiated?: string | undefined;
  c1: number[];
  c1ElapsedMs: number;
  c32: number[];
  windows: number[];
  cpu: { server: number; upstream: number; postgres: number; loadgen: number; calls: number; other: number; elapsed: number };
  rssIdle?: number;
  rssPeak: number;
  errors: number;
  firstError?: string;
}

async function connect(p: Path): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: p.era } });
  await client.connect(new StreamableHTTPClientTransport(new URL(p.url), { requestInit: { headers: p.headers } }));
  return client;
}

/** One checked call; returns its latency, or undefined after an error (counted on the path). */
async function call(p: Path, client: Client): Promise<number | undefined> {
  const started = performance.now();
  try {
    const result = await client.callTool({ name: p.tool, arguments: MESSAGE }, { timeout: CALL_TIMEOUT_MS });
    const text = ((result.content ?? []) as Array<{ text?: string }>).map((c) => c.text ?? '').join('');
    if (result.isError || text !== EXPECTED) throw new Error(`unexpected result: ${JSON.stringify(result).slice(0, 300)}`);
    return performance.now() - started;
  } catch (err) {
    p.errors++;
    p.firstError ??= (err as Error).message;
    return undefined;
  }
}

async function sequential(p: Path, n: number, record: boolean) {
  const started = performance.now();
  for (let i = 0; i < n && performance.now() < DEADLINE; i++) {
    const ms = await call(p, p.seqClient!);
    if (record && ms !== undefined) p.c1.push(ms);
  }
  if (record) p.c1ElapsedMs += performance.now() - started;
}

/** All clients call back to back until the deadline (in-flight calls finish); rate = completed / elapsed. */
async function window(p: Path, ms: number, record: boolean, upstreamPid: number) {
  const pgBefore = new Map((await backendPids(p.database)).map((pid) => [pid, cpuMs(pid)]));
  const before = { server: cpuMs(p.pid), upstream: p.target !== 'direct' ? cpuMs(upstreamPid) : 0, loadgen: process.cpuUsage(), box: boxBusyMs() };
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(p.pid))), 200);
  const started = performance.now();
  const end = Math.min(started + ms, DEADLINE);
  let completed = 0;
  await Promise.all(
    p.clients.map(async (client) => {
      for (let i = 0; i < MAX_CALLS && performance.now() < end; i++) {
        const t = await call(p, client);
        if (t === undefined) continue;
        completed++;
        if (record) p.c32.push(t);
      }
    }),
  );
  const elapsed = performance.now() - started;
  clearInterval(sampler);
  if (!record) return;
  p.rssPeak = Math.max(p.rssPeak, peak, rssMb(p.pid));
  p.windows.push((completed / elapsed) * 1000);
  const loadgen = process.cpuUsage(before.loadgen);
  const ours = { server: cpuMs(p.pid) - before.server, upstream: p.target !== 'direct' ? cpuMs(upstreamPid) - before.upstream : 0, postgres: 0, loadgen: (loadgen.user + loadgen.system) / 1000 };
  const boxAfter = boxBusyMs();
  // Backends that opened during the window started from nothing.
  for (const pid of new Set([...pgBefore.keys(), ...(await backendPids(p.database))])) ours.postgres += cpuMs(pid) - (pgBefore.get(pid) ?? 0);
  p.cpu.server += ours.server;
  p.cpu.upstream += ours.upstream;
  p.cpu.postgres += ours.postgres;
  p.cpu.loadgen += ours.loadgen;
  p.cpu.calls += completed;
  p.cpu.other += Math.max(0, boxAfter - before.box - ours.server - ours.upstream - ours.postgres - ours.loadgen);
  p.cpu.elapsed += elapsed;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
const r2 = (x: number) => Math.round(x * 100) / 100;
const stats = (xs: number[]) => {
  const s = sorted(xs);
  return { p50_ms: r2(pct(s, 50)), p90_ms: r2(pct(s, 90)), p99_ms: r2(pct(s, 99)), mean_ms: r2(xs.reduce((a, b) => a + b, 0) / (xs.length || 1)), samples: xs.length };
};
const median = (xs: number[]) => pct(sorted(xs), 50);
function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function newPath(fields: Pick<Path, 'id' | 'target' | 'era' | 'url' | 'headers' | 'tool' | 'pid'> & { storage?: string; database?: string | undefined }): Path {
  return { ...fields, clients: [], c1: [], c1ElapsedMs: 0, c32: [], windows: [], cpu: { server: 0, upstream: 0, postgres: 0, loadgen: 0, calls: 0, other: 0, elapsed: 0 }, rssPeak: 0, errors: 0 };
}

async function setUp(p: Path, upstreamPid: number) {
  p.seqClient = await connect(p);
  p.negotiated = p.seqClient.getNegotiatedProtocolVersion();
  const tools = (await p.seqClient.listTools()).tools.map((t) => t.name);
  // The gateway's naming may change: fall back to the one listed tool that is the upstream's echo.
  if (!tools.includes(p.tool)) p.tool = tools.find((t) => /(^|[^a-z])echo$/.test(t)) ?? p.tool;
  if (!tools.includes(p.tool)) throw new Error(`${p.id}: no tool ${p.tool} in ${tools.join(', ')}`);
  await sequential(p, WARMUP_CALLS, false);
  p.clients = await Promise.all(Array.from({ length: CLIENTS }, async () => {
    const c = await connect(p);
    await c.listTools();
    return c;
  }));
  await window(p, WARMUP_WINDOW_MS, false, upstreamPid);
  p.rssIdle = rssMb(p.pid);
}

async function closeAll(paths: Path[]) {
  await Promise.allSettled(paths.flatMap((p) => [p.seqClient, ...p.clients].filter((c): c is Client => c !== undefined).map((c) => c.close())));
}

// ---------------------------------------------------------------------------------------------------
// The peers' figures (peer-bench.md §1/§3, run B), printed next to ours.

const PEERS = {
  source: '/work/shared/research/peer-bench.md, run B (2026-11-24), same 2-core box; their harness bench.mjs, Node 20.20.2, SDK v2 2.4.0 client',
  method:
    'separate processes (load generator, proxy, upstream, Postgres) on 127.0.0.1; tools/call echo {message:"hi"}; setup + 50 sequential warm-up calls + one 2 s 32-client warm-up window per path; then 6 rounds, each path in shuffled order: 80 sequential recorded calls, then one 2 s window with 32 clients (one session each); latency around client.callTool(); p50/p99 over the 480 sequential samples; calls/s = median of the 6 windows; CPU ms/call = /proc utime+stime+cutime+cstime over the windows ÷ calls; "added" and ratios against direct HTTP in the era the client negotiated',
  rows: [
    { path: 'direct HTTP', era: '2026-07-28', p50_ms: 0.93, p99_ms: 6.58, added_p50_ms: 0, calls_per_s_c32: 1511, ratio: 1, cpu_ms_per_call: 0.63 },
    { path: 'direct HTTP', era: '2025-11-25', p50_ms: 1.06, p99_ms: 7.34, added_p50_ms: 0, calls_per_s_c32: 1372, ratio: 1, cpu_ms_per_call: 0.68 },
    { path: 'floor: Node byte pass-through (not a peer)', era: '2026-07-28', p50_ms: 1.35, p99_ms: 7.97, added_p50_ms: 0.42, calls_per_s_c32: 1194, ratio: 0.79, cpu_ms_per_call: 0.26 },
    { path: 'supergateway stdio→HTTP --stateful', era: '2025-11-25', p50_ms: 1.49, p99_ms: 6.89, added_p50_ms: 0.43, calls_per_s_c32: 749, ratio: 0.55, cpu_ms_per_call: 1.56 },
    { path: 'mcp-proxy, stdio upstream', era: '2026-07-28', p50_ms: 1.77, p99_ms: 8.54, added_p50_ms: 0.84, calls_per_s_c32: 1064, ratio: 0.7, cpu_ms_per_call: 0.97 },
    { path: 'mcp-proxy, stdio upstream', era: '2025-11-25', p50_ms: 2.54, p99_ms: 6.28, added_p50_ms: 1.48, calls_per_s_c32: 1120, ratio: 0.82, cpu_ms_per_call: 0.96 },
    { path: 'mcp-proxy → supergateway → HTTP upstream', era: '2026-07-28', p50_ms: 4.85, p99_ms: 12.01, added_p50_ms: 3.92, calls_per_s_c32: 486, ratio: 0.32, cpu_ms_per_call: 2.41 },
    { path: 'MetaMCP backend, HTTP upstream (Postgres)', era: '2025-06-18', p50_ms: 7.46, p99_ms: 16.3, added_p50_ms: 6.4, calls_per_s_c32: 265, ratio: 0.19, cpu_ms_per_call: 3.08, postgres_cpu_ms_per_call: 1.13 },
    { path: 'MetaMCP as shipped (Next.js → backend)', era: '2025-06-18', p50_ms: 10.57, p99_ms: 32.35, added_p50_ms: 9.52, calls_per_s_c32: 182, ratio: 0.13, cpu_ms_per_call: 5.69, postgres_cpu_ms_per_call: 1.17 },
  ],
  anchors_modern: { added_p50_ms: 0.8, added_p99_ms: 3, throughput_ratio_c32: 0.72, gateway_cpu_ms_per_call: 0.45, rss_idle_mb: 100, rss_peak_mb_c32: 170 },
};
const TARGET = { added_p50_ms_below: 1, throughput_ratio_c32_at_least: 0.7 };

// ---------------------------------------------------------------------------------------------------

async function compare() {
  const upstream = await startUpstream();
  const floor = FLOOR ? await startUpstream('bench/gateway-floor.ts', { BENCH_UPSTREAM_URL: upstream.url }) : undefined;
  const storages: Array<'pglite' | 'postgres'> = STORAGE === 'both' ? ['pglite', 'postgres'] : [STORAGE as 'pglite' | 'postgres'];
  const switchboards: SwitchboardChild[] = [];
  const paths: Path[] = [];
  try {
    for (const storage of storages) switchboards.push(await startSwitchboard(upstream.url, storage));
    for (const era of ERAS) {
      const suffix = era === 'legacy' ? '-legacy' : '';
      paths.push(newPath({ id: `direct${suffix}`, target: 'direct', era, url: upstream.url, headers: {}, tool: 'echo', pid: upstream.child.pid! }));
      if (floor) paths.push(newPath({ id: `floor${suffix}`, target: 'floor', era, url: `${floor.url}${new URL(upstream.url).pathname}`, headers: {}, tool: 'echo', pid: floor.child.pid! }));
      for (const sb of switchboards) {
        paths.push(newPath({ id: `switchboard-${sb.storage}${WHAT_IF ? `+${WHAT_IF}` : ''}${suffix}`, target: 'switchboard', storage: sb.storage, database: sb.database, era, url: `${sb.url}/mcp`, headers: { authorization: `Bearer ${sb.token}` }, tool: sb.tool, pid: sb.child.pid! }));
      }
    }
    const started = performance.now();
    for (const p of paths) await setUp(p, upstream.child.pid!);
    for (let round = 0; round < ROUNDS && performance.now() < DEADLINE; round++) {
      for (const p of shuffle(paths)) {
        await sequential(p, CALLS, true);
        await window(p, WINDOW_MS, true, upstream.child.pid!);
      }
    }
    const measuredSeconds = (performance.now() - started) / 1000;

    const results = paths.map((p) => ({
      path: p.id,
      target: p.target,
      storage: p.storage ?? null,
      era: p.era,
      negotiated: p.negotiated,
      c1: { ...stats(p.c1), calls_per_s: Math.round((p.c1.length / p.c1ElapsedMs) * 1000) },
      [`c${CLIENTS}`]: { ...stats(p.c32), calls_per_s: Math.round(median(p.windows)), windows_calls_per_s: p.windows.map(Math.round) },
      cpu_ms_per_call: {
        [p.target === 'direct' ? 'upstream' : p.target]: r2(p.cpu.server / p.cpu.calls),
        ...(p.target !== 'direct' ? { upstream: r2(p.cpu.upstream / p.cpu.calls) } : {}),
        ...(p.storage === 'postgres' ? { postgres_backends: r2(p.cpu.postgres / p.cpu.calls) } : {}),
        load_generator: r2(p.cpu.loadgen / p.cpu.calls),
      },
      [`${p.target === 'direct' ? 'upstream' : p.target}_rss_mb`]: { idle: Math.round(p.rssIdle ?? 0), peak: Math.round(p.rssPeak) },
      other_processes_cpu_pct: Math.round((p.cpu.other / (p.cpu.elapsed * os.cpus().length)) * 100),
      errors: p.errors,
      ...(p.firstError ? { first_error: p.firstError } : {}),
    }));
    const byId = new Map(results.map((r) => [r.path, r]));
    const cKey = `c${CLIENTS}` as const;
    type Window = ReturnType<typeof stats> & { calls_per_s: number; windows_calls_per_s: number[] };
    const w32 = (r: (typeof results)[number]) => (r as Record<string, unknown>)[cKey] as Window;
    const comparison = results
      .filter((r) => r.target !== 'direct')
      .map((r) => {
        const d = byId.get(r.era === 'legacy' ? 'direct-legacy' : 'direct')!;
        const g32 = w32(r);
        const d32 = w32(d);
        const added = r2(r.c1.p50_ms - d.c1.p50_ms);
        const ratio = Math.round((g32.calls_per_s / d32.calls_per_s) * 100) / 100;
        // Switchboard against the floor of the same run: what Switchboard adds beyond being an HTTP hop at all.
        const f = r.target === 'switchboard' ? byId.get(r.era === 'legacy' ? 'floor-legacy' : 'floor') : undefined;
        return {
          path: r.path,
          vs: d.path,
          era: r.negotiated,
          added_p50_ms_c1: added,
          added_p99_ms_c1: r2(r.c1.p99_ms - d.c1.p99_ms),
          added_mean_ms_c1: r2(r.c1.mean_ms - d.c1.mean_ms),
          [`added_p50_ms_${cKey}`]: r2(g32.p50_ms - d32.p50_ms),
          throughput_ratio_c1: Math.round((r.c1.calls_per_s / d.c1.calls_per_s) * 100) / 100,
          [`throughput_ratio_${cKey}`]: ratio,
          // Each round's windows of the two paths ran minutes apart at most: a ratio per round resists the box's drift.
          [`throughput_ratio_${cKey}_median_of_rounds`]: Math.round(median(g32.windows_calls_per_s.map((g, i) => g / (d32.windows_calls_per_s[i] ?? NaN)).filter(Number.isFinite)) * 100) / 100,
          ...(f ? { vs_floor: { added_p50_ms_c1: r2(r.c1.p50_ms - f.c1.p50_ms), [`throughput_ratio_${cKey}`]: Math.round((g32.calls_per_s / w32(f).calls_per_s) * 100) / 100, floor_throughput_ratio_vs_direct: Math.round((w32(f).calls_per_s / d32.calls_per_s) * 100) / 100 } } : {}),
          verdict: {
            added_p50_below_1ms: added < TARGET.added_p50_ms_below,
            throughput_ratio_at_least_0_70: ratio >= TARGET.throughput_ratio_c32_at_least,
            [`${r.target}_cpu_ms_per_call`]: (r.cpu_ms_per_call as Record<string, number>)[r.target],
          },
        };
      });
    const errors = results.reduce((a, r) => a + r.errors, 0);
    process.stdout.write(
      `${JSON.stringify(
        {
          bench: 'gateway-tools-call',
          date: new Date().toISOString(),
          switchboard: codeVersion(),
          node: process.version,
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), loadavg_1m_at_end: r2(os.loadavg()[0]!) },
          ...(WHAT_IF ? { what_if: `${WHAT_IF}: NOT Switchboard as shipped — the bench answers every database read from memory after its first run and does not wait for writes (bench/gateway-switchboard.ts); sizes what taking the database off the hot path would gain` } : {}),
          settings: { rounds: ROUNDS, sequential_calls_per_round: CALLS, window_s: WINDOW_MS / 1000, clients: CLIENTS, warmup_calls: WARMUP_CALLS, warmup_window_s: WARMUP_WINDOW_MS / 1000, eras: ERAS, storage: storages, switchboard_log_level: LOG_LEVEL, measured_s: Math.round(measuredSeconds) },
          method:
            'peer-bench.md run B method (see peers.method); processes: this load generator (SDK v2 Client + StreamableHTTPClientTransport, one client per concurrent worker), the upstream (bench/gateway-upstream.ts, SDK v2 createMcpHandler behind node:http) and one Switchboard per storage (bench/gateway-switchboard.ts: startServer, one org/owner/token, the upstream as a no-auth connector), each its own process; era auto negotiates 2026-07-28, legacy 2025-11-25 (the SDK client default); Switchboard always speaks auto (2026-07-28) to the upstream; floor = bench/gateway-floor.ts, a proxy that only copies bytes (no parsing, auth, policy or audit), its own process in front of the same upstream: what any HTTP hop costs here, so vs_floor is what Switchboard adds beyond being a hop; all 32 clients are one person (one upstream session); c1 = sequential calls, c32 = the windows; postgres_backends = CPU of the PostgreSQL backends of the Switchboard database (the peers counted the whole Postgres tree; the server here is shared with other users); other_processes_cpu_pct = share of the box (all cores) busy outside the bench during the windows of that path (the box is shared)',
          targets: TARGET,
          comparison,
          results,
          peers: PEERS,
          errors,
        },
        null,
        2,
      )}\n`,
    );
    if (errors > 0) process.exitCode = 1;
  } finally {
    await closeAll(paths);
    await Promise.allSettled(switchboards.map((s) => s.stop()));
    upstream.child.kill('SIGTERM');
    floor?.child.kill('SIGTERM');
    await pgAdmin?.end();
  }
}

async function profile() {
  const storages: Array<'pglite' | 'postgres'> = STORAGE === 'both' ? ['pglite', 'postgres'] : [STORAGE as 'pglite' | 'postgres'];
  const profiles = [];
  for (const storage of storages) profiles.push(await profileOne(storage));
  await pgAdmin?.end();
  process.stdout.write(`${JSON.stringify({ bench: 'gateway-profile', date: new Date().toISOString(), switchboard: codeVersion(), node: process.version, switchboard_log_level: LOG_LEVEL, ...(WHAT_IF ? { what_if: WHAT_IF } : {}), profiles }, null, 2)}\n`);
}

async function profileOne(storage: 'pglite' | 'postgres') {
  const era = (flags['profile-era'] ?? 'auto') as Era;
  const seconds = Number(flags['profile-seconds'] ?? 5);
  const traceCalls = Number(flags['profile-calls'] ?? 300);
  const stageCalls = Number(flags['stage-calls'] ?? 300);
  const upstream = await startUpstream();
  const sb = await startSwitchboard(upstream.url, storage);
  const p = newPath({ id: `switchboard-${storage}${WHAT_IF ? `+${WHAT_IF}` : ''}${era === 'legacy' ? '-legacy' : ''}`, target: 'switchboard', storage, database: sb.database, era, url: `${sb.url}/mcp`, headers: { authorization: `Bearer ${sb.token}` }, tool: sb.tool, pid: sb.child.pid! });
  try {
    await setUp(p, upstream.child.pid!);
    // 1. Queries per call: sequential calls, every query the server runs counted and timed.
    await sb.request({ type: 'trace-reset' });
    const tracedStart = performance.now();
    await sequential(p, traceCalls, true);
    const tracedMs = performance.now() - tracedStart;
    const { queries } = await sb.request<{ queries: Array<{ sql: string; count: number; ms: number }> }>({ type: 'trace-report' });
    const perCall = queries.map((q) => ({ per_call: r2(q.count / traceCalls), wall_ms_per_call: Math.round((q.ms / traceCalls) * 1000) / 1000, sql: q.sql }));
    // 2. CPU profile of the Switchboard process under the 32-client load.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sb-bench-prof-')), 'switchboard.cpuprofile');
    await sb.request({ type: 'profile-start' });
    const cpuBefore = cpuMs(sb.child.pid!);
    const before = p.c32.length;
    await window(p, seconds * 1000, true, upstream.child.pid!);
    const cpuAfter = cpuMs(sb.child.pid!);
    await sb.request({ type: 'profile-stop', file });
    const calls = p.c32.length - before;
    // 3. The stages of one call, one by one.
    const { stages } = await sb.request<{ stages: unknown[] }>({ type: 'stages', n: stageCalls });
    return {
      storage,
      era: p.negotiated,
      end_to_end_c1: { ...stats(p.c1), calls: traceCalls, calls_per_s: Math.round((traceCalls / tracedMs) * 1000), note: 'with the query trace on (adds a little per query)' },
      queries_per_call: { total: r2(queries.reduce((a, q) => a + q.count, 0) / traceCalls), wall_ms_per_call: r2(queries.reduce((a, q) => a + q.ms, 0) / traceCalls), by_sql: perCall },
      cpu_profile_c32: {
        file,
        seconds,
        clients: CLIENTS,
        process_cpu_ms_per_call: r2((cpuAfter - cpuBefore) / calls),
        note: 'sampled every 200 µs on the main thread; ms_per_call = sampled ms ÷ calls in the window',
        ...summarizeProfile(file, calls),
      },
      stages: { calls_each: stageCalls, note: 'each stage alone, sequential, in the Switchboard process, on the same database; a call runs some of them several times (see queries_per_call); query_wall_ms adds up queries run in parallel, so it can exceed the stage', rows: stages },
      errors: p.errors,
      ...(p.firstError ? { first_error: p.firstError } : {}),
    };
  } finally {
    await closeAll([p]);
    await sb.stop();
    upstream.child.kill('SIGTERM');
  }
}

await (flags.profile ? profile() : compare());
