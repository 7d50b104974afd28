import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionService } from '../../src/connections/service.ts';
import type { ConnectorTarget } from '../../src/connections/types.ts';
import { Vault } from '../../src/connections/vault.ts';
import type { Database } from '../../src/db/database.ts';
import { AuditLog } from '../../src/gateway/audit.ts';
import { GatewayCore, ORIGIN_META, type Caller } from '../../src/gateway/core.ts';
import type { PolicyPort, ToolVerdict } from '../../src/gateway/policy-port.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { UpstreamPool } from '../../src/upstream/pool.ts';
import { testDatabase } from '../helpers/db.ts';
import { person, type Person } from '../helpers/fixtures.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

/**
 * The gateway core with real upstream MCP servers and a scripted policy: filtering, naming, refusals,
 * timeouts that isolate a bad connector, result caps and audit events.
 */
let database: Database;
let alpha: Awaited<ReturnType<typeof startTestUpstream>>;
let beta: Awaited<ReturnType<typeof startTestUpstream>>;
let core: GatewayCore;
let pool: UpstreamPool;
let audit: AuditLog;
let someone: Person;
const VAULT_KEY = randomBytes(32);
const verdicts = new Map<string, ToolVerdict>();
const policy: PolicyPort = {
  forPerson: async () => ({
    connectors: ['alpha', 'beta'],
    uiEnabled: () => true,
    decide: (connector, tool) => verdicts.get(`${connector}/${tool.name}`) ?? { decision: 'allow', reason: 'allowed' },
  }),
};

beforeAll(async () => {
  database = await testDatabase();
  alpha = await startTestUpstream('alpha');
  beta = await startTestUpstream('beta');
  const targets: Array<ConnectorTarget & { callTimeoutMs?: number }> = [
    { slug: 'alpha', name: 'Alpha', url: alpha.url, auth: 'none', callTimeoutMs: 500 },
    { slug: 'beta', name: 'Beta', url: beta.url, auth: 'none' },
  ];
  const resolveConnector = async (slug: string) => targets.find((t) => t.slug === slug);
  const log = createLogger('silent');
  const connections = new ConnectionService({ db: database.db, vault: await Vault.open(database.db, VAULT_KEY), publicUrl: 'http://127.0.0.1:3999', resolveConnector, log });
  pool = new UpstreamPool();
  audit = new AuditLog(database.db, log);
  core = new GatewayCore({ connections, resolveConnector, policy, pool, audit, log, connectUrl: (slug) => `http://127.0.0.1:3999/connect/${slug}` });
  someone = await person(database.db, 'core@acme.test');
  for (const slug of ['alpha', 'beta']) await connections.connectWithHeaders(someone.user.id, slug, {});
});
afterAll(async () => {
  await pool.close();
  await alpha.close();
  await beta.close();
  await database.close();
});

const caller = (): Caller => ({ userId: someone.user.id, orgId: undefined, surface: 'mcp', requestId: 'req_test' });
const text = (r: { content?: Array<{ type: string; text?: string }> }) => (r.content ?? []).map((c) => c.text ?? '').join('');

describe('gateway core', () => {
  it('lists every tool of the usable connectors, namespaced, with its origin, in a stable order', async () => {
    const { tools, problems } = await core.listTools(caller());
    expect(problems).toEqual([]);
    expect(tools.map((t) => t.name)).toEqual(['alpha__echo', 'alpha__erase_everything', 'alpha__hang', 'alpha__huge', 'alpha__progress_then_hang', 'beta__echo', 'beta__erase_everything', 'beta__hang', 'beta__huge', 'beta__progress_then_hang']);
    expect(tools[0]!.tool._meta?.[ORIGIN_META]).toEqual({ connector: 'alpha', tool: 'echo' });
    expect(tools[0]!.tool.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('hides a blocked tool and refuses to call it', async () => {
    verdicts.set('beta/erase_everything', { decision: 'block', reason: "Acme's owners block write actions in Beta." });
    const { tools } = await core.listTools(caller());
    expect(tools.map((t) => t.name)).not.toContain('beta__erase_everything');
    await expect(core.callTool(caller(), 'beta__erase_everything', {})).rejects.toMatchObject({ code: 'unknown_tool' });
    expect(beta.calls.erase_everything).toBeUndefined();
    verdicts.clear();
  });

  it('does not run an "ask" tool without approval, and says why', async () => {
    verdicts.set('alpha/erase_everything', { decision: 'ask', reason: 'Your organization asks for approval before write actions.' });
    const result = await core.callTool(caller(), 'alpha__erase_everything', {});
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/needs approval before it runs\. Your organization asks for approval/);
    expect(alpha.calls.erase_everything).toBeUndefined();
    expect(text(await core.callTool(caller(), 'alpha__erase_everything', {}, { approved: true }))).toBe('erased');
    verdicts.clear();
  });

  it('cuts a hanging upstream at its timeout while another connector answers at once', async () => {
    const hanging = core.callTool(caller(), 'alpha__hang', {});
    const quick = await core.callTool(caller(), 'beta__echo', { text: 'hi' });
    expect(text(quick)).toBe('beta: hi');
    const cut = await hanging;
    expect(cut.isError).toBe(true);
    expect(text(cut)).toMatch(/^Couldn't reach the MCP server: Alpha did not finish hang within 1 s/);
    // And the connector still works afterwards.
    expect(text(await core.callTool(caller(), 'alpha__echo', { text: 'again' }))).toBe('alpha: again');
  });

  it('caps a huge result at 150,000 characters with a visible notice', async () => {
    const result = await core.callTool(caller(), 'alpha__huge', {});
    const all = text(result);
    expect(all.startsWith('x'.repeat(150_000))).toBe(true);
    expect(all).toMatch(/Switchboard truncated this result: it had 200,000 characters of text; the first 150,000 are shown/);
  });

  it('records an audit event for every call, with the decision and outcome', async () => {
    // Written in the background, in batches: the calls above did not wait for them.
    await audit.flush();
    const rows = await database.db.selectFrom('audit_events').selectAll().where('user_id', '=', someone.user.id).where('kind', '=', 'tool_call').orderBy('id').execute();
    expect(rows.map((r) => [r.connector_slug, r.tool, r.decision, r.outcome])).toEqual(
      expect.arrayContaining([
        ['alpha', 'erase_everything', 'ask', 'refused'],
        ['alpha', 'erase_everything', 'ask', 'ok'],
        ['alpha', 'hang', 'allow', 'error'],
        ['beta', 'echo', 'allow', 'ok'],
      ]),
    );
    expect(rows.every((r) => r.surface === 'mcp' && r.request_id === 'req_test' && (r.latency_ms ?? -1) >= 0)).toBe(true);
  });

  it('keeps serving the last good tool list of a connector that went down, marked stale, without failing the others', async () => {
    const flaky = await startTestUpstream('flaky');
    const targets: Array<ConnectorTarget & { callTimeoutMs?: number }> = [
      { slug: 'beta', name: 'Beta', url: beta.url, auth: 'none' },
      { slug: 'flaky', name: 'Flaky', url: flaky.url, auth: 'none' },
    ];
    const resolveConnector = async (slug: string) => targets.find((t) => t.slug === slug);
    const log = createLogger('silent');
    // Lists are asked for again on every use here, so the outage is seen at once.
    const shortPool = new UpstreamPool({ toolsTtlMs: 0, connectTimeoutMs: 1_000 });
    const connections = new ConnectionService({ db: database.db, vault: await Vault.open(database.db, VAULT_KEY), publicUrl: 'http://127.0.0.1:3999', resolveConnector, log });
    const twoPolicy: PolicyPort = { forPerson: async () => ({ connectors: ['beta', 'flaky'], uiEnabled: () => true, decide: () => ({ decision: 'allow', reason: 'allowed' }) }) };
    const local = new GatewayCore({ connections, resolveConnector, policy: twoPolicy, pool: shortPool, audit, log, connectUrl: (slug) => `http://127.0.0.1:3999/connect/${slug}` });
    try {
      const before = await local.listTools(caller());
      expect(before.tools.filter((t) => t.connector === 'flaky').every((t) => !t.stale)).toBe(true);
      await flaky.close();
      const after = await local.listTools(caller());
      expect(after.problems).toEqual([]);
      const flakyTools = after.tools.filter((t) => t.connector === 'flaky');
      expect(flakyTools.map((t) => t.name)).toEqual(before.tools.filter((t) => t.connector === 'flaky').map((t) => t.name));
      expect(flakyTools.every((t) => t.stale)).toBe(true);
      expect(after.tools.filter((t) => t.connector === 'beta').every((t) => !t.stale)).toBe(true);
      // Calling into the dead one says so plainly; the other still answers.
      expect(text(await local.callTool(caller(), 'flaky__echo', { text: 'x' }))).toMatch(/^Couldn't reach the MCP server: Flaky .* \(reference req_test\)$/);
      expect(text(await local.callTool(caller(), 'beta__echo', { text: 'ok' }))).toBe('beta: ok');
    } finally {
      await shortPool.close();
    }
  });

  it('ends an upstream failure with its reference, and logs a warning carrying that reference', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const targets: Array<ConnectorTarget & { callTimeoutMs?: number }> = [{ slug: 'alpha', name: 'Alpha', url: alpha.url, auth: 'none', callTimeoutMs: 300 }];
    const resolveConnector = async (slug: string) => targets.find((t) => t.slug === slug);
    const connections = new ConnectionService({ db: database.db, vault: await Vault.open(database.db, VAULT_KEY), publicUrl: 'http://127.0.0.1:3999', resolveConnector, log });
    const onePolicy: PolicyPort = { forPerson: async () => ({ connectors: ['alpha'], uiEnabled: () => true, decide: () => ({ decision: 'allow', reason: 'allowed' }) }) };
    const localPool = new UpstreamPool();
    const local = new GatewayCore({ connections, resolveConnector, policy: onePolicy, pool: localPool, audit, log, connectUrl: (slug) => `http://127.0.0.1:3999/connect/${slug}` });
    try {
      const who: Caller = { ...caller(), requestId: 'req_abc123def456' };
      const cut = await local.callTool(who, 'alpha__hang', {});
      expect(text(cut)).toMatch(/^Couldn't reach the MCP server: Alpha did not finish hang within 0 s\. .* \(reference req_abc123def456\)$/);
      const logged = lines.find((l) => l['reqId'] === 'req_abc123def456');
      expect(logged).toMatchObject({ level: 'warn', connector: 'alpha', tool: 'hang', code: 'upstream_unreachable', msg: 'upstream call failed' });

      // The other class: the connector refused the person's credentials even after a refresh.
      const refused = local.upstreamFailed({ ...who, requestId: 'req_0000auth0000' }, targets[0]!, 'echo', Object.assign(new Error('HTTP 401'), { status: 401 }));
      expect(refused).toBe('Authorization with the MCP server failed: Alpha refused your credentials even after renewing them. Reconnect at http://127.0.0.1:3999/connect/alpha and try again. (reference req_0000auth0000)');
      expect(lines.find((l) => l['reqId'] === 'req_0000auth0000')).toMatchObject({ level: 'warn', code: 'upstream_auth_failed', msg: 'authorization with the upstream failed' });

      // A transport failure that is not already one of the two classes is put in "Couldn't reach".
      expect(local.explain(targets[0]!, new TypeError('fetch failed'), 'req_x')).toBe("Couldn't reach the MCP server: Alpha failed (fetch failed). Try again; if it keeps failing, run the connection diagnostic or ask your administrator. (reference req_x)");
    } finally {
      await localPool.close();
    }
  });
});
