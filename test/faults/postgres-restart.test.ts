import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { openDatabase } from '../../src/db/database.ts';
import { AuditLog } from '../../src/gateway/audit.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { createPostgresDatabase, processStorage } from '../helpers/db.ts';
import { needs } from '../helpers/services.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/** The rounds run back to back through the outage (failures come fast): far past a person's default 1,200 a minute. */
const NO_RATE_LIMITS = { SWITCHBOARD_RATE_LIMIT_PERSON: '0', SWITCHBOARD_RATE_LIMIT_ORG: '0' };

/**
 * Issue 8, PostgreSQL restarted mid-run. The machine's PostgreSQL is never touched: Switchboard reaches its database
 * through a TCP proxy (tcp-proxy.ts), and an outage is the proxy resetting every connection and refusing new ones
 * for a few seconds, then accepting again — what a restart looks like to a client.
 *
 * Through it all, MCP tool calls (2026 and 2025 clients) and REST calls (a read, and two writes: a new access token,
 * a change of a tool permission) keep going. During the outage each fails cleanly and within a bound, or succeeds;
 * after it, all succeed again without restarting Switchboard; and nothing acknowledged is lost: every write answered
 * 2xx is in the database, with its audit event, and so is the audit event of every tool call that succeeded.
 */
const postgres = needs('DATABASE_URL');

const TOKEN = 'sbp_test_pgrestart_olivia_1';
const OUTAGE_MS = 4_000;
/** No request may take longer than this, outage or not: a safety net, not a measurement. */
const BOUND_MS = 15_000;

type Phase = 'before' | 'outage' | 'after';
interface Outcome {
  op: 'mcp-2026' | 'mcp-2025' | 'me' | 'create-token' | 'set-rules';
  phase: Phase;
  ok: boolean;
  ms: number;
  /** What a failed request answered (status and body, or the client's error), for the assertions and their messages. */
  said: string;
  /** The request's reference (X-Request-Id), when it answered. */
  reference?: string | undefined;
  /** Writes: what was written. */
  wrote?: string;
}

let storage: Awaited<ReturnType<typeof processStorage>>;
let proxy: TcpProxy;
let server: RunningServer;
let good: Awaited<ReturnType<typeof startTestUpstream>>;
let realUrl: string;
const clients = new Map<'2026' | '2025', { client: Client; references: string[] }>();
const outcomes: Outcome[] = [];
const readiness: Array<{ phase: Phase; status: number; database: string }> = [];

const text = (r: unknown) => ((r as { content?: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('');

async function mcpClient(mode: 'auto' | 'legacy'): Promise<{ client: Client; references: string[] }> {
  const references: string[] = [];
  // Each tools/call's reference, from its answer's X-Request-Id (calls are made one at a time per client).
  const tap = async (input: string | URL | Request, init?: RequestInit) => {
    const res = await fetch(input, init);
    if (typeof init?.body === 'string' && init.body.includes('"tools/call"')) references.push(res.headers.get('x-request-id') ?? '');
    return res;
  };
  const client = new Client({ name: 'pg-restart', version: '1' }, { versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { fetch: tap, requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
  return { client, references };
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; reference: string | null }> {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(BOUND_MS * 2),
  });
  return { status: res.status, text: await res.text(), reference: res.headers.get('x-request-id') };
}

/** One of each request, all at once; none throws: each becomes an outcome. */
async function round(phase: Phase, i: number): Promise<Outcome[]> {
  const timed = async (op: Outcome['op'], run: () => Promise<Omit<Outcome, 'op' | 'phase' | 'ms'>>): Promise<Outcome> => {
    const started = performance.now();
    let result: Omit<Outcome, 'op' | 'phase' | 'ms'>;
    try {
      result = await run();
    } catch (err) {
      result = { ok: false, said: `threw ${(err as Error).name}: ${(err as Error).message}` };
    }
    const outcome = { op, phase, ms: performance.now() - started, ...result };
    outcomes.push(outcome);
    return outcome;
  };
  const mcp = (era: '2026' | '2025') =>
    timed(`mcp-${era}`, async () => {
      const { client, references } = clients.get(era)!;
      const said = `${era}-${phase}-${i}`;
      const result = await client.callTool({ name: 'good__echo', arguments: { text: said } }, { timeout: BOUND_MS * 2 });
      return { ok: !result.isError && text(result) === `good: ${said}`, said: text(result), reference: references.at(-1) };
    });
  const rest = (op: Outcome['op'], method: string, path: string, body?: unknown, wrote?: string) =>
    timed(op, async () => {
      const res = await api(method, path, body);
      return { ok: res.status >= 200 && res.status < 300, said: `${res.status} ${res.text}`, reference: res.reference ?? undefined, ...(wrote ? { wrote } : {}) };
    });
  const name = `restart-${phase}-${i}`;
  return Promise.all([
    mcp('2026'),
    mcp('2025'),
    rest('me', 'GET', '/me'),
    rest('create-token', 'POST', '/me/tokens', { name }, name),
    rest('set-rules', 'PUT', '/me/connectors/good/policy', { tools: { [`tool_${phase}_${i}`]: 'block' } }, `tool_${phase}_${i}`),
  ]);
}

async function ready(phase: Phase): Promise<void> {
  const res = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(BOUND_MS) });
  const body = (await res.json()) as { checks: { database: string } };
  readiness.push({ phase, status: res.status, database: body.checks.database });
}

describe.skipIf(postgres.skip)(`PostgreSQL restarted mid-run${postgres.skip ? ` (${postgres.reason})` : ''}`, () => {
  beforeAll(async () => {
    storage = await processStorage('sb-pgrestart-');
    realUrl = storage.env.DATABASE_URL!;
    const real = new URL(realUrl);
    proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
    const viaProxy = new URL(realUrl);
    viaProxy.hostname = proxy.host;
    viaProxy.port = String(proxy.port);
    good = await startTestUpstream('good');
    const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
    writeFileSync(
      file,
      `organizations:\n  - slug: acme\n    name: Acme\n    plan: team\n    members:\n      - { email: olivia@acme.test, role: owner, tokens: [${TOKEN}] }\nconnectors:\n  - { slug: good, name: Good, url: '${good.url}', enabledFor: [acme] }\n`,
    );
    server = await startServer(
      loadConfig({ env: { ...storage.env, DATABASE_URL: viaProxy.toString(), PORT: '0', SWITCHBOARD_DEMO: 'off', SWITCHBOARD_SANDBOX: 'off', LOG_LEVEL: 'silent', SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32', ...NO_RATE_LIMITS }, configFile: file }),
      { logger: createLogger('silent') },
    );
    clients.set('2026', await mcpClient('auto'));
    clients.set('2025', await mcpClient('legacy'));
  });
  afterAll(async () => {
    for (const { client } of clients.values()) await client.close().catch(() => {});
    await proxy?.restore();
    await server?.close();
    await good?.close();
    await proxy?.close();
    await storage?.drop();
  });

  it('runs MCP and REST requests through an outage: clean bounded failures during it, all good after it, without a restart', async () => {
    expect(proxy.connections()).toBeGreaterThan(0); // Switchboard does reach PostgreSQL through the proxy.
    await ready('before');
    for (let i = 0; i < 3; i++) expect((await round('before', i)).filter((o) => !o.ok)).toEqual([]);

    // At once: the audit events of the last calls are still queued (they are written in the background, in batches).
    await proxy.outage();
    const outageEnds = performance.now() + OUTAGE_MS;
    let i = 0;
    try {
      while (performance.now() < outageEnds) {
        await Promise.all([round('outage', i++), i === 1 ? ready('outage') : undefined]);
      }
    } finally {
      await proxy.restore();
    }

    // Back without a restart: within the bound every request type succeeds again, then keeps succeeding.
    const back = performance.now() + BOUND_MS;
    let j = 0;
    let recovered = false;
    while (!recovered && performance.now() < back) {
      recovered = (await round('after', j++)).every((o) => o.ok);
      if (!recovered) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(true);
    for (let k = 0; k < 3; k++) expect((await round('after', j++)).filter((o) => !o.ok)).toEqual([]);
    await ready('after');

    // Every request answered within the bound, outage or not.
    for (const o of outcomes) expect(o.ms, `${o.op} (${o.phase}) took ${Math.round(o.ms)} ms`).toBeLessThan(BOUND_MS);
    const during = outcomes.filter((o) => o.phase === 'outage');
    expect(during.length).toBeGreaterThanOrEqual(5);
    // The outage was felt (the REST calls need the database), and every failure was a clean, well-formed answer.
    expect(during.filter((o) => (o.op === 'me' || o.op === 'create-token' || o.op === 'set-rules') && !o.ok).length).toBeGreaterThan(0);
    for (const o of during.filter((x) => !x.ok)) {
      if (o.op.startsWith('mcp-')) {
        // A JSON-RPC error (or a tool error) saying what happened, with a reference: never a hang, a dropped
        // connection, or the driver's own words.
        expect(o.said, `${o.op}: ${o.said}`).toMatch(/can't reach its database|could not serve this request/);
        expect(o.said, `${o.op}: ${o.said}`).toMatch(/req_[A-Za-z0-9_-]{12}/);
        expect(o.said).not.toMatch(/ECONNREFUSED|ECONNRESET|127\.0\.0\.1|Connection terminated/);
      } else {
        const [status, ...rest] = o.said.split(' ');
        expect(Number(status), `${o.op}: ${o.said}`).toBe(503);
        const body = JSON.parse(rest.join(' ')) as { error: { code: string; message: string; reference: string } };
        expect(body.error).toMatchObject({ code: 'database_unavailable', message: expect.stringMatching(/database/), reference: expect.stringMatching(/^req_/) });
      }
    }
    // /readyz told the load balancer: the database failing during the outage, ok before and after.
    expect(readiness.find((r) => r.phase === 'before')).toMatchObject({ status: 200, database: 'ok' });
    expect(readiness.find((r) => r.phase === 'outage')).toMatchObject({ status: 503, database: expect.stringMatching(/^failed: /) });
    expect(readiness.find((r) => r.phase === 'after')).toMatchObject({ status: 200, database: 'ok' });
  });

  it('lost nothing acknowledged: every token and rule change answered 2xx is stored with its audit event, and so is every successful tool call', async () => {
    const direct = new pg.Client({ connectionString: realUrl });
    direct.on('error', () => {}); // a failed query says so itself
    await direct.connect();
    try {
      const users = await direct.query<{ id: string }>(`select id from users where email = 'olivia@acme.test'`);
      const olivia = users.rows[0]!.id;

      // Every token whose creation was acknowledged exists.
      const acknowledgedTokens = outcomes.filter((o) => o.op === 'create-token' && o.ok).map((o) => o.wrote!);
      expect(acknowledgedTokens.length).toBeGreaterThanOrEqual(7);
      const tokens = (await direct.query<{ name: string }>('select name from access_tokens where user_id = $1', [olivia])).rows.map((r) => r.name);
      expect(tokens).toEqual(expect.arrayContaining(acknowledgedTokens));

      // Every rule change acknowledged left its audit event (written in the change's own transaction), and the rules
      // now are the last acknowledged ones (or a later one whose answer was lost: it may have committed all the same).
      const rulesWrites = outcomes.filter((o) => o.op === 'set-rules');
      const acknowledgedRules = rulesWrites.filter((o) => o.ok);
      const events = (await direct.query<{ request_id: string }>(`select request_id from audit_events where kind = 'policy' and action = 'person_rules_set' and user_id = $1`, [olivia])).rows.map((r) => r.request_id);
      expect(events).toEqual(expect.arrayContaining(acknowledgedRules.map((o) => o.reference)));
      const stored = (await direct.query<{ tools: Record<string, string> }>(`select tools from user_connector_rules where user_id = $1 and connector_slug = 'good'`, [olivia])).rows[0];
      const lastAcknowledged = rulesWrites.lastIndexOf(acknowledgedRules.at(-1)!);
      const candidates = rulesWrites.slice(lastAcknowledged).map((o) => o.wrote!);
      expect(candidates).toContain(Object.keys(stored!.tools)[0]);

      // Every tool call that returned successfully has its audit event, outage or not (they are written in the background).
      const succeeded = outcomes.filter((o) => o.op.startsWith('mcp-') && o.ok);
      expect(succeeded.every((o) => /^req_/.test(o.reference ?? ''))).toBe(true);
      const references = succeeded.map((o) => o.reference!);
      const missing = async () => {
        const stored = new Set((await direct.query<{ request_id: string }>(`select request_id from audit_events where kind = 'tool_call' and outcome = 'ok' and request_id = any($1)`, [references])).rows.map((r) => r.request_id));
        return references.filter((r) => !stored.has(r));
      };
      await expect.poll(missing, { timeout: 10_000, interval: 500 }).toEqual([]);
    } finally {
      await direct.end();
    }
  });

  it('an audit event recorded just before the outage is kept, and stored once the database is back, with the time of its call', async () => {
    const created = await createPostgresDatabase(process.env.DATABASE_URL!);
    const real = new URL(created.url);
    const own = await startTcpProxy({ host: real.hostname, port: Number(real.port || 5432) });
    const via = new URL(created.url);
    via.hostname = own.host;
    via.port = String(own.port);
    const database = await openDatabase({ kind: 'postgres', url: via.toString(), poolSize: 2 });
    const direct = new pg.Client({ connectionString: created.url });
    direct.on('error', () => {});
    await direct.connect();
    const stored = async () => (await direct.query<{ at: Date; outcome: string }>(`select at, outcome from audit_events where request_id = 'req_justbefore1'`)).rows;
    try {
      const audit = new AuditLog(database.db, createLogger('silent'));
      // The database goes away (the proxy resets its connections at once, synchronously) just as the call is
      // recorded, so the background write (200 ms later at the earliest) meets the outage however busy the box is.
      const outage = own.outage();
      const calledAt = Date.now();
      await audit.record({ userId: randomUUID(), orgId: undefined, connector: 'good', tool: 'echo', decision: 'allow', outcome: 'ok', latencyMs: 3, surface: 'mcp', requestId: 'req_justbefore1' });
      await outage;
      await audit.flush();
      expect(audit.pending).toBe(1);
      expect(await stored()).toEqual([]);
      await new Promise((r) => setTimeout(r, 1_500));
      await own.restore();
      const back = Date.now();
      await audit.flush();
      expect(audit.pending).toBe(0);
      const rows = await stored();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.outcome).toBe('ok');
      // Stored late, but dated when the call happened.
      expect(rows[0]!.at.getTime()).toBeLessThan(back - 1_000);
      expect(Math.abs(rows[0]!.at.getTime() - calledAt)).toBeLessThan(1_000);
    } finally {
      await direct.end();
      await database.close();
      await own.close();
      await created.drop();
    }
  });
});
