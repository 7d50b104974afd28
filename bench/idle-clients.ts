/**
 * Memory per idle MCP client: Switchboard's resident memory and heap before and after 1,000 MCP clients connect and
 * sit idle. Prints one JSON document. Run: `npm run bench:idle-clients` (PGlite; with DATABASE_URL=… on a fresh
 * PostgreSQL database instead).
 *
 * Kinds of client, each against a fresh Switchboard process (so one kind's leftovers never count for the next):
 * - `legacy-session`: a 2025-11-25 client: `initialize` opens a session (a server instance, a transport and an event
 *   store held by Switchboard), then the SDK client opens its standalone GET stream, as real clients do.
 * - `modern-listen`: a 2026-07-28 client with list-changed handlers: the SDK client opens a `subscriptions/listen`
 *   stream on connect and keeps it open (Switchboard holds the response and a place on the person's event bus).
 * - `modern-plain`: a 2026-07-28 client with nothing open: stateless, Switchboard should hold nothing for it beyond
 *   the per-person caches its first request filled (the control).
 *
 * Each client is its own SDK `Client` and transport in this one load-generator process (Node's fetch: undici, no
 * per-origin connection limit, keep-alive as shipped); each is a different person of one organization by default
 * (`--clients-per-person`, 1: a person keeps at most 50 2025 sessions), so per-person caches are counted too.
 * Switchboard runs with --expose-gc: "heap" figures are after a full collection; RSS is VmRSS from /proc, taken
 * right after that collection (RSS is what the operating system charges; V8 keeps freed pages for a while).
 *
 * Flags: --clients N (1000) · --kinds legacy-session,modern-listen,modern-plain · --clients-per-person N (1) ·
 * --settle S (5: seconds idle before the reading) · --connect-concurrency N (50) · --log-level L (info) ·
 * --max-seconds S (whole-run cap, 400).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startSwitchboard, startUpstream, type SwitchboardChild } from './children.ts';
import { cleanUpOnExit, codeVersion, establishedOn, rssMb } from './proc.ts';

const { values: flags } = parseArgs({
  options: {
    clients: { type: 'string' },
    kinds: { type: 'string' },
    'clients-per-person': { type: 'string' },
    settle: { type: 'string' },
    'connect-concurrency': { type: 'string' },
    'log-level': { type: 'string' },
    'max-seconds': { type: 'string' },
  },
});
const KINDS = ['legacy-session', 'modern-listen', 'modern-plain'] as const;
type Kind = (typeof KINDS)[number];
const N = Number(flags.clients ?? 1000);
const kinds = (flags.kinds ?? KINDS.join(',')).split(',').map((k) => k.trim()) as Kind[];
if (kinds.some((k) => !KINDS.includes(k))) throw new Error(`--kinds takes ${KINDS.join(', ')}`);
const PER_PERSON = Number(flags['clients-per-person'] ?? 1);
const SETTLE_MS = Number(flags.settle ?? 5) * 1000;
const CONCURRENCY = Number(flags['connect-concurrency'] ?? 50);
const LOG_LEVEL = flags['log-level'] ?? 'info';
const MAX_SECONDS = Number(flags['max-seconds'] ?? 400);
const DEADLINE = performance.now() + MAX_SECONDS * 1000;
const DATABASE_URL = process.env.DATABASE_URL;
const TARGET_EXTRA_MB_PER_1000 = 150;

cleanUpOnExit();

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const r1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Memory {
  gc: boolean;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** The server's memory: a full GC inside it, then its own figures and VmRSS from /proc. */
async function reading(sb: SwitchboardChild) {
  const m = await sb.request<Memory>({ type: 'memory' });
  return { vmrss_mb: r1(rssMb(sb.child.pid!)), heap_used_mb: mb(m.heapUsed), heap_total_mb: mb(m.heapTotal), external_mb: mb(m.external), array_buffers_mb: mb(m.arrayBuffers), gc_forced: m.gc, established_sockets: establishedOn(Number(new URL(sb.url).port)) };
}

async function open(sb: SwitchboardChild, kind: Kind, i: number): Promise<Client> {
  const token = sb.tokens[Math.floor(i / PER_PERSON) % sb.tokens.length]!;
  const client = new Client(
    { name: `bench-idle-${i}`, version: '1' },
    {
      versionNegotiation: { mode: kind === 'legacy-session' ? 'legacy' : 'auto' },
      // With list-changed handlers, a 2026 client opens a subscriptions/listen stream on connect (the SDK's auto-open).
      ...(kind === 'modern-listen' ? { listChanged: { tools: { autoRefresh: false, debounceMs: 0, onChanged: () => {} } } } : {}),
    },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(`${sb.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  if (kind === 'modern-listen' && !client.autoOpenedSubscription) throw new Error('the SDK client opened no subscriptions/listen stream');
  return client;
}

async function measureKind(kind: Kind, upstreamUrl: string) {
  const people = Math.ceil(N / PER_PERSON);
  const t0 = performance.now();
  const sb = await startSwitchboard({ upstreamUrl, databaseUrl: DATABASE_URL, people, logLevel: LOG_LEVEL, execArgv: ['--expose-gc'] });
  const startMs = performance.now() - t0;
  const clients: Client[] = [];
  const failures: string[] = [];
  try {
    await sleep(SETTLE_MS);
    const before = await reading(sb);
    const connectStarted = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, N) }, async () => {
        for (let i = next++; i < N && performance.now() < DEADLINE; i = next++) {
          try {
            clients.push(await open(sb, kind, i));
          } catch (err) {
            failures.push((err as Error).message);
          }
        }
      }),
    );
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const rssRightAfter = rssMb(sb.child.pid!);
    await sleep(SETTLE_MS);
    const after = await reading(sb);
    const connected = clients.length;
    const extraRss = after.vmrss_mb - before.vmrss_mb;
    const extraHeap = after.heap_used_mb - before.heap_used_mb;
    await Promise.allSettled(clients.map((c) => c.close()));
    await sleep(SETTLE_MS);
    const closed = await reading(sb);
    return {
      kind,
      clients_requested: N,
      clients_connected: connected,
      connect_failures: failures.length,
      ...(failures.length ? { first_failure: failures[0] } : {}),
      people,
      switchboard_start_ms: Math.round(startMs),
      connect_s: r1(connectSeconds),
      before,
      after_idle: after,
      vmrss_mb_right_after_connecting: r1(rssRightAfter),
      after_close: closed,
      extra: {
        vmrss_mb: r1(extraRss),
        heap_used_mb: r1(extraHeap),
        vmrss_mb_per_1000_clients: connected ? r1((extraRss * 1000) / connected) : null,
        heap_used_mb_per_1000_clients: connected ? r1((extraHeap * 1000) / connected) : null,
        heap_kb_per_client: connected ? Math.round((extraHeap * 1024) / connected) : null,
      },
      verdict_under_150_mb_per_1000: connected ? (extraRss * 1000) / connected < TARGET_EXTRA_MB_PER_1000 : null,
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await sb.stop();
  }
}

async function main() {
  const upstream = await startUpstream();
  const started = performance.now();
  const results = [];
  try {
    for (const kind of kinds) {
      if (performance.now() > DEADLINE) break;
      results.push(await measureKind(kind, upstream.url));
    }
  } finally {
    upstream.child.kill('SIGTERM');
  }
  process.stdout.write(
    `${JSON.stringify(
      {
        bench: 'idle-clients',
        date: new Date().toISOString(),
        switchboard: codeVersion(),
        node: process.version,
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), loadavg_1m_at_end: Math.round(os.loadavg()[0]! * 100) / 100 },
        storage: DATABASE_URL ? 'postgres' : 'pglite',
        settings: { clients: N, kinds, clients_per_person: PER_PERSON, settle_s: SETTLE_MS / 1000, connect_concurrency: CONCURRENCY, switchboard_log_level: LOG_LEVEL, measured_s: Math.round((performance.now() - started) / 1000) },
        method:
          'one fresh Switchboard process per kind (bench/gateway-switchboard.ts, --expose-gc; one org with one no-auth echo connector, one person per client by default); before = after start and a settle; the clients connect (initialize, plus the GET stream of a 2025 session or the subscriptions/listen stream of a 2026 client with list-changed handlers) and then sit idle for the settle; after_idle = the reading then; after_close = once every client closed (DELETE of 2025 sessions, listen streams cancelled) and a settle; each reading = a full GC in the server (3 × gc()), then process.memoryUsage() and VmRSS from /proc/<pid>/status; established_sockets = server-side ESTABLISHED TCP connections on its port (idle keep-alive sockets close after ~5 s, streams stay)',
        target: { extra_vmrss_mb_per_1000_idle_clients_below: TARGET_EXTRA_MB_PER_1000 },
        results,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
