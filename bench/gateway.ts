/**
 * What Switchboard's `/mcp` adds to one `tools/call`: the same `echo` call through Switchboard and
 * directly to the same upstream, interleaved in one run on loopback, at 1 and 32 concurrent clients (or any list:
 * `--clients 1,32,256`), in both protocol eras. Prints one JSON document. Run: `npm run bench:gateway` (Switchboard
 * on PGlite; with DATABASE_URL=… on a fresh PostgreSQL database instead, `-- --storage both` for the two side by
 * side); `npm run bench:gateway -- --profile` prints where the gateway's time per call goes instead;
 * `npm run bench:peers` (`--peers --clients 1,32,256 …`) adds the peers mcp-proxy and supergateway, each in front of
 * a stdio version of the same upstream (bench/peer-upstream-stdio.ts), at 1, 32 and 256 clients.
 *
 * Method: the one of /work/shared/research/peer-bench.md (run B), so the figures compare with the peers'
 * — three kinds of process on one 2-core box: this load generator (SDK v2 clients), the upstream
 * (bench/gateway-upstream.ts) and Switchboard (bench/gateway-switchboard.ts, PGlite or PostgreSQL).
 * Separate processes, as the peers ran: each server gets the scheduler to itself and its CPU is read
 * from /proc apart from the client's.
 *
 * Flags (or env): --rounds N (BENCH_ROUNDS, 6) · --calls N sequential recorded calls per path per round
 * (BENCH_CALLS, 80) · --window S seconds of each concurrent window per path per round (BENCH_WINDOW_S, 2) ·
 * --clients N or a list 1,32,256 (BENCH_CLIENTS, 32): the concurrent windows (1 is always the sequential series) ·
 * --max-calls N per client per window (BENCH_MAX_CALLS, 100000) · --clients-per-person N (32: Switchboard's clients
 * are spread over ceil(clients / N) people, since a person keeps at most 50 2025 sessions) ·
 * --warmup-calls N (50) · --warmup-window S (2) · --eras auto,legacy · --storage pglite|postgres|both
 * (default: postgres when DATABASE_URL is set, as `switchboard serve` chooses, else pglite; `both` takes
 * about 2.5 min) · --log-level L (info, as `npm start` runs) · --max-seconds S (whole-run cap, 600) ·
 * --profile [--profile-era auto|legacy --profile-seconds S --profile-calls N --stage-calls N] ·
 * --what-if db-off-hot-path (not the shipped behaviour: reads answered from memory, writes not awaited) ·
 * --no-floor (BENCH_FLOOR=off): leave out the floor, a byte-copying proxy (bench/gateway-floor.ts) measured in
 * the same run, which shows what any HTTP hop in front of the upstream costs here ·
 * --peers: add mcp-proxy (default options, one process per era) and supergateway (`--stateful`, legacy clients:
 * its fast configuration) in front of bench/peer-upstream-stdio.ts, plus one supergateway row with 2026-07-28 clients
 * at 1 client only (it spawns a child per request: ~200 ms a call) · --sg-max-clients N (32: supergateway `--stateful`
 * spawns one upstream process per session, ~90 MB each here, so 256 sessions would take ~23 GB) ·
 * --sg-modern-calls N (10 sequential calls per round for that row; 0 leaves it out).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { startSwitchboard as startSwitchboardChild, startUpstream, type SwitchboardChild } from './children.ts';
import { summarizeProfile } from './cpuprofile.ts';
import { boxBusyMs, cleanUpOnExit, codeVersion, cpuMs, establishedOn, freePort, ROOT, rssMb, spawnGroup, stopGroup, treeCpuMs, treeRssMb, waitForPort } from './proc.ts';

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string' },
    calls: { type: 'string' },
    window: { type: 'string' },
    clients: { type: 'string' },
    'clients-per-person': { type: 'string' },
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
    peers: { type: 'boolean' },
    'sg-max-clients': { type: 'string' },
    'sg-modern-calls': { type: 'string' },
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
/** The concurrent windows (client counts above 1); 1 client is the sequential series, always measured. */
const LEVELS = [...new Set((flags.clients ?? process.env.BENCH_CLIENTS ?? '32').split(',').map((c) => Number(c.trim())))].filter((n) => n > 1).sort((a, b) => a - b);
if (LEVELS.some((n) => !Number.isInteger(n))) throw new Error('--clients takes whole numbers, e.g. 32 or 1,32,256');
const MAX_CLIENTS = Math.max(1, ...LEVELS);
const CLIENTS_PER_PERSON = num(flags['clients-per-person'], process.env.BENCH_CLIENTS_PER_PERSON, 32);
const MAX_CALLS = num(flags['max-calls'], process.env.BENCH_MAX_CALLS, 100_000);
const WARMUP_CALLS = num(flags['warmup-calls'], process.env.BENCH_WARMUP_CALLS, 50);
const WARMUP_WINDOW_MS = num(flags['warmup-window'], process.env.BENCH_WARMUP_WINDOW_S, 2) * 1000;
const ERAS = (flags.eras ?? process.env.BENCH_ERAS ?? 'auto,legacy').split(',').map((e) => e.trim()) as Era[];
const DATABASE_URL = process.env.DATABASE_URL;
const STORAGE = flags.storage ?? process.env.BENCH_STORAGE ?? (DATABASE_URL ? 'postgres' : 'pglite');
const LOG_LEVEL = flags['log-level'] ?? process.env.BENCH_LOG_LEVEL ?? 'info';
const WHAT_IF = flags['what-if'] ?? process.env.BENCH_WHAT_IF;
const FLOOR = flags.floor !== false && process.env.BENCH_FLOOR !== 'off';
const WITH_PEERS = flags.peers === true || process.env.BENCH_PEERS === 'on';
const SG_MAX_CLIENTS = num(flags['sg-max-clients'], process.env.BENCH_SG_MAX_CLIENTS, 32);
const SG_MODERN_CALLS = num(flags['sg-modern-calls'], process.env.BENCH_SG_MODERN_CALLS, 10);
if (WHAT_IF !== undefined && WHAT_IF !== 'db-off-hot-path') throw new Error('--what-if takes db-off-hot-path');
const CALL_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 60_000;
const MAX_SECONDS = num(flags['max-seconds'], process.env.BENCH_MAX_SECONDS, 600);
const DEADLINE = performance.now() + MAX_SECONDS * 1000;
const MESSAGE = { message: 'hi' };
const EXPECTED = 'echo: hi';

type Era = 'auto' | 'legacy';
if (ERAS.some((e) => e !== 'auto' && e !== 'legacy')) throw new Error('--eras takes auto and/or legacy');
if (!['pglite', 'postgres', 'both'].includes(STORAGE)) throw new Error('--storage takes pglite, postgres or both');
if (STORAGE !== 'pglite' && !DATABASE_URL) throw new Error(`--storage ${STORAGE} needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)`);

cleanUpOnExit();

// ---------------------------------------------------------------------------------------------------
// Processes and /proc readings.

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

const startSwitchboard = (upstreamUrl: string, storage: 'pglite' | 'postgres', people = 1): Promise<SwitchboardChild> =>
  startSwitchboardChild({ upstreamUrl, databaseUrl: storage === 'postgres' ? DATABASE_URL : undefined, people, logLevel: LOG_LEVEL, whatIf: WHAT_IF });

/** A peer's package: its version and the file its `bin` names. */
function peerPackage(name: string): { version: string; bin: string } {
  const dir = path.join(ROOT, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string; bin: string | Record<string, string> };
  const bin = typeof pkg.bin === 'string' ? pkg.bin : (pkg.bin[name] ?? Object.values(pkg.bin)[0]!);
  return { version: pkg.version, bin: path.join(dir, bin) };
}

interface PeerProcess {
  child: ChildProcess;
  url: string;
  command: string;
}

const STDIO_UPSTREAM = [process.execPath, path.join(ROOT, 'bench/peer-upstream-stdio.ts')];
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** mcp-proxy as its README runs it (default options: both eras, event store on), in front of the stdio upstream. */
async function startMcpProxy(): Promise<PeerProcess> {
  const port = await freePort();
  const args = ['--host', '127.0.0.1', '--port', String(port), '--server', 'stream', '--', ...STDIO_UPSTREAM];
  const child = spawnGroup(process.execPath, [peerPackage('mcp-proxy').bin, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'] });
  await waitForPort(port, 30_000, child);
  return { child, url: `http://127.0.0.1:${port}/mcp`, command: `mcp-proxy ${args.join(' ').replace(ROOT + '/', '')}` };
}

/**
 * supergateway stdio→Streamable HTTP with `--stateful` (one stdio child per session: its fast configuration for
 * 2025-11-25 clients; 2026-07-28 requests spawn a child per request in every mode). It has no option for its
 * address: bench/loopback-only.ts makes it listen on 127.0.0.1 only. Its logs (level info, the default) are discarded.
 */
async function startSupergateway(): Promise<PeerProcess> {
  const port = await freePort();
  const args = ['--stdio', STDIO_UPSTREAM.map(shellQuote).join(' '), '--outputTransport', 'streamableHttp', '--port', String(port), '--stateful'];
  const child = spawnGroup(process.execPath, ['--import', path.join(ROOT, 'bench/loopback-only.ts'), peerPackage('supergateway').bin, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'] });
  await waitForPort(port, 30_000, child);
  return { child, url: `http://127.0.0.1:${port}/mcp`, command: `supergateway --stdio "node bench/peer-upstream-stdio.ts" --outputTransport streamableHttp --port ${port} --stateful` };
}

// ---------------------------------------------------------------------------------------------------
// Clients and measurement.

type Target = 'direct' | 'floor' | 'switchboard' | 'mcp-proxy' | 'supergateway';
const isPeer = (t: Target) => t === 'mcp-proxy' || t === 'supergateway';

interface Cpu {
  /** The measured server: the process and its descendants (for the peers: their stdio upstreams). */
  server: number;
  /** The server process alone. */
  serverOwn: number;
  /** The HTTP upstream, for paths in front of it. */
  upstream: number;
  postgres: number;
  loadgen: number;
  calls: number;
  other: number;
  elapsed: number;
}

/** What one concurrency level of one path measured over all its rounds. */
interface Level {
  clients: number;
  samples: number[];
  /** calls/s of each window (for 1 client: of each sequential series). */
  rates: number[];
  elapsedMs: number;
  cpu: Cpu;
  rssPeak: number;
  treeRssPeak: number;
  processesPeak: number;
  maxInFlight: number;
  /** Server-side established TCP connections on the path's port, at the middle of each window. */
  established: number[];
}

interface Path {
  id: string;
  target: Target;
  storage?: string;
  /** The PostgreSQL database of this Switchboard, for its backends' CPU. */
  database?: string | undefined;
  era: Era;
  url: string;
  /** Headers of the i-th client (the sequential client is client 0). */
  headers: (i: number) => Record<string, string>;
  tool: string;
  pid: number;
  /** Counts its descendants' CPU and memory too (a peer and its stdio upstreams). */
  tree: boolean;
  maxClients: number;
  seqCalls: number;
  warmupCalls: number;
  skipNote?: string;
  note?: string;
  seqClient?: Client;
  clients: Client[];
  connectFailures: number;
  negotiated?: string | undefined;
  c1: Level;
  levels: Map<number, Level>;
  rssIdle?: number;
  treeRssIdle?: { tree: number; processes: number };
  errors: number;
  firstError?: string;
}

const newCpu = (): Cpu => ({ server: 0, serverOwn: 0, upstream: 0, postgres: 0, loadgen: 0, calls: 0, other: 0, elapsed: 0 });
const newLevel = (clients: number): Level => ({ clients, samples: [], rates: [], elapsedMs: 0, cpu: newCpu(), rssPeak: 0, treeRssPeak: 0, processesPeak: 0, maxInFlight: 0, established: [] });

function newPath(fields: Pick<Path, 'id' | 'target' | 'era' | 'url' | 'tool' | 'pid'> & Partial<Pick<Path, 'headers' | 'maxClients' | 'seqCalls' | 'warmupCalls' | 'skipNote' | 'note'>> & { storage?: string; database?: string | undefined }): Path {
  return {
    headers: () => ({}),
    maxClients: MAX_CLIENTS,
    seqCalls: CALLS,
    warmupCalls: WARMUP_CALLS,
    ...fields,
    tree: isPeer(fields.target),
    clients: [],
    connectFailures: 0,
    c1: newLevel(1),
    levels: new Map(LEVELS.filter((n) => n <= (fields.maxClients ?? MAX_CLIENTS)).map((n) => [n, newLevel(n)])),
    errors: 0,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise.finally(() => clearTimeout(timer)), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms)))]);
}

async function connect(p: Path, i: number): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' }, { versionNegotiation: { mode: p.era } });
  await withTimeout(client.connect(new StreamableHTTPClientTransport(new URL(p.url), { requestInit: { headers: p.headers(i) } })), CONNECT_TIMEOUT_MS, `${p.id}: connect`);
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

const serverPort = (p: Path) => Number(new URL(p.url).port);

/**
 * Runs `work` with the path's processes metered: CPU of the server (and its tree), the HTTP upstream, the Postgres
 * backends and this load generator; the server's peak memory; the rest of the box. Adds it all to `level`.
 */
async function metered(p: Path, level: Level, upstreamPid: number, work: () => Promise<number>) {
  const pgBefore = new Map((await backendPids(p.database)).map((pid) => [pid, cpuMs(pid)]));
  const behindUpstream = p.target === 'floor' || p.target === 'switchboard';
  const server0 = p.tree ? treeCpuMs(p.pid) : { own: cpuMs(p.pid), tree: cpuMs(p.pid) };
  const before = { upstream: behindUpstream ? cpuMs(upstreamPid) : 0, loadgen: process.cpuUsage(), box: boxBusyMs() };
  const sample = () => {
    if (p.tree) {
      const t = treeRssMb(p.pid);
      level.rssPeak = Math.max(level.rssPeak, t.own);
      level.treeRssPeak = Math.max(level.treeRssPeak, t.tree);
      level.processesPeak = Math.max(level.processesPeak, t.processes);
    } else {
      level.rssPeak = Math.max(level.rssPeak, rssMb(p.pid));
    }
  };
  const sampler = setInterval(sample, 200);
  const started = performance.now();
  let completed = 0;
  try {
    completed = await work();
  } finally {
    clearInterval(sampler);
  }
  const elapsed = performance.now() - started;
  sample();
  const loadgen = process.cpuUsage(before.loadgen);
  const server1 = p.tree ? treeCpuMs(p.pid) : { own: cpuMs(p.pid), tree: cpuMs(p.pid) };
  const ours = { server: server1.tree - server0.tree, serverOwn: server1.own - server0.own, upstream: behindUpstream ? cpuMs(upstreamPid) - before.upstream : 0, postgres: 0, loadgen: (loadgen.user + loadgen.system) / 1000 };
  const boxAfter = boxBusyMs();
  // Backends that opened during the window started from nothing.
  for (const pid of new Set([...pgBefore.keys(), ...(await backendPids(p.database))])) ours.postgres += cpuMs(pid) - (pgBefore.get(pid) ?? 0);
  const cpu = level.cpu;
  cpu.server += ours.server;
  cpu.serverOwn += ours.serverOwn;
  cpu.upstream += ours.upstream;
  cpu.postgres += ours.postgres;
  cpu.loadgen += ours.loadgen;
  cpu.calls += completed;
  cpu.other += Math.max(0, boxAfter - before.box - ours.server - ours.upstream - ours.postgres - ours.loadgen);
  cpu.elapsed += elapsed;
  level.elapsedMs += elapsed;
  level.rates.push((completed / elapsed) * 1000);
}

/** Sequential calls by the one sequential client; recorded as the 1-client level when `record`. */
async function sequential(p: Path, n: number, record: boolean, upstreamPid: number) {
  const run = async () => {
    let completed = 0;
    for (let i = 0; i < n && performance.now() < DEADLINE; i++) {
      const ms = await call(p, p.seqClient!);
      if (ms === undefined) continue;
      completed++;
      if (record) p.c1.samples.push(ms);
    }
    return completed;
  };
  if (record) await metered(p, p.c1, upstreamPid, run);
  else await run();
}

/** The first `n` clients call back to back until the deadline (in-flight calls finish); rate = completed / elapsed. */
async function window(p: Path, n: number, ms: number, record: boolean, upstreamPid: number) {
  // Warm-up windows count into nothing.
  const level = (record ? p.levels.get(n) : undefined) ?? newLevel(n);
  const clients = p.clients.slice(0, n);
  const run = async () => {
    const end = Math.min(performance.now() + ms, DEADLINE);
    let completed = 0;
    let inFlight = 0;
    const mid = setTimeout(() => level.established.push(establishedOn(serverPort(p))), ms / 2);
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < MAX_CALLS && performance.now() < end; i++) {
          inFlight++;
          level.maxInFlight = Math.max(level.maxInFlight, inFlight);
          const t = await call(p, client);
          inFlight--;
          if (t === undefined) continue;
          completed++;
          if (record) level.samples.push(t);
        }
      }),
    );
    clearTimeout(mid);
    return completed;
  };
  if (record) await metered(p, level, upstreamPid, run);
  else await run();
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

async function setUp(p: Path, upstreamPid: number) {
  p.seqClient = await connect(p, 0);
  p.negotiated = p.seqClient.getNegotiatedProtocolVersion();
  const tools = (await p.seqClient.listTools()).tools.map((t) => t.name);
  // The gateway's naming may change: fall back to the one listed tool that is the upstream's echo.
  if (!tools.includes(p.tool)) p.tool = tools.find((t) => /(^|[^a-z])echo$/.test(t)) ?? p.tool;
  if (!tools.includes(p.tool)) throw new Error(`${p.id}: no tool ${p.tool} in ${tools.join(', ')}`);
  await sequential(p, p.warmupCalls, false, upstreamPid);
  const wanted = Math.max(0, ...p.levels.keys());
  const settled = await Promise.allSettled(
    Array.from({ length: wanted }, async (_, i) => {
      const c = await connect(p, i);
      await c.listTools();
      return c;
    }),
  );
  for (const s of settled) {
    if (s.status === 'fulfilled') p.clients.push(s.value);
    else {
      p.connectFailures++;
      p.errors++;
      p.firstError ??= `connect: ${(s.reason as Error).message}`;
    }
  }
  if (wanted > 0) await window(p, wanted, WARMUP_WINDOW_MS, false, upstreamPid);
  p.rssIdle = rssMb(p.pid);
  if (p.tree) {
    const t = treeRssMb(p.pid);
    p.treeRssIdle = { tree: t.tree, processes: t.processes };
  }
}

async function closeAll(paths: Path[]) {
  await Promise.allSettled(paths.flatMap((p) => [p.seqClient, ...p.clients].filter((c): c is Client => c !== undefined).map((c) => withTimeout(c.close(), 5000, 'close'))));
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
    { path: 'supergateway stdio→HTTP --stateful', era: '2026-07-28', p50_ms: 203.88, p99_ms: 251.83, added_p50_ms: 203, calls_per_s_c32: 7.8, ratio: 0.005, cpu_ms_per_call: 11.2 },
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

const cpuKey = (t: Target) => (t === 'direct' ? 'upstream' : t);

function cpuPerCall(p: Path, cpu: Cpu) {
  const per = (x: number) => (cpu.calls > 0 ? r2(x / cpu.calls) : null);
  return {
    [cpuKey(p.target)]: per(cpu.server),
    ...(p.tree ? { [`${p.target}_own`]: per(cpu.serverOwn), stdio_upstreams: per(cpu.server - cpu.serverOwn) } : {}),
    ...(p.target === 'floor' || p.target === 'switchboard' ? { upstream: per(cpu.upstream) } : {}),
    ...(p.storage === 'postgres' ? { postgres_backends: per(cpu.postgres) } : {}),
    load_generator: per(cpu.loadgen),
  };
}

function levelResult(p: Path, level: Level, sequentialSeries: boolean) {
  return {
    ...stats(level.samples),
    // 1 client: completed ÷ time over all sequential series; windows: the median of the windows' rates.
    calls_per_s: sequentialSeries ? Math.round((level.samples.length / level.elapsedMs) * 1000) : Math.round(median(level.rates)),
    ...(sequentialSeries ? {} : { windows_calls_per_s: level.rates.map(Math.round), clients_connected: Math.min(level.clients, p.clients.length), max_in_flight: level.maxInFlight, established_sockets_mid_window: level.established.length ? Math.max(...level.established) : null }),
    cpu_ms_per_call: cpuPerCall(p, level.cpu),
    [`${cpuKey(p.target)}_rss_peak_mb`]: Math.round(level.rssPeak),
    ...(p.tree ? { tree_rss_peak_mb: Math.round(level.treeRssPeak), tree_processes_peak: level.processesPeak } : {}),
    other_processes_cpu_pct: level.cpu.elapsed > 0 ? Math.round((level.cpu.other / (level.cpu.elapsed * os.cpus().length)) * 100) : null,
  };
}

async function compare() {
  const upstream = await startUpstream();
  const floor = FLOOR ? await startUpstream('bench/gateway-floor.ts', { BENCH_UPSTREAM_URL: upstream.url }) : undefined;
  const storages: Array<'pglite' | 'postgres'> = STORAGE === 'both' ? ['pglite', 'postgres'] : [STORAGE as 'pglite' | 'postgres'];
  const switchboards: SwitchboardChild[] = [];
  const peers: Array<PeerProcess & { era: Era; kind: 'mcp-proxy' | 'supergateway' }> = [];
  const paths: Path[] = [];
  const people = Math.ceil(MAX_CLIENTS / CLIENTS_PER_PERSON);
  const upstreamPid = upstream.child.pid!;
  try {
    for (const storage of storages) switchboards.push(await startSwitchboard(upstream.url, storage, people));
    if (WITH_PEERS) {
      for (const era of ERAS) peers.push({ ...(await startMcpProxy()), era, kind: 'mcp-proxy' });
      if (ERAS.includes('legacy')) peers.push({ ...(await startSupergateway()), era: 'legacy', kind: 'supergateway' });
      if (ERAS.includes('auto') && SG_MODERN_CALLS > 0) peers.push({ ...(await startSupergateway()), era: 'auto', kind: 'supergateway' });
    }
    for (const era of ERAS) {
      const suffix = era === 'legacy' ? '-legacy' : '';
      paths.push(newPath({ id: `direct${suffix}`, target: 'direct', era, url: upstream.url, tool: 'echo', pid: upstreamPid }));
      if (floor) paths.push(newPath({ id: `floor${suffix}`, target: 'floor', era, url: `${floor.url}${new URL(upstream.url).pathname}`, tool: 'echo', pid: floor.child.pid! }));
      for (const sb of switchboards) {
        const headers = (i: number) => ({ authorization: `Bearer ${sb.tokens[Math.floor(i / CLIENTS_PER_PERSON) % sb.tokens.length]}` });
        paths.push(newPath({ id: `switchboard-${sb.storage}${WHAT_IF ? `+${WHAT_IF}` : ''}${suffix}`, target: 'switchboard', storage: sb.storage, database: sb.database, era, url: `${sb.url}/mcp`, headers, tool: sb.tool, pid: sb.child.pid! }));
      }
      for (const peer of peers.filter((x) => x.era === era)) {
        if (peer.kind === 'mcp-proxy') paths.push(newPath({ id: `mcp-proxy${suffix}`, target: 'mcp-proxy', era, url: peer.url, tool: 'echo', pid: peer.child.pid!, note: peer.command }));
        else if (era === 'legacy') {
          paths.push(
            newPath({
              id: 'supergateway-stateful-legacy',
              target: 'supergateway',
              era,
              url: peer.url,
              tool: 'echo',
              pid: peer.child.pid!,
              maxClients: SG_MAX_CLIENTS,
              note: peer.command,
              ...(SG_MAX_CLIENTS < MAX_CLIENTS ? { skipNote: `not measured above ${SG_MAX_CLIENTS} clients (--sg-max-clients): --stateful spawns one upstream process per session (~90 MB each here, so ${MAX_CLIENTS} sessions ≈ ${Math.round((MAX_CLIENTS * 90) / 1024)} GB on this shared 24 GiB box)` } : {}),
            }),
          );
        } else {
          paths.push(
            newPath({
              id: 'supergateway-stateful',
              target: 'supergateway',
              era,
              url: peer.url,
              tool: 'echo',
              pid: peer.child.pid!,
              maxClients: 1,
              seqCalls: SG_MODERN_CALLS,
              warmupCalls: 3,
              note: `${peer.command}; 2026-07-28 clients: every request spawns a stdio child (~200 ms a call in the peer bench), so 1 client only, ${SG_MODERN_CALLS} calls per round`,
              skipNote: 'concurrent windows not measured: every 2026-07-28 request spawns a process (peer bench: 7.8 calls/s at 32 clients)',
            }),
          );
        }
      }
    }
    const started = performance.now();
    for (const p of paths) await setUp(p, upstreamPid);
    const setupSeconds = (performance.now() - started) / 1000;
    let rounds = 0;
    for (let round = 0; round < ROUNDS && performance.now() < DEADLINE; round++) {
      for (const p of shuffle(paths)) {
        await sequential(p, p.seqCalls, true, upstreamPid);
        for (const n of p.levels.keys()) await window(p, n, WINDOW_MS, true, upstreamPid);
      }
      rounds++;
    }
    const measuredSeconds = (performance.now() - started) / 1000;

    const results = paths.map((p) => ({
      path: p.id,
      target: p.target,
      storage: p.storage ?? null,
      era: p.era,
      negotiated: p.negotiated,
      ...(p.note ? { command: p.note } : {}),
      c1: levelResult(p, p.c1, true),
      ...Object.fromEntries(LEVELS.map((n) => [`c${n}`, p.levels.has(n) ? levelResult(p, p.levels.get(n)!, false) : { skipped: p.skipNote ?? 'not measured' }])),
      // The figure of the first concurrent level (32 by default), as earlier runs reported it.
      cpu_ms_per_call: cpuPerCall(p, (LEVELS[0] !== undefined ? p.levels.get(LEVELS[0]) : undefined)?.cpu ?? p.c1.cpu),
      // idle = after the warm-up; peak = the most seen at any time from then on (sampled every 200 ms while measuring).
      [`${cpuKey(p.target)}_rss_mb`]: { idle: Math.round(p.rssIdle ?? 0), peak: Math.round(Math.max(p.rssIdle ?? 0, p.c1.rssPeak, ...[...p.levels.values()].map((l) => l.rssPeak))) },
      ...(p.tree
        ? {
            tree_rss_mb: {
              idle: Math.round(p.treeRssIdle?.tree ?? 0),
              idle_processes: p.treeRssIdle?.processes,
              peak: Math.round(Math.max(p.treeRssIdle?.tree ?? 0, p.c1.treeRssPeak, ...[...p.levels.values()].map((l) => l.treeRssPeak))),
              peak_processes: Math.max(p.treeRssIdle?.processes ?? 0, p.c1.processesPeak, ...[...p.levels.values()].map((l) => l.processesPeak)),
            },
          }
        : {}),
      clients_connected: p.clients.length,
      connect_failures: p.connectFailures,
      errors: p.errors,
      ...(p.firstError ? { first_error: p.firstError } : {}),
    }));
    const byId = new Map(results.map((r) => [r.path, r]));
    type LevelOut = ReturnType<typeof levelResult> & { skipped?: undefined };
    type Skipped = { skipped: string; calls_per_s?: undefined; p50_ms?: undefined; windows_calls_per_s?: undefined };
    const at = (r: (typeof results)[number], n: number) => (n === 1 ? r.c1 : (r as Record<string, unknown>)[`c${n}`]) as LevelOut | Skipped;
    const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? Math.round((a / b) * 100) / 100 : null);
    const first = LEVELS[0];
    const comparison = results
      .filter((r) => r.target !== 'direct')
      .map((r) => {
        const d = byId.get(r.era === 'legacy' ? 'direct-legacy' : 'direct')!;
        const added = r2(r.c1.p50_ms - d.c1.p50_ms);
        const perLevel = Object.fromEntries(
          LEVELS.flatMap((n) => {
            const g = at(r, n);
            const dn = at(d, n);
            if (g.skipped !== undefined || dn.skipped !== undefined) return [];
            const rounds = (g.windows_calls_per_s ?? []).map((x, i) => x / (dn.windows_calls_per_s?.[i] ?? NaN)).filter(Number.isFinite);
            return [
              [`added_p50_ms_c${n}`, r2(g.p50_ms - dn.p50_ms)],
              [`throughput_ratio_c${n}`, ratio(g.calls_per_s, dn.calls_per_s)],
              // Each round's windows of the two paths ran minutes apart at most: a ratio per round resists the box's drift.
              [`throughput_ratio_c${n}_median_of_rounds`, rounds.length ? Math.round(median(rounds) * 100) / 100 : null],
            ];
          }),
        );
        // Switchboard against the floor of the same run: what Switchboard adds beyond being an HTTP hop at all.
        const f = r.target === 'switchboard' ? byId.get(r.era === 'legacy' ? 'floor-legacy' : 'floor') : undefined;
        const gFirst = first !== undefined ? at(r, first) : undefined;
        const dFirst = first !== undefined ? at(d, first) : undefined;
        const firstRatio = gFirst && dFirst ? ratio(gFirst.calls_per_s, dFirst.calls_per_s) : null;
        return {
          path: r.path,
          vs: d.path,
          era: r.negotiated,
          added_p50_ms_c1: added,
          added_p99_ms_c1: r2(r.c1.p99_ms - d.c1.p99_ms),
          added_mean_ms_c1: r2(r.c1.mean_ms - d.c1.mean_ms),
          throughput_ratio_c1: ratio(r.c1.calls_per_s, d.c1.calls_per_s),
          ...perLevel,
          ...(f && first !== undefined
            ? { vs_floor: { added_p50_ms_c1: r2(r.c1.p50_ms - f.c1.p50_ms), ...Object.fromEntries(LEVELS.map((n) => [`throughput_ratio_c${n}`, ratio(at(r, n).calls_per_s, at(f, n).calls_per_s)])), floor_throughput_ratio_vs_direct: ratio(at(f, first).calls_per_s, at(d, first).calls_per_s) } }
            : {}),
          verdict: {
            added_p50_below_1ms: added < TARGET.added_p50_ms_below,
            ...(first !== undefined ? { throughput_ratio_at_least_0_70: firstRatio !== null ? firstRatio >= TARGET.throughput_ratio_c32_at_least : null } : {}),
            [`${r.target}_cpu_ms_per_call`]: (r.cpu_ms_per_call as Record<string, number | null>)[r.target],
          },
        };
      });
    // One compact table per era and client count: every path side by side.
    const sideBySide = ERAS.flatMap((era) =>
      [1, ...LEVELS].map((n) => ({
        era,
        clients: n,
        rows: results
          .filter((r) => r.era === era)
          .map((r) => {
            const l = at(r, n);
            if (l.skipped !== undefined) return { path: r.path, skipped: l.skipped };
            const cpu = l.cpu_ms_per_call as Record<string, number | null>;
            return {
              path: r.path,
              p50_ms: l.p50_ms,
              p99_ms: l.p99_ms,
              calls_per_s: l.calls_per_s,
              server_cpu_ms_per_call: cpu[cpuKey(r.target)],
              ...(r.target === 'floor' || r.target === 'switchboard' ? { upstream_cpu_ms_per_call: cpu.upstream } : {}),
              server_rss_peak_mb: (l as Record<string, unknown>)[`${cpuKey(r.target)}_rss_peak_mb`],
              ...('tree_rss_peak_mb' in l ? { tree_rss_peak_mb: l.tree_rss_peak_mb, tree_processes_peak: l.tree_processes_peak } : {}),
              ...(n > 1 ? { clients_connected: l.clients_connected, max_in_flight: l.max_in_flight } : {}),
            };
          }),
      })),
    );
    const errors = results.reduce((a, r) => a + r.errors, 0);
    process.stdout.write(
      `${JSON.stringify(
        {
          bench: WITH_PEERS ? 'gateway-tools-call-peers' : 'gateway-tools-call',
          date: new Date().toISOString(),
          switchboard: codeVersion(),
          node: process.version,
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), loadavg_1m_at_end: r2(os.loadavg()[0]!) },
          ...(WHAT_IF ? { what_if: `${WHAT_IF}: NOT Switchboard as shipped — the bench answers every database read from memory after its first run and does not wait for writes (bench/gateway-switchboard.ts); sizes what taking the database off the hot path would gain` } : {}),
          settings: {
            rounds: ROUNDS,
            rounds_completed: rounds,
            sequential_calls_per_round: CALLS,
            window_s: WINDOW_MS / 1000,
            clients: [1, ...LEVELS],
            clients_per_person: CLIENTS_PER_PERSON,
            switchboard_people: people,
            max_calls_per_client_per_window: MAX_CALLS,
            warmup_calls: WARMUP_CALLS,
            warmup_window_s: WARMUP_WINDOW_MS / 1000,
            eras: ERAS,
            storage: storages,
            switchboard_log_level: LOG_LEVEL,
            max_seconds: MAX_SECONDS,
            setup_s: Math.round(setupSeconds),
            measured_s: Math.round(measuredSeconds),
            hit_whole_run_cap: performance.now() >= DEADLINE,
          },
          ...(WITH_PEERS ? { peer_versions: { 'mcp-proxy': peerPackage('mcp-proxy').version, supergateway: peerPackage('supergateway').version } } : {}),
          method:
            'peer-bench.md run B method (see peers.method); processes: this load generator (SDK v2 Client + StreamableHTTPClientTransport over Node\'s fetch — undici, no per-origin connection limit — one client and one keep-alive connection pool per concurrent worker, each connected once), the upstream (bench/gateway-upstream.ts, SDK v2 createMcpHandler behind node:http) and one Switchboard per storage (bench/gateway-switchboard.ts: startServer, one org, the upstream as a no-auth connector, request-rate limits raised out of the way), each its own process; era auto negotiates 2026-07-28, legacy 2025-11-25 (the SDK client default); Switchboard always speaks auto (2026-07-28) to the upstream; floor = bench/gateway-floor.ts, a proxy that only copies bytes (no parsing, auth, policy or audit), its own process in front of the same upstream: what any HTTP hop costs here, so vs_floor is what Switchboard adds beyond being a hop; Switchboard\'s clients are people of one org, clients_per_person to a person (client i is person floor(i / clients_per_person)): 32 clients are one person (one upstream session), as in earlier runs; c1 = the sequential series (its CPU and rate over those calls), cN = the N-client windows (calls/s = median of the windows, CPU over all windows ÷ calls); each path connects its largest client count once at setup and every window uses the first N of those clients; max_in_flight = most calls the load generator had outstanding at once on that path; established_sockets_mid_window = server-side ESTABLISHED TCP connections on the path\'s port halfway through a window (2025 clients also hold an idle GET stream each); postgres_backends = CPU of the PostgreSQL backends of the Switchboard database (the peers counted the whole Postgres tree; the server here is shared with other users); other_processes_cpu_pct = share of the box (all cores) busy outside the bench during that level\'s windows (the box is shared)' +
            (WITH_PEERS
              ? '; peers: mcp-proxy and supergateway are stdio→HTTP bridges, each spawning bench/peer-upstream-stdio.ts (SDK v2 serveStdio, the same three tools) — so they are compared with direct HTTP calls to the HTTP upstream, as in the peer bench, which flatters them: a stdio upstream costs far less CPU per call than an HTTP one; their CPU is the whole process tree (the bridge, its shells and stdio upstreams: utime+stime+cutime+cstime of each, <peer>_own = the bridge alone), read from /proc; each peer and era is its own process (own process group, ended with its children at exit); supergateway runs --stateful (its fast configuration with 2025-11-25 clients: one stdio child per session); with 2026-07-28 clients every request spawns a child (peer bench: ~204 ms p50, 7.8 calls/s at 32 clients), measured here at 1 client only'
              : ''),
          targets: TARGET,
          comparison,
          side_by_side: sideBySide,
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
    await Promise.allSettled([...switchboards.map((s) => s.stop()), ...peers.map((p) => stopGroup(p.child))]);
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
  const level = LEVELS[0] ?? 32;
  const p = newPath({ id: `switchboard-${storage}${WHAT_IF ? `+${WHAT_IF}` : ''}${era === 'legacy' ? '-legacy' : ''}`, target: 'switchboard', storage, database: sb.database, era, url: `${sb.url}/mcp`, headers: () => ({ authorization: `Bearer ${sb.token}` }), tool: sb.tool, pid: sb.child.pid!, maxClients: level });
  p.levels = new Map([[level, newLevel(level)]]);
  try {
    await setUp(p, upstream.child.pid!);
    // 1. Queries per call: sequential calls, every query the server runs counted and timed.
    await sb.request({ type: 'trace-reset' });
    const tracedStart = performance.now();
    await sequential(p, traceCalls, true, upstream.child.pid!);
    const tracedMs = performance.now() - tracedStart;
    const { queries } = await sb.request<{ queries: Array<{ sql: string; count: number; ms: number }> }>({ type: 'trace-report' });
    const perCall = queries.map((q) => ({ per_call: r2(q.count / traceCalls), wall_ms_per_call: Math.round((q.ms / traceCalls) * 1000) / 1000, sql: q.sql }));
    // 2. CPU profile of the Switchboard process under the 32-client load.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sb-bench-prof-')), 'switchboard.cpuprofile');
    await sb.request({ type: 'profile-start' });
    const cpuBefore = cpuMs(sb.child.pid!);
    const window32 = p.levels.get(level)!;
    const before = window32.samples.length;
    await window(p, level, seconds * 1000, true, upstream.child.pid!);
    const cpuAfter = cpuMs(sb.child.pid!);
    await sb.request({ type: 'profile-stop', file });
    const calls = window32.samples.length - before;
    // 3. The stages of one call, one by one.
    const { stages } = await sb.request<{ stages: unknown[] }>({ type: 'stages', n: stageCalls });
    return {
      storage,
      era: p.negotiated,
      end_to_end_c1: { ...stats(p.c1.samples), calls: traceCalls, calls_per_s: Math.round((traceCalls / tracedMs) * 1000), note: 'with the query trace on (adds a little per query)' },
      queries_per_call: { total: r2(queries.reduce((a, q) => a + q.count, 0) / traceCalls), wall_ms_per_call: r2(queries.reduce((a, q) => a + q.ms, 0) / traceCalls), by_sql: perCall },
      cpu_profile_c32: {
        file,
        seconds,
        clients: level,
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
