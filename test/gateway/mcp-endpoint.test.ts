import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, startDemoService, type DemoServiceHandle } from '../../demo/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { disableConnector, enableConnector, setOrgRules, setPersonRules } from '../../src/policy/store.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { processStorage } from '../helpers/db.ts';
import { authorizeAtDemo } from '../helpers/demo-browser.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

/**
 * The real /mcp endpoint of a running Switchboard, with real SDK v2 clients in both eras, the demo
 * tracker (OAuth, per-person data) and a no-auth test connector, under real org policy.
 */
let storage: Awaited<ReturnType<typeof processStorage>>;
let server: RunningServer;
let tracker: DemoServiceHandle;
let beta: Awaited<ReturnType<typeof startTestUpstream>>;
let keyed: Awaited<ReturnType<typeof startTestUpstream>>;
let currentKey = 'key-1';
const OLIVIA = 'sbp_test_olivia_gateway_1';
const MAX = 'sbp_test_max_gateway_1';

async function mcpClient(token: string, mode: 'auto' | 'legacy', options: { elicit?: (message: string) => boolean } = {}): Promise<Client> {
  const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: { mode }, capabilities: options.elicit ? { elicitation: { form: {} } } : {} });
  if (options.elicit) {
    const decide = options.elicit;
    client.setRequestHandler('elicitation/create', async (request) => {
      const message = (request.params as { message: string }).message;
      return decide(message) ? { action: 'accept', content: { approve: true } } : { action: 'decline' };
    });
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

/** Tool calls the /mcp front relayed straight to their connector (relay-front.ts), by client era. */
async function relayed(era: 'modern' | 'legacy'): Promise<number> {
  const metric = await server.services.metrics.mcpRelayed.get();
  return metric.values.find((v) => v.labels.era === era)?.value ?? 0;
}

const text = (r: unknown) => ((r as { content?: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('');

beforeAll(async () => {
  storage = await processStorage('sb-gateway-');
  tracker = await startDemoService('tracker', { port: 0, onError: () => {} });
  beta = await startTestUpstream('beta', { asks: true });
  keyed = await startTestUpstream('keyed', { apiKey: () => currentKey });
  const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
  writeFileSync(
    file,
    `organizations:\n  - slug: acme\n    name: Acme\n    plan: team\n    members:\n      - { email: olivia@acme.test, role: owner, tokens: [${OLIVIA}] }\n      - { email: max@acme.test, role: member, tokens: [${MAX}] }\n`,
  );
  server = await startServer(loadConfig({ env: { ...storage.env, PORT: '0', SWITCHBOARD_DEMO: 'off', LOG_LEVEL: 'silent', SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' }, configFile: file }), { logger: createLogger('silent') });
  const db = server.services.database.db;
  await upsertListing(db, { slug: 'demo-tracker', name: 'Demo Tracker', tagline: 'Issues', description: 'The demo tracker.', category: 'productivity', mcpUrl: tracker.url, authKind: 'oauth', source: 'demo', origin: 'demo:tracker' });
  await upsertListing(db, { slug: 'beta', name: 'Beta', tagline: 'Echo', description: 'A test connector.', category: 'other', mcpUrl: beta.url, authKind: 'none', source: 'import', origin: 'test:beta' });
  await upsertListing(db, { slug: 'gamma', name: 'Gamma', tagline: 'Not enabled', description: 'Never enabled.', category: 'other', mcpUrl: beta.url, authKind: 'none', source: 'import', origin: 'test:gamma' });
  for (const slug of ['demo-tracker', 'beta']) await enableConnector(db, OPERATOR, 'acme', slug, server.services.policyChanges);
  // Olivia connects the tracker as alice, Max as bob: each with their own account there.
  const users = await db.selectFrom('users').select(['id', 'email']).execute();
  for (const [email, demoPerson] of [['olivia@acme.test', DEMO_PEOPLE[0]!], ['max@acme.test', DEMO_PEOPLE[1]!]] as const) {
    const userId = users.find((u) => u.email === email)!.id;
    const { authorizationUrl } = await server.services.connections.startOAuth(userId, 'demo-tracker');
    const callback = await authorizeAtDemo(authorizationUrl, demoPerson, { callbackPrefix: server.url });
    await server.services.connections.finishOAuth(callback.searchParams);
  }
});
afterAll(async () => {
  await server?.close();
  await tracker?.close();
  await beta?.close();
  await keyed?.close();
  await storage?.drop();
});

describe('POST /mcp', () => {
  it('answers 401 with the OAuth discovery challenge without a valid token', async () => {
    const res = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`);
  });

  for (const mode of ['auto', 'legacy'] as const) {
    it(`serves exactly the tools of enabled and connected connectors, each person with their own data (${mode === 'auto' ? '2026-07-28' : '2025-11-25'})`, async () => {
      const olivia = await mcpClient(OLIVIA, mode);
      const max = await mcpClient(MAX, mode);
      const era = mode === 'auto' ? 'modern' : 'legacy';
      const relayedBefore = await relayed(era);
      try {
        expect(olivia.getNegotiatedProtocolVersion()).toBe(mode === 'auto' ? '2026-07-28' : '2025-11-25');
        const names = (await olivia.listTools()).tools.map((t) => t.name);
        expect(names).toContain('demo-tracker__list_projects');
        expect(names).toContain('beta__echo');
        expect(names.some((n) => n.startsWith('gamma__'))).toBe(false);
        const tool = (await olivia.listTools()).tools.find((t) => t.name === 'demo-tracker__get_issue')!;
        expect(tool._meta?.['io.switchboard/origin']).toEqual({ connector: 'demo-tracker', tool: 'get_issue' });
        expect(text(await olivia.callTool({ name: 'demo-tracker__list_projects', arguments: {} }))).toContain('Payroll');
        expect(text(await max.callTool({ name: 'demo-tracker__list_projects', arguments: {} }))).not.toContain('Payroll');
        const hidden = await max.callTool({ name: 'demo-tracker__get_issue', arguments: { key: 'PAY-1' } });
        expect(hidden.isError).toBe(true);
        expect(text(await olivia.callTool({ name: 'beta__echo', arguments: { text: 'hi' } }))).toBe('beta: hi');
        // Every one of these calls went the relay's way (both connectors speak 2026-07-28), each person's own
        // credentials signing their own: the per-person answers above prove it.
        expect((await relayed(era)) - relayedBefore).toBe(4);
      } finally {
        await olivia.close();
        await max.close();
      }
    });
  }

  it('an org block hides the tool and refuses it; a member can narrow but never widen', async () => {
    const db = server.services.database.db;
    await setOrgRules(db, OPERATOR, 'acme', 'demo-tracker', { categories: { write: 'block' } }, server.services.policyChanges);
    const max = await mcpClient(MAX, 'auto');
    try {
      const names = (await max.listTools()).tools.map((t) => t.name);
      expect(names).not.toContain('demo-tracker__create_issue');
      expect(names).toContain('demo-tracker__list_projects');
      // Called by name anyway: refused with the policy's own reason, as its absence from the list means.
      const refused = await max.callTool({ name: 'demo-tracker__create_issue', arguments: { project: 'WEB', title: 'x' } });
      expect(refused.isError).toBe(true);
      expect((refused.content as Array<{ text: string }>)[0]!.text).toMatch(/owners block write and delete actions in Demo Tracker/);
      // A name Switchboard never issued is still an unknown tool.
      await expect(max.callTool({ name: 'no-such-connector-tool', arguments: {} })).rejects.toThrow(/No tool named "no-such-connector-tool"/);
      const maxId = (await db.selectFrom('users').select('id').where('email', '=', 'max@acme.test').executeTakeFirstOrThrow()).id;
      // Widening is not possible: allowing writes for himself changes nothing.
      await setPersonRules(db, maxId, 'demo-tracker', { categories: { write: 'allow', read: 'block' } }, server.services.policyChanges);
      const after = (await max.listTools()).tools.map((t) => t.name);
      expect(after.filter((n) => n.startsWith('demo-tracker__'))).toEqual([]);
      await setPersonRules(db, maxId, 'demo-tracker', { categories: {} }, server.services.policyChanges);
    } finally {
      await max.close();
      await setOrgRules(db, OPERATOR, 'acme', 'demo-tracker', {}, server.services.policyChanges);
    }
  });

  // 2025-11-25 elicitation needs a session that remembers the client's capabilities; the endpoint serves
  // that era statelessly for now, so a 2025 client gets the refusal of the next test (docs/gateway.md).
  for (const mode of ['auto'] as const) {
    it('"ask" tools run only after the person confirms (2026-07-28 input-required round trip)', async () => {
      const db = server.services.database.db;
      await setOrgRules(db, OPERATOR, 'acme', 'beta', { tools: { echo: 'ask' } }, server.services.policyChanges);
      const asked: string[] = [];
      let answer = true;
      const olivia = await mcpClient(OLIVIA, mode, { elicit: (m) => (asked.push(m), answer) });
      const before = beta.calls.echo ?? 0;
      try {
        expect(text(await olivia.callTool({ name: 'beta__echo', arguments: { text: 'approved' } }))).toBe('beta: approved');
        expect(asked.at(-1)).toMatch(/Allow beta to run "Echo"\?/);
        answer = false;
        const declined = await olivia.callTool({ name: 'beta__echo', arguments: { text: 'declined' } });
        expect(declined.isError).toBe(true);
        expect(text(declined)).toMatch(/did not approve/);
        expect(beta.calls.echo).toBe(before + 1);
      } finally {
        await olivia.close();
        await setOrgRules(db, OPERATOR, 'acme', 'beta', {}, server.services.policyChanges);
      }
    });
  }

  it('"ask" works by elicitation over a 2025-11-25 session: runs when accepted, not when declined', async () => {
    const db = server.services.database.db;
    await setOrgRules(db, OPERATOR, 'acme', 'beta', { tools: { echo: 'ask' } }, server.services.policyChanges);
    const asked: string[] = [];
    let answer = true;
    const legacy = await mcpClient(OLIVIA, 'legacy', { elicit: (message) => (asked.push(message), answer) });
    try {
      const before = beta.calls['echo'] ?? 0;
      expect(text(await legacy.callTool({ name: 'beta__echo', arguments: { text: 'yes' } }))).toBe('beta: yes');
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatch(/Allow beta to run "Echo"\?/);
      answer = false;
      const declined = await legacy.callTool({ name: 'beta__echo', arguments: { text: 'no' } });
      expect(declined.isError).toBe(true);
      expect(text(declined)).toMatch(/You did not approve "echo" \(beta\); it did not run/);
      expect(asked).toHaveLength(2);
      expect(beta.calls['echo']).toBe(before + 1);
    } finally {
      await legacy.close();
      await setOrgRules(db, OPERATOR, 'acme', 'beta', {}, server.services.policyChanges);
    }
  });

  it("a connector's own question reaches a 2025 client through its session: the relay hands the call over", async () => {
    const asked: string[] = [];
    const client = await mcpClient(OLIVIA, 'legacy', { elicit: (message) => (asked.push(message), true) });
    const before = { relayed: await relayed('legacy'), upstream: beta.calls['confirm_first'] ?? 0 };
    try {
      const result = await client.callTool({ name: 'beta__confirm_first', arguments: {} });
      expect(text(result)).toBe('beta confirmed: accept');
      expect(asked).toEqual(['beta asks: go ahead?']);
      // The relayed first round got input_required back; the session's SDK path ran the call from the start
      // (its first round, then the answered one), so the connector saw three rounds and nothing was relayed.
      expect((beta.calls['confirm_first'] ?? 0) - before.upstream).toBe(3);
      expect(await relayed('legacy')).toBe(before.relayed);
    } finally {
      await client.close();
    }
  });

  it("a connector's own question reaches a 2026 client as input_required, with the connector's state sealed in ours", async () => {
    const asked: string[] = [];
    const client = await mcpClient(OLIVIA, 'auto', { elicit: (message) => (asked.push(message), true) });
    const before = await relayed('modern');
    try {
      const result = await client.callTool({ name: 'beta__confirm_first', arguments: {} });
      expect(text(result)).toBe('beta confirmed: accept');
      expect(asked).toEqual(['beta asks: go ahead?']);
      // The first round is relayed; the answered round carries input responses and takes the SDK path.
      expect((await relayed('modern')) - before).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('without elicitation support, an "ask" tool is refused with where to approve (both eras)', async () => {
    const db = server.services.database.db;
    await setOrgRules(db, OPERATOR, 'acme', 'beta', { tools: { echo: 'ask' } }, server.services.policyChanges);
    try {
      for (const mode of ['legacy', 'auto'] as const) {
        const client = await mcpClient(OLIVIA, mode);
        try {
          const refused = await client.callTool({ name: 'beta__echo', arguments: { text: 'x' } });
          expect(refused.isError).toBe(true);
          expect(text(refused)).toMatch(/needs approval before it runs.*approve it from the Switchboard chat/s);
        } finally {
          await client.close();
        }
      }
    } finally {
      await setOrgRules(db, OPERATOR, 'acme', 'beta', {}, server.services.policyChanges);
    }
  });

  it('tells connected clients to list again when policy or a connection changes (2025 session and 2026 listen stream)', async () => {
    const db = server.services.database.db;
    const heard = { legacy: 0, modern: 0 };
    const watcher = async (mode: 'legacy' | 'auto', key: 'legacy' | 'modern') => {
      const client = new Client(
        { name: 'watcher', version: '1' },
        { versionNegotiation: { mode }, listChanged: { tools: { autoRefresh: false, debounceMs: 0, onChanged: () => void heard[key]++ } } },
      );
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${MAX}` } } }));
      return client;
    };
    const legacy = await watcher('legacy', 'legacy');
    const modern = await watcher('auto', 'modern');
    try {
      await new Promise((r) => setTimeout(r, 300));
      await setOrgRules(db, OPERATOR, 'acme', 'beta', { tools: { echo: 'block' } }, server.services.policyChanges);
      await expect.poll(() => heard.legacy, { timeout: 5000 }).toBeGreaterThan(0);
      await expect.poll(() => heard.modern, { timeout: 5000 }).toBeGreaterThan(0);
      const before = { ...heard };
      // Max disconnects the tracker: his own clients hear of it.
      await server.services.connections.disconnect((await db.selectFrom('users').select('id').where('email', '=', 'max@acme.test').executeTakeFirstOrThrow()).id, 'demo-tracker');
      await expect.poll(() => heard.legacy, { timeout: 5000 }).toBeGreaterThan(before.legacy);
      await expect.poll(() => heard.modern, { timeout: 5000 }).toBeGreaterThan(before.modern);
      expect((await legacy.listTools()).tools.map((t) => t.name).filter((n) => n.startsWith('demo-tracker__'))).toEqual([]);
    } finally {
      await legacy.close();
      await modern.close();
      await setOrgRules(db, OPERATOR, 'acme', 'beta', {}, server.services.policyChanges);
    }
  });

  it('a connector that answers 401 mid-call gives an error with the link to reconnect', async () => {
    const db = server.services.database.db;
    await upsertListing(db, { slug: 'keyed', name: 'Keyed', tagline: 'API key', description: 'Takes an API key.', category: 'other', mcpUrl: keyed.url, authKind: 'headers', authHeaders: ['x-api-key'], source: 'import', origin: 'test:keyed' });
    await enableConnector(db, OPERATOR, 'acme', 'keyed', server.services.policyChanges);
    const olivia = (await db.selectFrom('users').select('id').where('email', '=', 'olivia@acme.test').executeTakeFirstOrThrow()).id;
    await server.services.connections.connectWithHeaders(olivia, 'keyed', { 'x-api-key': 'key-1' });
    const client = await mcpClient(OLIVIA, 'auto');
    try {
      expect(text(await client.callTool({ name: 'keyed__echo', arguments: { text: 'hi' } }))).toBe('keyed: hi');
      currentKey = 'key-2';
      const refused = await client.callTool({ name: 'keyed__echo', arguments: { text: 'again' } });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toContain(`${server.url}/api/v1/connections/keyed/authorize`);
      expect(text(refused)).toMatch(/Authorization with the MCP server failed: Keyed/);
    } finally {
      await client.close();
      currentKey = 'key-1';
    }
  });

  it('cuts a hanging connector at its own timeout while another connector answers at once', async () => {
    const db = server.services.database.db;
    // The same test server under a second listing whose calls may take 1 s at most.
    await upsertListing(db, { slug: 'sleepy', name: 'Sleepy', tagline: 'Hangs', description: 'Never answers its hang tool.', category: 'other', mcpUrl: beta.url, authKind: 'none', source: 'import', origin: 'test:sleepy', callTimeoutSeconds: 1 });
    await enableConnector(db, OPERATOR, 'acme', 'sleepy', server.services.policyChanges);
    const client = await mcpClient(OLIVIA, 'auto');
    try {
      const started = performance.now();
      const hanging = client.callTool({ name: 'sleepy__hang', arguments: {} }).then((r) => ({ r, at: performance.now() - started }));
      await new Promise((r) => setTimeout(r, 50));
      const quick = await client.callTool({ name: 'beta__echo', arguments: { text: 'still here' } });
      const quickAt = performance.now() - started;
      expect(text(quick)).toBe('beta: still here');
      const slow = await hanging;
      expect(slow.r.isError).toBe(true);
      expect(text(slow.r)).toMatch(/Couldn't reach the MCP server: Sleepy did not finish hang within 1 s/);
      // Ordering, not timing thresholds: the echo came back before the hang was cut.
      expect(quickAt).toBeLessThan(slow.at);
    } finally {
      await client.close();
    }
  });

  it('reaches no connector outside the egress allow-list: a server on 127.0.0.2 is never contacted, for tools or for OAuth', async () => {
    const db = server.services.database.db;
    // Reachable on this machine (all of 127.0.0.0/8 is loopback), but this server allows only 127.0.0.1/32.
    const sneaky = await startTestUpstream('sneaky', { host: '127.0.0.2' });
    try {
      await upsertListing(db, { slug: 'sneaky', name: 'Sneaky', tagline: 'Internal', description: 'On another loopback address.', category: 'other', mcpUrl: sneaky.url, authKind: 'none', source: 'import', origin: 'test:sneaky' });
      await upsertListing(db, { slug: 'sneaky-oauth', name: 'Sneaky OAuth', tagline: 'Internal', description: 'On another loopback address.', category: 'other', mcpUrl: sneaky.url, authKind: 'oauth', source: 'import', origin: 'test:sneaky-oauth' });
      for (const slug of ['sneaky', 'sneaky-oauth']) await enableConnector(db, OPERATOR, 'acme', slug, server.services.policyChanges);
      const client = await mcpClient(OLIVIA, 'auto');
      try {
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names.some((n) => n.startsWith('sneaky'))).toBe(false);
        expect(names).toContain('beta__echo');
      } finally {
        await client.close();
      }
      const olivia = (await db.selectFrom('users').select('id').where('email', '=', 'olivia@acme.test').executeTakeFirstOrThrow()).id;
      await expect(server.services.connections.startOAuth(olivia, 'sneaky-oauth')).rejects.toMatchObject({ code: 'egress_refused', message: expect.stringContaining('127.0.0.2 (loopback)') });
      expect(sneaky.requests()).toBe(0);
    } finally {
      for (const slug of ['sneaky', 'sneaky-oauth']) await disableConnector(db, OPERATOR, 'acme', slug, server.services.policyChanges);
      await sneaky.close();
    }
  });

  it("an organization's egress allow-list opens its own custom connectors, nothing else, and closes again at once", async () => {
    const db = server.services.database.db;
    const inside = await startTestUpstream('inside', { host: '127.0.0.2' });
    const api = (token: string, path: string, method: string, body?: unknown) =>
      fetch(`${server.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    let slug = '';
    try {
      expect((await api(MAX, '/orgs/acme/egress', 'PUT', { allow: ['127.0.0.2/32'] })).status).toBe(403);
      expect((await api(OLIVIA, '/orgs/acme/egress', 'PUT', { allow: ['127.0.0.2/24'] })).status).toBe(400);
      // Before the range is open, adding it is refused by the guard.
      expect((await api(OLIVIA, '/connectors', 'POST', { org: 'acme', url: inside.url })).status).toBe(403);
      expect(await (await api(OLIVIA, '/orgs/acme/egress', 'PUT', { allow: ['127.0.0.2/32'] })).json()).toEqual({ allow: ['127.0.0.2/32'], changed: true });
      const added = await api(OLIVIA, '/connectors', 'POST', { org: 'acme', url: inside.url, name: 'Inside' });
      expect(added.status).toBe(201);
      slug = ((await added.json()) as { connector: { slug: string } }).connector.slug;
      // A directory listing at the same address is not opened by the organization's list.
      await upsertListing(db, { slug: 'inside-dir', name: 'Inside dir', tagline: 'Directory', description: 'A directory listing on an internal address.', category: 'other', mcpUrl: inside.url, authKind: 'none', source: 'import', origin: 'test:inside-dir' });
      await enableConnector(db, OPERATOR, 'acme', 'inside-dir', server.services.policyChanges);
      for (const mode of ['auto', 'legacy'] as const) {
        const client = await mcpClient(MAX, mode);
        try {
          const names = (await client.listTools()).tools.map((t) => t.name);
          expect(names).toContain(`${slug}__echo`);
          expect(names.some((n) => n.startsWith('inside-dir__'))).toBe(false);
          expect(text(await client.callTool({ name: `${slug}__echo`, arguments: { text: mode } }))).toBe(`inside: ${mode}`);
        } finally {
          await client.close();
        }
      }
      // Closed again: the next call is refused by the guard, though the tool list is still remembered.
      const calls = inside.calls['echo'] ?? 0;
      expect((await api(OLIVIA, '/orgs/acme/egress', 'PUT', { allow: [] })).status).toBe(200);
      const client = await mcpClient(MAX, 'auto');
      try {
        const result = await client.callTool({ name: `${slug}__echo`, arguments: { text: 'late' } });
        expect(result.isError).toBe(true);
        expect(text(result)).toMatch(/does not connect to 127\.0\.0\.2 \(loopback\)/);
      } finally {
        await client.close();
      }
      expect(inside.calls['echo'] ?? 0).toBe(calls);
    } finally {
      await api(OLIVIA, '/orgs/acme/egress', 'PUT', { allow: [] });
      if (slug) await api(OLIVIA, `/connectors/${slug}`, 'DELETE');
      await disableConnector(db, OPERATOR, 'acme', 'inside-dir', server.services.policyChanges);
      await inside.close();
    }
  });

  it('pages tools/list 100 at a time with cursors, in a stable order, and refuses a cursor it did not issue', async () => {
    const db = server.services.database.db;
    const many = await startTestUpstream('many', { extraTools: 150 });
    try {
      await upsertListing(db, { slug: 'many', name: 'Many', tagline: 'Lots of tools', description: 'Offers 155 tools.', category: 'other', mcpUrl: many.url, authKind: 'none', source: 'import', origin: 'test:many' });
      await enableConnector(db, OPERATOR, 'acme', 'many', server.services.policyChanges);
      // Plain JSON-RPC over HTTP (2025, no session): one page per request, exactly as a client sees it.
      const page = async (cursor?: string) => {
        const res = await fetch(`${server.url}/mcp`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MAX}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: cursor ? { cursor } : {} }),
        });
        const body = await res.text();
        const json = body.startsWith('{') ? body : body.split('\n').find((l) => l.startsWith('data: '))!.slice(6);
        return JSON.parse(json) as { result?: { tools: Array<{ name: string }>; nextCursor?: string }; error?: { code: number; message: string } };
      };
      const names: string[] = [];
      const first = await page();
      expect(first.result!.tools).toHaveLength(100);
      names.push(...first.result!.tools.map((t) => t.name));
      let cursor = first.result!.nextCursor;
      let pages = 1;
      while (cursor) {
        const next = await page(cursor);
        names.push(...next.result!.tools.map((t) => t.name));
        cursor = next.result!.nextCursor;
        pages++;
      }
      expect(pages).toBe(2);
      expect(new Set(names).size).toBe(names.length);
      const manyNames = names.filter((n) => n.startsWith('many__'));
      expect(manyNames).toHaveLength(155);
      expect(manyNames).toEqual([...manyNames].sort());
      expect(await page()).toEqual(first);
      const bogus = await page('bm90LW91cnM');
      expect(bogus.error?.code).toBe(-32602);
      expect(bogus.error?.message).toMatch(/cursor/);
    } finally {
      await disableConnector(db, OPERATOR, 'acme', 'many', server.services.policyChanges);
      await many.close();
    }
  });

  it("renames a connector's ui:// resources and the tool metadata that points at them, so MCP Apps hosts find them", async () => {
    const db = server.services.database.db;
    const widget = await startTestUpstream('widget', { widget: true });
    try {
      await upsertListing(db, { slug: 'widgets', name: 'Widgets', tagline: 'UI', description: 'An interactive connector.', category: 'other', mcpUrl: widget.url, authKind: 'none', source: 'import', origin: 'test:widgets', interactive: true });
      await enableConnector(db, OPERATOR, 'acme', 'widgets', server.services.policyChanges);
      for (const mode of ['auto', 'legacy'] as const) {
        const client = await mcpClient(OLIVIA, mode);
        try {
          const tool = (await client.listTools()).tools.find((t) => t.name === 'widgets__show_widget')!;
          expect(tool._meta).toMatchObject({ ui: { resourceUri: 'ui://widgets/widget/index.html' }, 'io.switchboard/origin': { connector: 'widgets', tool: 'show_widget' } });
          const resources = (await client.listResources()).resources;
          expect(resources.map((r) => r.uri)).toContain('ui://widgets/widget/index.html');
          const read = await client.readResource({ uri: 'ui://widgets/widget/index.html' });
          expect(read.contents).toEqual([expect.objectContaining({ uri: 'ui://widgets/widget/index.html', text: '<p>widget</p>', mimeType: 'text/html;profile=mcp-app' })]);
          await expect(client.readResource({ uri: 'ui://not-enabled/widget/index.html' })).rejects.toThrow(/Resource not found/);
        } finally {
          await client.close();
        }
      }
    } finally {
      await widget.close();
    }
  });

  it("an owner switches a connector's interactive UI off without switching it off: text results stay, ui:// resources go, at once", async () => {
    const db = server.services.database.db;
    const widget = await startTestUpstream('widget', { widget: true });
    const ui = (token: string, enabled?: boolean) =>
      fetch(`${server.url}/api/v1/orgs/acme/connectors/gadgets/ui`, {
        method: enabled === undefined ? 'GET' : 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(enabled === undefined ? {} : { body: JSON.stringify({ enabled }) }),
      });
    try {
      await upsertListing(db, { slug: 'gadgets', name: 'Gadgets', tagline: 'UI', description: 'An interactive connector.', category: 'other', mcpUrl: widget.url, authKind: 'none', source: 'import', origin: 'test:gadgets', interactive: true });
      await enableConnector(db, OPERATOR, 'acme', 'gadgets', server.services.policyChanges);
      expect(await (await ui(MAX)).json()).toMatchObject({ ui: { connector: 'gadgets', enabled: true } });
      // A member may read the setting but not change it.
      expect((await ui(MAX, false)).status).toBe(403);
      const off = await ui(OLIVIA, false);
      expect(off.status).toBe(200);
      expect(await off.json()).toMatchObject({ ui: { enabled: false }, changed: true });
      // The change is in the organization's audit log, with the request's reference.
      const event = await db.selectFrom('audit_events').select(['kind', 'action', 'subject', 'details', 'request_id']).where('action', '=', 'interactive_ui_set').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(event).toMatchObject({ kind: 'policy', subject: 'gadgets', details: { enabled: false }, request_id: off.headers.get('x-request-id') });
      for (const mode of ['auto', 'legacy'] as const) {
        const client = await mcpClient(MAX, mode);
        try {
          const tool = (await client.listTools()).tools.find((t) => t.name === 'gadgets__show_widget')!;
          expect(tool._meta?.['ui']).toBeUndefined();
          expect(tool._meta?.['io.switchboard/origin']).toEqual({ connector: 'gadgets', tool: 'show_widget' });
          expect(text(await client.callTool({ name: 'gadgets__show_widget', arguments: {} }))).toBe('shown');
          expect((await client.listResources()).resources.map((r) => r.uri)).not.toContain('ui://gadgets/widget/index.html');
          await expect(client.readResource({ uri: 'ui://gadgets/widget/index.html' })).rejects.toThrow(/Resource not found/);
        } finally {
          await client.close();
        }
      }
      // Back on: the pointer and the resource return.
      expect(await (await ui(OLIVIA, true)).json()).toMatchObject({ ui: { enabled: true }, changed: true });
      const client = await mcpClient(MAX, 'auto');
      try {
        const tool = (await client.listTools()).tools.find((t) => t.name === 'gadgets__show_widget')!;
        expect(tool._meta).toMatchObject({ ui: { resourceUri: 'ui://gadgets/widget/index.html' } });
        expect((await client.readResource({ uri: 'ui://gadgets/widget/index.html' })).contents).toHaveLength(1);
      } finally {
        await client.close();
      }
    } finally {
      await disableConnector(db, OPERATOR, 'acme', 'gadgets', server.services.policyChanges);
      await widget.close();
    }
  });

  it('a 2026 call relayed straight to a 2026 connector is capped, stripped of the connector\'s protocol metadata and audited like any other', async () => {
    const db = server.services.database.db;
    const client = await mcpClient(OLIVIA, 'auto');
    try {
      await client.listTools();
      const result = await client.callTool({ name: 'beta__huge', arguments: {} });
      const all = text(result);
      expect(all.startsWith('x'.repeat(150_000))).toBe(true);
      expect(all).toMatch(/Switchboard truncated this result: it had 200,000 characters/);
      expect(result._meta?.['io.modelcontextprotocol/serverInfo']).toMatchObject({ name: 'switchboard' });
      const olivia = (await db.selectFrom('users').select('id').where('email', '=', 'olivia@acme.test').executeTakeFirstOrThrow()).id;
      // Audit rows are written in the background, in batches.
      await expect
        .poll(async () => (await db.selectFrom('audit_events').select(['tool', 'outcome', 'surface']).where('user_id', '=', olivia).where('tool', '=', 'huge').execute()).length, { timeout: 5000 })
        .toBeGreaterThan(0);
    } finally {
      await client.close();
    }
  });

  it('a relayed call whose connector stops answering mid-stream still gets an answer: progress first, then the timeout', async () => {
    const db = server.services.database.db;
    // Calls through this listing may take 1 s at most.
    await upsertListing(db, { slug: 'stalls', name: 'Stalls', tagline: 'Stalls', description: 'Reports progress, then stalls.', category: 'other', mcpUrl: beta.url, authKind: 'none', source: 'import', origin: 'test:stalls', callTimeoutSeconds: 1 });
    await enableConnector(db, OPERATOR, 'acme', 'stalls', server.services.policyChanges);
    const client = await mcpClient(OLIVIA, 'auto');
    try {
      await client.listTools();
      const progress: number[] = [];
      const result = await client.callTool({ name: 'stalls__progress_then_hang', arguments: {} }, { onprogress: (p) => progress.push(p.progress) });
      expect(progress).toEqual([1]);
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(/Couldn't reach the MCP server: Stalls did not finish progress_then_hang within 1 s/);
    } finally {
      await client.close();
    }
  });
});

/** One raw POST /mcp, with any headers (Host included): what a hostile or hand-written client can send. */
function rawPost(headers: Record<string, string>, body: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(`${server.url}/mcp`);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('the /mcp relay front (relay-front.ts)', () => {
  const call = (name: string, text: string) => ({
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name, arguments: { text }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } },
  });
  const modernHeaders = (name: string, extra: Record<string, string> = {}) => ({
    host: new URL(server.url).host,
    authorization: `Bearer ${OLIVIA}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': name,
    ...extra,
  });

  it("relays a plain call, and its X-Request-Id is the reference of the call's audit event", async () => {
    const before = await relayed('modern');
    const res = await rawPost(modernHeaders('beta__echo'), call('beta__echo', 'raw'));
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.body) as { id: number; result: { content: Array<{ text: string }>; resultType: string } };
    expect(answer).toMatchObject({ id: 7, result: { content: [{ text: 'beta: raw' }], resultType: 'complete' } });
    expect((await relayed('modern')) - before).toBe(1);
    const reference = res.headers['x-request-id'] as string;
    expect(reference).toMatch(/^req_[A-Za-z0-9_-]{12}$/);
    const db = server.services.database.db;
    await expect.poll(async () => (await db.selectFrom('audit_events').select(['tool', 'outcome']).where('request_id', '=', reference).execute()), { timeout: 5000 }).toEqual([{ tool: 'echo', outcome: 'ok' }]);
  });

  it('hands on what it must not relay, and the route refuses it as before: foreign Host or Origin, a bad token, headers that disagree with the body', async () => {
    const before = { relayed: await relayed('modern'), upstream: beta.calls['echo'] ?? 0 };
    const foreignHost = await rawPost(modernHeaders('beta__echo', { host: 'evil.example' }), call('beta__echo', 'x'));
    expect(foreignHost.status).toBe(403);
    const foreignOrigin = await rawPost(modernHeaders('beta__echo', { origin: 'http://evil.example' }), call('beta__echo', 'x'));
    expect(foreignOrigin.status).toBe(403);
    const badToken = await rawPost(modernHeaders('beta__echo', { authorization: 'Bearer sbp_not_a_token' }), call('beta__echo', 'x'));
    expect(badToken.status).toBe(401);
    expect(badToken.headers['www-authenticate']).toContain('invalid_token');
    const disagree = await rawPost(modernHeaders('beta__other'), call('beta__echo', 'x'));
    expect(disagree.status).toBe(400);
    expect(JSON.parse(disagree.body)).toMatchObject({ id: 7, error: { code: expect.any(Number) } });
    expect(await relayed('modern')).toBe(before.relayed);
    expect(beta.calls['echo'] ?? 0).toBe(before.upstream);
  });

  it("never relays into another person's 2025 session", async () => {
    const olivia = await mcpClient(OLIVIA, 'legacy');
    try {
      await olivia.listTools();
      const sessionId = (olivia.transport as StreamableHTTPClientTransport).sessionId!;
      const before = { relayed: await relayed('legacy'), upstream: beta.calls['echo'] ?? 0 };
      const res = await rawPost(
        { host: new URL(server.url).host, authorization: `Bearer ${MAX}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': sessionId },
        { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'beta__echo', arguments: { text: 'not yours' } } },
      );
      expect(res.status).toBe(404);
      expect(await relayed('legacy')).toBe(before.relayed);
      expect(beta.calls['echo'] ?? 0).toBe(before.upstream);
    } finally {
      await olivia.close();
    }
  });
});
