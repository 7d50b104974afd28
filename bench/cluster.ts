/**
 * Two Switchboard nodes vs one: the same `echo` tools/call load (32 concurrent 2026-07-28 clients by default) on one
 * node, then split over two nodes that share PostgreSQL and Redis (cluster mode as docs/operating.md runs it: change
 * notices on Redis, rate limits counted in Redis, audit in PostgreSQL), interleaved in rounds in one run. Prints one
 * JSON document. Run: `DATABASE_URL=postgres://… REDIS_URL=redis://… npm run bench:cluster` (~1.5 min).
 *
 * On a 2-core box the load generator, the upstream, PostgreSQL, Redis and the nodes compete for the same cores, so raw
 * throughput cannot grow with a second node; the question is what a second node costs. The figure that answers it
 * is throughput per CPU-second consumed: calls per second of Switchboard CPU, and per second of server-side CPU
 * (Switchboard + PostgreSQL + Redis). Target (issue 8): two nodes lose no more than 10% of one node's per CPU-second.
 *
 * Clients are split between the nodes as a balancer would split them, without a balancer process: its own cost is
 * not Switchboard's (test/cluster/nginx.test.ts shows nginx in front works). Both nodes run during every round; in
 * a one-node round the second is idle.
 *
 * Flags (or env): --rounds N (BENCH_ROUNDS, 4) · --window S seconds per mode per round (BENCH_WINDOW_S, 4) · --clients N
 * (BENCH_CLIENTS, 32) · --era auto|legacy (auto) · --max-seconds S (whole-run cap, 300).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { startUpstream } from './children.ts';
import { freshDatabase } from './fresh-database.ts';
import { boxBusyMs, cleanUpOnExit, codeVersion, cpuMs, freePort, ROOT, spawnGroup, stopGroup, waitForPort } from './proc.ts';

const { values: flags } = parseArgs({
  options: { rounds: { type: 'string' }, window: { type: 'string' }, clients: { type: 'string' }, era: { type: 'string' }, 'max-seconds': { type: 'string' } },
});
const ROUNDS = Number(flags.rounds ?? process.env.BENCH_ROUNDS ?? 4);
const WINDOW_MS = Number(flags.window ?? process.env.BENCH_WINDOW_S ?? 4) * 1000;
const CLIENTS = Number(flags.clients ?? process.env.BENCH_CLIENTS ?? 32);
const ERA = (flags.era ?? 'auto') as 'auto' | 'legacy';
const MAX_MS = Number(flags['max-seconds'] ?? 300) * 1000;
const started = performance.now();

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!databaseUrl || !redisUrl) {
  process.stderr.write('bench/cluster.ts measures cluster mode: set DATABASE_URL (PostgreSQL) and REDIS_URL, e.g.\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run bench:cluster\n');
  process.exit(2);
}
cleanUpOnExit();

/** Every process named `postgres` on the box (the server and its backends): PostgreSQL's CPU in this run. */
function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

interface NodeProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startNode(env: Record<string, string>): Promise<NodeProcess> {
  // A port of our own, so readiness does not depend on the log level (the URL line is an info line).
  const port = await freePort();
  const child = spawnGroup(process.execPath, [path.join(ROOT, 'src/cli/main.ts'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), SWITCHBOARD_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'sb-bench-node-')) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Its log lines (one per tool call at info, as `npm start` writes them) are read and dropped, as a log shipper would.
  child.stdout!.resume();
  await waitForPort(port, 60_000, child);
  // The port opens a moment before the routes are mounted.
  for (let i = 0; i < 300 && !(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopGroup(child) };
}

async function connect(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'bench-cluster', version: '1' }, { versionNegotiation: { mode: ERA } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function window(clients: Client[], tool: string, ms: number): Promise<{ calls: number; errors: number; elapsedMs: number }> {
  let calls = 0;
  let errors = 0;
  const begin = performance.now();
  const deadline = begin + ms;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) {
        try {
          const result = await client.callTool({ name: tool, arguments: { message: 'hi' } });
          if ((result.content as Array<{ text?: string }>)[0]?.text === 'echo: hi') calls++;
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { calls, errors, elapsedMs: performance.now() - begin };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const round2 = (x: number) => Math.round(x * 100) / 100;

async function main() {
  const upstream = await startUpstream();
  const database = await freshDatabase(databaseUrl!, 'sbbench_cluster');
  const redis = new Redis(redisUrl!);
  const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1] ?? 0);
  const people = Array.from({ length: CLIENTS }, (_, i) => ({ email: `p${i}@bench.test`, token: `sbp_bench_cluster_${i}_${randomBytes(6).toString('hex')}` }));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-bench-cluster-'));
  const config = path.join(dir, 'switchboard.yaml');
  writeFileSync(
    config,
    ['organizations:', '  - slug: bench', '    name: Bench', '    plan: team', '    members:', ...people.map((p, i) => `      - { email: ${p.email}, role: ${i === 0 ? 'owner' : 'member'}, tokens: [${p.token}] }`), 'connectors:', `  - { slug: echo, name: Echo, url: "${upstream.url}", auth: none, enabledFor: [bench] }`, ''].join('\n'),
  );
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl!,
    SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
    SWITCHBOARD_CONFIG: config,
    SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32',
    SWITCHBOARD_DEMO: 'off',
    SWITCHBOARD_SANDBOX: 'off',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    // Counted (one Redis script call per request, as in production) but never refusing the bench's load.
    SWITCHBOARD_RATE_LIMIT_PERSON: '10000000',
    SWITCHBOARD_RATE_LIMIT_ORG: '10000000',
  };
  const nodes = await Promise.all([startNode(env), startNode(env)]);
  const [a, b] = nodes as [NodeProcess, NodeProcess];
  try {
    const tool = 'echo__echo';
    const oneNode = await Promise.all(people.map((p) => connect(a.url, p.token)));
    const twoNodes = await Promise.all(people.map((p, i) => connect(i % 2 === 0 ? a.url : b.url, p.token)));
    // Warm-up: every client, both modes (upstream sessions, caches, JIT).
    await window(oneNode, tool, 1500);
    await window(twoNodes, tool, 1500);

    type Sample = { calls_per_s: number; errors: number; cpu_ms: Record<string, number>; box_busy_ms: number; calls: number; elapsed_ms: number };
    const samples: Record<'one_node' | 'two_nodes', Sample[]> = { one_node: [], two_nodes: [] };
    for (let round = 0; round < ROUNDS && performance.now() - started < MAX_MS; round++) {
      const order = round % 2 === 0 ? (['one_node', 'two_nodes'] as const) : (['two_nodes', 'one_node'] as const);
      for (const mode of order) {
        const pg = postgresPids();
        const cpu = () => ({ node_a: cpuMs(a.pid), node_b: cpuMs(b.pid), upstream: cpuMs(upstream.child.pid!), redis: redisPid ? cpuMs(redisPid) : 0, postgres: pg.reduce((sum, pid) => sum + cpuMs(pid), 0), load_generator: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000 });
        const before = cpu();
        const busyBefore = boxBusyMs();
        const result = await window(mode === 'one_node' ? oneNode : twoNodes, tool, WINDOW_MS);
        const after = cpu();
        samples[mode].push({
          calls: result.calls,
          calls_per_s: (result.calls / result.elapsedMs) * 1000,
          errors: result.errors,
          cpu_ms: Object.fromEntries(Object.keys(after).map((k) => [k, after[k as keyof typeof after] - before[k as keyof typeof before]])),
          box_busy_ms: boxBusyMs() - busyBefore,
          elapsed_ms: result.elapsedMs,
        });
      }
    }
    await Promise.all([...oneNode, ...twoNodes].map((c) => c.close().catch(() => {})));

    const summarize = (list: Sample[]) => {
      const calls = list.reduce((s, x) => s + x.calls, 0);
      const total = (key: string) => list.reduce((s, x) => s + (x.cpu_ms[key] ?? 0), 0);
      const switchboardMs = total('node_a') + total('node_b');
      const serverMs = switchboardMs + total('redis') + total('postgres');
      return {
        windows: list.length,
        calls_per_s_median: round2(median(list.map((x) => x.calls_per_s))),
        errors: list.reduce((s, x) => s + x.errors, 0),
        cpu_ms_per_call: Object.fromEntries(['node_a', 'node_b', 'redis', 'postgres', 'upstream', 'load_generator'].map((k) => [k, round2(total(k) / Math.max(1, calls))])),
        calls_per_switchboard_cpu_s: round2(calls / (switchboardMs / 1000)),
        calls_per_server_cpu_s: round2(calls / (serverMs / 1000)),
        box_busy_share: round2(list.reduce((s, x) => s + x.box_busy_ms, 0) / (list.reduce((s, x) => s + x.elapsed_ms, 0) * os.cpus().length)),
      };
    };
    const one = summarize(samples.one_node);
    const two = summarize(samples.two_nodes);
    const ratio = (x: number, y: number) => round2(x / y);
    process.stdout.write(
      `${JSON.stringify(
        {
          bench: 'cluster',
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
          code: codeVersion(),
          method: { era: ERA, clients: CLIENTS, people: CLIENTS, rounds: ROUNDS, window_s: WINDOW_MS / 1000, storage: 'postgresql + redis', log_level: process.env.BENCH_LOG_LEVEL ?? 'info', split: 'clients alternate between the nodes (no balancer process)' },
          one_node: one,
          two_nodes: two,
          two_vs_one: {
            throughput: ratio(two.calls_per_s_median, one.calls_per_s_median),
            per_switchboard_cpu_s: ratio(two.calls_per_switchboard_cpu_s, one.calls_per_switchboard_cpu_s),
            per_server_cpu_s: ratio(two.calls_per_server_cpu_s, one.calls_per_server_cpu_s),
          },
          target: { per_cpu_s_at_least: 0.9, met: two.calls_per_server_cpu_s / one.calls_per_server_cpu_s >= 0.9 && two.calls_per_switchboard_cpu_s / one.calls_per_switchboard_cpu_s >= 0.9 },
          seconds: round2((performance.now() - started) / 1000),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    // It would also exit with this process (its IPC channel closes); stopped now, with the nodes.
    if (upstream.child.exitCode === null) upstream.child.kill('SIGTERM');
    await redis.quit();
    await database.drop();
  }
}

await main();
