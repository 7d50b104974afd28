/**
 * The Switchboard of `bench/gateway.ts`, run as its own process (spawned with an IPC channel): the
 * pattern of test/gateway/mcp-endpoint.test.ts — a temp data folder (PGlite) or a fresh PostgreSQL
 * database (`BENCH_DATABASE_URL`), a bootstrap file with one org, one owner and a personal access token (and
 * BENCH_PEOPLE − 1 members with a token each),
 * `startServer(loadConfig(…))`, then a no-auth listing for the upstream (`BENCH_UPSTREAM_URL`), enabled
 * for the org. Sends `{ready, url, token, tokens, tool, pid}` when it serves.
 *
 * Diagnostics on request (IPC messages), for `bench/gateway.ts --profile`:
 * - `trace-reset` / `trace-report`: every Kysely query the server runs is counted and timed (by SQL text).
 * - `profile-start` / `profile-stop`: the V8 CPU profiler over exactly the load window; the profile goes to `file`.
 * - `stages`: the gateway's per-call stages called one by one (same src functions, same database), timed.
 * - `memory`: process.memoryUsage() after a full GC (when started with --expose-gc), for bench/idle-clients.ts.
 *
 * Other benches set BENCH_CONNECTORS (several connectors), BENCH_PEOPLE (several people), BENCH_DATA_DIR and
 * BENCH_DATABASE_EXISTING (restarts on the same storage: bench/tools-list.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type CompiledQuery } from 'kysely';
import { freshDatabase } from './fresh-database.ts';
import { loadConfig } from '../src/config/load.ts';
import { upsertListing } from '../src/directory/store.ts';
import { AuditLog } from '../src/gateway/audit.ts';
import { createGateway } from '../src/gateway/index.ts';
import { namespacedToolName } from '../src/gateway/naming.ts';
import { organizationFor } from '../src/gateway/organization.ts';
import { authenticateAccessToken } from '../src/identity/access-tokens.ts';
import { OPERATOR } from '../src/identity/actor.ts';
import { createLogger } from '../src/observability/logger.ts';
import { enableConnector } from '../src/policy/store.ts';
import { directoryResolver } from '../src/server/connector-resolver.ts';
import { policyPort } from '../src/server/policy-port.ts';
import { startServer } from '../src/server/start.ts';
import { UpstreamPool } from '../src/upstream/pool.ts';

const TOKEN = 'sbp_bench_gateway_token_0001';
const EMAIL = 'bench@bench.test';
/**
 * People in the organization (BENCH_PEOPLE, 1 by default): the owner above, then members `bench2@…` with tokens
 * `sbp_bench_gateway_token_0002`, … — so many clients can be several people (a person keeps at most 50 2025 sessions).
 */
const PEOPLE = Math.max(1, Number(process.env.BENCH_PEOPLE ?? 1));
const tokenOf = (i: number) => (i === 0 ? TOKEN : `sbp_bench_gateway_token_${String(i + 1).padStart(4, '0')}`);
const TOKENS = Array.from({ length: PEOPLE }, (_, i) => tokenOf(i));
const SLUG = 'bench-echo';
const upstreamUrl = process.env.BENCH_UPSTREAM_URL;
if (!upstreamUrl || !process.send) throw new Error('bench/gateway-switchboard.ts is started by a bench (needs BENCH_UPSTREAM_URL and an IPC channel).');
const send = (message: unknown) => process.send!(message);
/**
 * The connectors (BENCH_CONNECTORS, JSON `[{slug, name, url}]`), each a no-auth listing enabled for the org; by
 * default the one echo connector at BENCH_UPSTREAM_URL.
 */
const connectors = process.env.BENCH_CONNECTORS
  ? (JSON.parse(process.env.BENCH_CONNECTORS) as Array<{ slug: string; name: string; url: string; description?: string }>)
  : [{ slug: SLUG, name: 'Bench Echo', url: upstreamUrl, description: 'The bench upstream.' }];

// Storage: a new data folder, and on PostgreSQL a new empty database (the server runs the migrations). A bench that
// restarts Switchboard on the same storage names it instead (BENCH_DATA_DIR, BENCH_DATABASE_EXISTING) and removes it itself.
const keptDataDir = process.env.BENCH_DATA_DIR;
const dataDir = keptDataDir ?? mkdtempSync(path.join(tmpdir(), 'sb-bench-gw-'));
const removeDataDir = () => {
  if (!keptDataDir) rmSync(dataDir, { recursive: true, force: true });
};
let databaseUrl: string | undefined;
let databaseName: string | undefined;
let dropDatabase = async () => {};
if (process.env.BENCH_DATABASE_EXISTING) {
  databaseUrl = process.env.BENCH_DATABASE_EXISTING;
  databaseName = new URL(databaseUrl).pathname.slice(1);
} else if (process.env.BENCH_DATABASE_URL) {
  const fresh = await freshDatabase(process.env.BENCH_DATABASE_URL, 'sbbench_gw');
  databaseName = fresh.name;
  databaseUrl = fresh.url;
  dropDatabase = fresh.drop;
}
const bootstrap = path.join(dataDir, 'bootstrap.yaml');
const others = TOKENS.slice(1).map((token, i) => `      - { email: bench${i + 2}@bench.test, role: member, tokens: [${token}] }\n`).join('');
writeFileSync(bootstrap, `organizations:\n  - slug: bench\n    name: Bench\n    plan: team\n    members:\n      - { email: ${EMAIL}, role: owner, tokens: [${TOKEN}] }\n${others}`);
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';
// The upstream listens on 127.0.0.1, which the egress guard opens only when told to. The request-rate limits are
// raised far above what the bench sends (not switched off, so their cost per request is still measured).
const env: Record<string, string> = {
  SWITCHBOARD_DATA_DIR: dataDir,
  PORT: '0',
  SWITCHBOARD_DEMO: 'off',
  LOG_LEVEL: logLevel,
  SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32',
  SWITCHBOARD_RATE_LIMIT_PERSON: '10000000',
  SWITCHBOARD_RATE_LIMIT_ORG: '100000000',
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
};
// Logs go where `switchboard serve` sends them (stdout, which bench/gateway.ts discards).
const log = createLogger(logLevel);
const server = await startServer(loadConfig({ env, configFile: bootstrap }), { logger: log });
const db = server.services.database.db;
for (const c of connectors) {
  await upsertListing(db, { slug: c.slug, name: c.name, tagline: c.name, description: c.description ?? `${c.name} (bench upstream).`, category: 'other', mcpUrl: c.url, authKind: 'none', source: 'import', origin: `bench:${c.slug}` });
  await enableConnector(db, OPERATOR, 'bench', c.slug);
}
const userId = (await db.selectFrom('users').select('id').where('email', '=', EMAIL).executeTakeFirstOrThrow()).id;
const orgId = (await db.selectFrom('organizations').select('id').where('slug', '=', 'bench').executeTakeFirstOrThrow()).id;
const tool = namespacedToolName(SLUG, 'echo');

// Query trace: wrap the one executor every query of this Kysely instance goes through.
const trace = new Map<string, { count: number; ms: number }>();
let tracing = false;
const executor = db.getExecutor() as unknown as { executeQuery: (q: CompiledQuery, o?: unknown) => Promise<unknown> };
const original = executor.executeQuery.bind(executor);
let execute = original;
if (process.env.BENCH_WHATIF === 'db-off-hot-path') {
  // A what-if, not Switchboard's behaviour: every read is answered from memory after its first run (the
  // bench changes no data after setup), inserts (the audit event) are started but not awaited, and updates
  // (the token's last-used stamp, which a stale cached read would otherwise repeat on every call) are
  // dropped. Kysely still builds and compiles each query. Shows what a call costs once the database is off
  // the hot path, so the gains of caching policy/connections and writing audit in the background can be sized.
  const cache = new Map<string, Promise<unknown>>();
  execute = (q, o) => {
    if (!/^\s*select/i.test(q.sql)) {
      if (/^\s*insert/i.test(q.sql)) original(q, o).catch(() => {});
      return Promise.resolve({ rows: [], numAffectedRows: 1n });
    }
    const key = `${q.sql}\n${JSON.stringify(q.parameters)}`;
    let hit = cache.get(key);
    if (!hit) cache.set(key, (hit = original(q, o)));
    return hit;
  };
}
executor.executeQuery = async (q, o) => {
  if (!tracing) return execute(q, o);
  const started = performance.now();
  try {
    return await execute(q, o);
  } finally {
    const key = q.sql.replace(/\s+/g, ' ').slice(0, 160);
    const entry = trace.get(key) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += performance.now() - started;
    trace.set(key, entry);
  }
};

let inspector: Session | undefined;

async function timeStage(name: string, where: string, fn: () => Promise<unknown>, n: number) {
  try {
    return await measureStage(name, where, fn, n);
  } catch (err) {
    // The gateway's internals move (src/gateway is being reworked): report the stage as not measured.
    tracing = false;
    return { stage: name, where, error: (err as Error).message };
  }
}

async function measureStage(name: string, where: string, fn: () => Promise<unknown>, n: number) {
  for (let i = 0; i < Math.min(30, n); i++) await fn();
  trace.clear();
  tracing = true;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  tracing = false;
  const queries = [...trace.values()].reduce((a, e) => a + e.count, 0) / n;
  const dbMs = [...trace.values()].reduce((a, e) => a + e.ms, 0) / n;
  times.sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { stage: name, where, mean_ms: r(times.reduce((a, b) => a + b, 0) / n), p50_ms: r(times[Math.floor(n / 2)]!), queries: r(queries), query_wall_ms: r(dbMs) };
}

async function stages(n: number) {
  // As src/server/start.ts builds it (the options newer gateways need are included; older ones ignore them).
  const options = { db, connections: server.services.connections, resolveConnector: directoryResolver(db), policy: policyPort(db), log, version: 'bench', publicUrl: server.url, secretKey: Buffer.alloc(32, 1), connectUrl: (slug: string) => `${server.url}/connect/${slug}` };
  const gateway = createGateway(options as unknown as Parameters<typeof createGateway>[0]);
  const { core } = gateway;
  const policy = policyPort(db);
  const resolve = directoryResolver(db);
  const audit = new AuditLog(db, log);
  const caller = { userId, orgId, surface: 'mcp' as const, requestId: 'req_bench' };
  const target = (await resolve(SLUG))!;
  const pool = new UpstreamPool();
  const noCredentials = { get: async () => ({ headers: {} }) };
  const out = [];
  out.push(await timeStage('db round trip (select 1)', 'kysely → ' + server.services.database.kind, () => sql`select 1`.execute(db), n));
  out.push(await timeStage('authenticate token', 'src/identity/access-tokens.ts:authenticateAccessToken', () => authenticateAccessToken(db, TOKEN), n));
  out.push(await timeStage('organization of the person', 'src/gateway/organization.ts:organizationFor', () => organizationFor(db, userId, undefined), n));
  out.push(await timeStage('policy for the person', 'src/server/policy-port.ts:forPerson (loadPolicyContext + findListing per enabled)', () => policy.forPerson(userId, orgId), n));
  out.push(await timeStage('connections of the person', 'src/connections/service.ts:ConnectionService.list', () => server.services.connections.list(userId), n));
  out.push(await timeStage('resolve connector', 'src/server/connector-resolver.ts:directoryResolver → findListing', () => resolve(SLUG), n));
  out.push(await timeStage('credentials for upstream request', 'src/connections/service.ts:ConnectionService.credentialsFor', () => server.services.connections.credentialsFor(userId, SLUG), n));
  out.push(await timeStage('list tools (upstream list cached)', 'src/gateway/core.ts:GatewayCore.listTools', () => core.listTools(caller), n));
  out.push(await timeStage('resolve tool', 'src/gateway/core.ts:GatewayCore.resolveTool (listTools + forPerson)', () => core.resolveTool(caller, tool), n));
  out.push(await timeStage('audit event', 'src/gateway/audit.ts:AuditLog.record (log + insert)', () => audit.record({ userId, orgId, connector: SLUG, tool: 'echo', decision: 'allow', outcome: 'ok', latencyMs: 1, surface: 'mcp', requestId: 'req_bench' }), n));
  out.push(await timeStage('upstream call only', 'src/upstream/pool.ts:UpstreamPool.callTool (SDK client → upstream, no DB)', () => pool.callTool(userId, target, noCredentials, 'echo', { message: 'hi' }), n));
  out.push(await timeStage('whole core call', 'src/gateway/core.ts:GatewayCore.callTool (resolveTool + resolveConnector + pool + audit)', () => core.callTool(caller, tool, { message: 'hi' }), n));
  await pool.close();
  await gateway.close();
  return out;
}

process.on('message', async (raw) => {
  const message = raw as { type: string; file?: string; n?: number };
  try {
    if (message.type === 'trace-reset') {
      trace.clear();
      tracing = true;
      send({ type: 'trace-reset' });
    } else if (message.type === 'trace-report') {
      tracing = false;
      send({ type: 'trace-report', queries: [...trace.entries()].map(([sql, e]) => ({ sql, ...e })).sort((a, b) => b.count - a.count) });
    } else if (message.type === 'profile-start') {
      inspector = new Session();
      inspector.connect();
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
      await inspector.post('Profiler.start');
      send({ type: 'profile-start' });
    } else if (message.type === 'profile-stop') {
      const { profile } = await inspector!.post('Profiler.stop');
      writeFileSync(message.file!, JSON.stringify(profile));
      inspector!.disconnect();
      send({ type: 'profile-stop' });
    } else if (message.type === 'stages') {
      send({ type: 'stages', stages: await stages(message.n ?? 300) });
    } else if (message.type === 'memory') {
      // Started with --expose-gc: a full collection first, so heap figures are live objects, not garbage.
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) for (let i = 0; i < 3; i++) gc();
      const m = process.memoryUsage();
      send({ type: 'memory', gc: gc !== undefined, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers });
    } else if (message.type === 'stop') {
      await server.close();
      await dropDatabase();
      removeDataDir();
      send({ type: 'stopped' });
      process.exit(0);
    }
  } catch (err) {
    send({ type: 'error', message: (err as Error).stack ?? String(err) });
  }
});
process.on('disconnect', () => {
  void server
    .close()
    .then(dropDatabase)
    .finally(() => {
      removeDataDir();
      process.exit(0);
    });
});

send({ type: 'ready', url: server.url, token: TOKEN, tokens: TOKENS, tool, pid: process.pid, storage: server.services.database.kind, database: databaseName });
