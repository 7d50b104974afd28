import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { disableConnector, enableConnector, setOrgRules } from '../../src/policy/store.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { toolDefinitionsTokens } from '../../src/toolsearch/index.ts';
import { processStorage } from '../helpers/db.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';
import { CookieJar, InMemoryOAuthClient } from '../helpers/demo-oauth.ts';

/**
 * Tool access modes over the real /mcp endpoint (docs/tool-access.md): On demand lists, search_tools and call_tool
 * through the gateway core, per-person indexes, pinned tools, per-client modes, and the token figures — with real
 * SDK clients in both spec eras and real connectors under real organization policy.
 */
let storage: Awaited<ReturnType<typeof processStorage>>;
let server: RunningServer;
let beta: Awaited<ReturnType<typeof startTestUpstream>>;
let notes: Awaited<ReturnType<typeof startTestUpstream>>;
let notesKey = 'key-1';
const OLIVIA = 'sbp_test_olivia_toolaccess_1';
const MAX = 'sbp_test_max_toolaccess_1';
type Era = 'auto' | 'legacy';
const ERAS: Era[] = ['auto', 'legacy'];
const eraName = (era: Era) => (era === 'auto' ? '2026-07-28' : '2025-11-25');

async function mcpClient(token: string, era: Era, options: { query?: string; elicit?: (message: string) => boolean; onToolsChanged?: () => void } = {}): Promise<Client> {
  const client = new Client(
    { name: 'test', version: '1' },
    {
      versionNegotiation: { mode: era },
      capabilities: options.elicit ? { elicitation: { form: {} } } : {},
      ...(options.onToolsChanged ? { listChanged: { tools: { autoRefresh: false, debounceMs: 0, onChanged: options.onToolsChanged } } } : {}),
    },
  );
  if (options.elicit) {
    const decide = options.elicit;
    client.setRequestHandler('elicitation/create', async (request) => ((decide((request.params as { message: string }).message) ? { action: 'accept', content: { approve: true } } : { action: 'decline' })));
  }
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp${options.query ?? ''}`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

const api = async (token: string, route: string, method = 'GET', body?: unknown) => {
  const res = await fetch(`${server.url}/api/v1${route}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
};
const setMode = async (token: string, settings: Record<string, unknown>) => expect((await api(token, '/me/tool-access', 'PUT', settings)).status).toBe(200);

/** Tool calls the /mcp relay front served itself (relay-front.ts), by client era. */
async function relayed(era: Era): Promise<number> {
  const metric = await server.services.metrics.mcpRelayed.get();
  return metric.values.find((v) => v.labels.era === (era === 'auto' ? 'modern' : 'legacy'))?.value ?? 0;
}

const text = (r: unknown) => ((r as { content?: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('');
const found = (r: unknown) => ((r as { structuredContent?: { tools?: Array<{ name: string; inputSchema: unknown }> } }).structuredContent?.tools ?? []);
const names = async (client: Client) => (await client.listTools()).tools.map((t) => t.name);
const userId = async (email: string) => (await server.services.database.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;

beforeAll(async () => {
  storage = await processStorage('sb-toolaccess-');
  beta = await startTestUpstream('beta', { asks: true });
  notes = await startTestUpstream('notes', {
    apiKey: () => notesKey,
    tools: [
      { name: 'search_notes', title: 'Search notes', description: 'Search your private notebook notes by keyword.', params: { keyword: 'Words to look for in the notes' } },
      { name: 'write_note', title: 'Write a note', description: 'Write a new note into your private notebook.', params: { body: 'The note text' } },
    ],
  });
  const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
  writeFileSync(
    file,
    `organizations:\n  - slug: acme\n    name: Acme\n    plan: team\n    members:\n      - { email: olivia@acme.test, role: owner, password: olivia-password-1, tokens: [${OLIVIA}] }\n      - { email: max@acme.test, role: member, tokens: [${MAX}] }\n`,
  );
  server = await startServer(loadConfig({ env: { ...storage.env, PORT: '0', SWITCHBOARD_DEMO: 'off', LOG_LEVEL: 'silent', SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' }, configFile: file }), { logger: createLogger('silent') });
  const db = server.services.database.db;
  await upsertListing(db, { slug: 'beta', name: 'Beta', tagline: 'Echo', description: 'A test connector that echoes text.', category: 'other', mcpUrl: beta.url, authKind: 'none', source: 'import', origin: 'test:beta' });
  await upsertListing(db, { slug: 'notes', name: 'Notes', tagline: 'Notebook', description: 'Your private notebook.', category: 'productivity', mcpUrl: notes.url, authKind: 'headers', authHeaders: ['x-api-key'], source: 'import', origin: 'test:notes' });
  for (const slug of ['beta', 'notes']) await enableConnector(db, OPERATOR, 'acme', slug, server.services.policyChanges);
  // Olivia connects her notebook; Max never does: their tools differ.
  await server.services.connections.connectWithHeaders(await userId('olivia@acme.test'), 'notes', { 'x-api-key': 'key-1' });
});
afterAll(async () => {
  await server?.close();
  await beta?.close();
  await notes?.close();
  await storage?.drop();
});

describe('On demand over /mcp', () => {
  for (const era of ERAS) {
    it(`lists only Switchboard's own tools; a client finds a tool by search and calls it through call_tool (${eraName(era)})`, async () => {
      await setMode(OLIVIA, { mode: 'on_demand', pinned: [] });
      const client = await mcpClient(OLIVIA, era);
      const db = server.services.database.db;
      try {
        expect(await names(client)).toEqual(['search_tools', 'call_tool', 'suggest_connectors']);
        const search = await client.callTool({ name: 'search_tools', arguments: { query: 'write a new note in my notebook' } });
        expect(search.isError).toBeFalsy();
        const hit = found(search).find((t) => t.name === 'notes__write_note');
        // The full definition comes back, in structured content and in the text a model reads.
        expect(hit?.inputSchema).toMatchObject({ type: 'object', properties: { body: { type: 'string' } } });
        expect(text(search)).toContain('notes__write_note');
        expect(text(search)).toContain('"body"');
        const before = notes.calls['write_note'] ?? 0;
        const relayedBefore = await relayed(era);
        const result = await client.callTool({ name: 'call_tool', arguments: { name: 'notes__write_note', arguments: { body: `from ${era}` } } });
        expect(text(result)).toBe(`notes/write_note: {"body":"from ${era}"}`);
        expect(notes.calls['write_note']).toBe(before + 1);
        // call_tool is served by the route (the SDK path), never by the relay front.
        expect(await relayed(era)).toBe(relayedBefore);
        // Audited as the connector's own tool, like any call.
        await expect.poll(async () => (await db.selectFrom('audit_events').select('id').where('tool', '=', 'write_note').where('surface', '=', 'mcp').execute()).length, { timeout: 5000 }).toBeGreaterThanOrEqual(ERAS.indexOf(era) + 1);
        // A tool the list does not hold can still be called by name: On demand changes what is listed, not what may run.
        expect(text(await client.callTool({ name: 'beta__echo', arguments: { text: 'direct' } }))).toBe('beta: direct');
        // ...and takes the relay like any plain call.
        expect(await relayed(era)).toBe(relayedBefore + 1);
        const unknown = await client.callTool({ name: 'call_tool', arguments: { name: 'notes__nothing_like_this' } });
        expect(unknown.isError).toBe(true);
        // A name of our shape whose connector has no such tool: says so.
        expect(text(unknown)).toMatch(/no longer offers a tool named "nothing_like_this"/);
        const garbled = await client.callTool({ name: 'call_tool', arguments: { name: 'not-a-tool-name' } });
        expect(text(garbled)).toMatch(/No tool named "not-a-tool-name" is available to you\. Find tools with search_tools/);
      } finally {
        await client.close();
        await setMode(OLIVIA, { mode: 'auto' });
      }
    });
  }

  it('a regex narrows a search, and a bad regex or bad arguments get a sentence saying what to fix', async () => {
    const client = await mcpClient(OLIVIA, 'auto', { query: '?tools=on_demand' });
    try {
      const byRegex = await client.callTool({ name: 'search_tools', arguments: { query: '', regex: 'search_notes' } });
      expect(found(byRegex).map((t) => t.name)).toEqual(['notes__search_notes']);
      const bad = await client.callTool({ name: 'search_tools', arguments: { query: 'x', regex: '(' } });
      expect(bad.isError).toBe(true);
      expect(text(bad)).toMatch(/not a valid JavaScript regular expression.*Fix it/);
      const tooMany = await client.callTool({ name: 'search_tools', arguments: { query: 'notes', limit: 500 } });
      expect(tooMany.isError).toBe(true);
      expect(text(tooMany)).toMatch(/The arguments of search_tools are not valid \(limit: .*\)\. Fix them/);
    } finally {
      await client.close();
    }
  });

  it('a blocked tool never appears in search results and call_tool refuses it; unblocked, the same search finds it', async () => {
    const db = server.services.database.db;
    const client = await mcpClient(MAX, 'auto', { query: '?tools=on_demand' });
    const search = () => client.callTool({ name: 'search_tools', arguments: { query: 'erase delete everything all data', limit: 20 } });
    try {
      await setOrgRules(db, OPERATOR, 'acme', 'beta', { tools: { erase_everything: 'block' } }, server.services.policyChanges);
      expect(found(await search()).map((t) => t.name)).not.toContain('beta__erase_everything');
      const byRegex = await client.callTool({ name: 'search_tools', arguments: { query: '', regex: 'erase', limit: 20 } });
      expect(found(byRegex)).toEqual([]);
      const refused = await client.callTool({ name: 'call_tool', arguments: { name: 'beta__erase_everything' } });
      expect(refused.isError).toBe(true);
      // Refused with the owners' reason, as for a direct call by name.
      expect(text(refused)).toMatch(/block the tool erase_everything/);
      expect(beta.calls['erase_everything']).toBeUndefined();
      await setOrgRules(db, OPERATOR, 'acme', 'beta', {}, server.services.policyChanges);
      expect(found(await search()).map((t) => t.name)).toContain('beta__erase_everything');
    } finally {
      await setOrgRules(db, OPERATOR, 'acme', 'beta', {}, server.services.policyChanges);
      await client.close();
    }
  });

  it("a search never returns another person's tools: each person's index holds only what they connected", async () => {
    const olivia = await mcpClient(OLIVIA, 'auto', { query: '?tools=on_demand' });
    const max = await mcpClient(MAX, 'legacy', { query: '?tools=on_demand' });
    try {
      const query = { query: 'search my notebook notes by keyword', limit: 20 };
      expect(found(await olivia.callTool({ name: 'search_tools', arguments: query })).map((t) => t.name)).toContain('notes__search_notes');
      const maxHits = found(await max.callTool({ name: 'search_tools', arguments: query })).map((t) => t.name);
      expect(maxHits.some((n) => n.startsWith('notes__'))).toBe(false);
      const byRegex = await max.callTool({ name: 'search_tools', arguments: { query: '', regex: 'note', limit: 20 } });
      expect(found(byRegex)).toEqual([]);
      const refused = await max.callTool({ name: 'call_tool', arguments: { name: 'notes__search_notes', arguments: { keyword: 'salary' } } });
      expect(refused.isError).toBe(true);
      // Olivia's search again, after Max's: still hers.
      expect(found(await olivia.callTool({ name: 'search_tools', arguments: query })).map((t) => t.name)).toContain('notes__search_notes');
    } finally {
      await olivia.close();
      await max.close();
    }
  });

  it('"ask" tools called through call_tool wait for the person: input_required in 2026, elicitation in a 2025 session', async () => {
    const db = server.services.database.db;
    await setOrgRules(db, OPERATOR, 'acme', 'beta', { tools: { echo: 'ask' } }, server.services.policyChanges);
    try {
      for (const era of ERAS) {
        const asked: string[] = [];
        let answer = true;
        const client = await mcpClient(OLIVIA, era, { query: '?tools=on_demand', elicit: (m) => (asked.push(m), answer) });
        try {
          const before = beta.calls['echo'] ?? 0;
          expect(text(await client.callTool({ name: 'call_tool', arguments: { name: 'beta__echo', arguments: { text: 'yes' } } }))).toBe('beta: yes');
          expect(asked.at(-1)).toMatch(/Allow beta to run "Echo"\?/);
          answer = false;
          const declined = await client.callTool({ name: 'call_tool', arguments: { name: 'beta__echo', arguments: { text: 'no' } } });
          expect(declined.isError).toBe(true);
          expect(text(declined)).toMatch(/You did not approve "echo" \(beta\); it did not run/);
          expect(beta.calls['echo']).toBe(before + 1);
        } finally {
          await client.close();
        }
      }
      // Without elicitation: refused with where to approve, as a direct call would be.
      const plain = await mcpClient(OLIVIA, 'auto', { query: '?tools=on_demand' });
      try {
        const refused = await plain.callTool({ name: 'call_tool', arguments: { name: 'beta__echo', arguments: { text: 'x' } } });
        expect(text(refused)).toMatch(/needs approval before it runs.*approve it from the Switchboard chat/s);
      } finally {
        await plain.close();
      }
    } finally {
      await setOrgRules(db, OPERATOR, 'acme', 'beta', {}, server.services.policyChanges);
    }
  });

  it("call_tool passes on the connector's refusal with the link to reconnect", async () => {
    const client = await mcpClient(OLIVIA, 'auto', { query: '?tools=on_demand' });
    try {
      notesKey = 'key-2';
      const refused = await client.callTool({ name: 'call_tool', arguments: { name: 'notes__search_notes', arguments: { keyword: 'x' } } });
      expect(refused.isError).toBe(true);
      expect(text(refused)).toMatch(/Authorization with the MCP server failed: Notes/);
      expect(text(refused)).toContain(`${server.url}/api/v1/connections/notes/authorize`);
    } finally {
      notesKey = 'key-1';
      await client.close();
    }
  });

  it('search_tools with add_to_list adds the tools to the list and tells the clients (2025 session and 2026 listen stream)', async () => {
    const heard = { legacy: 0, modern: 0 };
    const legacy = await mcpClient(MAX, 'legacy', { query: '?tools=on_demand', onToolsChanged: () => void heard.legacy++ });
    const modern = await mcpClient(MAX, 'auto', { query: '?tools=on_demand', onToolsChanged: () => void heard.modern++ });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const result = await modern.callTool({ name: 'search_tools', arguments: { query: 'echoes its text', regex: '^echo\\b', add_to_list: true } });
      expect((result.structuredContent as { added: string[] }).added).toEqual(['beta__echo']);
      expect(text(result)).toMatch(/Added to your tool list: beta__echo/);
      await expect.poll(() => heard.modern, { timeout: 5000 }).toBeGreaterThan(0);
      await expect.poll(() => heard.legacy, { timeout: 5000 }).toBeGreaterThan(0);
      // Added for the client connection that searched (Max's token, in both eras here).
      expect(await names(modern)).toEqual(['search_tools', 'call_tool', 'suggest_connectors', 'beta__echo']);
      expect(await names(legacy)).toContain('beta__echo');
      // Not for Olivia.
      const olivia = await mcpClient(OLIVIA, 'auto', { query: '?tools=on_demand' });
      try {
        expect(await names(olivia)).not.toContain('beta__echo');
      } finally {
        await olivia.close();
      }
    } finally {
      await legacy.close();
      await modern.close();
    }
  });
});

describe('modes: per person, per client connection, per URL', () => {
  it("a client's own mode beats the person's default, and the URL's ?tools= beats both; a bad value is refused with what to write", async () => {
    const tokens = (await api(MAX, '/me/tokens')).body.tokens as Array<{ id: string; name: string }>;
    const tokenId = tokens[0]!.id;
    try {
      await setMode(MAX, { mode: 'always', clients: [{ kind: 'token', id: tokenId, mode: 'on_demand' }] });
      const view = (await api(MAX, '/me/tool-access')).body;
      expect(view.clients).toEqual([{ kind: 'token', id: tokenId, name: tokens[0]!.name, mode: 'on_demand', resolvesTo: 'on_demand' }]);
      const byClient = await mcpClient(MAX, 'auto');
      const byUrl = await mcpClient(MAX, 'legacy', { query: '?tools=always' });
      try {
        expect(await names(byClient)).toEqual(expect.arrayContaining(['search_tools', 'call_tool', 'suggest_connectors']));
        expect(await names(byClient)).not.toContain('beta__hang');
        expect(await names(byUrl)).toContain('beta__hang');
        expect(await names(byUrl)).not.toContain('search_tools');
      } finally {
        await byClient.close();
        await byUrl.close();
      }
      // Someone else's token, or one that does not exist, is refused with where to find the right id.
      const foreign = await api(MAX, '/me/tool-access', 'PUT', { clients: [{ kind: 'token', id: (await api(OLIVIA, '/me/tokens')).body.tokens[0].id, mode: 'always' }] });
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.message).toMatch(/You have no personal access token with the id .*GET \/api\/v1\/me\/tokens/);
      const badMode = await api(MAX, '/me/tool-access', 'PUT', { mode: 'sometimes' });
      expect(badMode.status).toBe(400);
      const res = await fetch(`${server.url}/mcp?tools=sometimes`, { method: 'POST', headers: { authorization: `Bearer ${MAX}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/must be one of auto, always, on_demand \(it is "sometimes"\)\. Fix the URL/);
    } finally {
      await setMode(MAX, { mode: 'auto', clients: [] });
    }
  });

  it("pinned tools (the person's and the organization's) stay listed On demand; only owners pin for the organization, and it is audited", async () => {
    const db = server.services.database.db;
    try {
      const denied = await api(MAX, '/orgs/acme/tool-access', 'PUT', { pinned: [{ connector: 'beta', tool: 'echo' }] });
      expect(denied.status).toBe(403);
      expect(denied.body.error.message).toMatch(/Only owners of Acme can pin tools for/);
      const unknown = await api(OLIVIA, '/orgs/acme/tool-access', 'PUT', { pinned: [{ connector: 'no-such-connector', tool: 'x' }] });
      expect(unknown.status).toBe(404);
      const pinned = await api(OLIVIA, '/orgs/acme/tool-access', 'PUT', { pinned: [{ connector: 'beta', tool: 'echo' }] });
      expect(pinned.status).toBe(200);
      expect(pinned.body).toMatchObject({ pinned: [{ connector: 'beta', tool: 'echo' }], changed: true });
      const event = await db.selectFrom('audit_events').select(['kind', 'action', 'subject', 'details', 'request_id']).where('action', '=', 'tool_pins_set').orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(event).toMatchObject({ kind: 'policy', subject: 'acme', details: { pinned: [{ connector: 'beta', tool: 'echo' }] }, request_id: pinned.headers.get('x-request-id') });
      await setMode(MAX, { mode: 'on_demand', pinned: [{ connector: 'beta', tool: 'huge' }] });
      const client = await mcpClient(MAX, 'auto');
      try {
        expect(await names(client)).toEqual(['search_tools', 'call_tool', 'suggest_connectors', 'beta__echo', 'beta__huge']);
        // A pinned tool the policy blocks is not listed.
        await setOrgRules(db, OPERATOR, 'acme', 'beta', { tools: { huge: 'block' } }, server.services.policyChanges);
        expect(await names(client)).toEqual(['search_tools', 'call_tool', 'suggest_connectors', 'beta__echo']);
      } finally {
        await client.close();
      }
    } finally {
      await setOrgRules(db, OPERATOR, 'acme', 'beta', {}, server.services.policyChanges);
      await api(OLIVIA, '/orgs/acme/tool-access', 'PUT', { pinned: [] });
      await setMode(MAX, { mode: 'auto', pinned: [] });
    }
  });
});

/**
 * A person in a browser at Switchboard's own authorization server: signs in, allows, and stops at the client's
 * redirect (never fetched). Returns that redirect, with the code.
 */
async function signInAndAllow(start: URL, email: string, password: string): Promise<URL> {
  const jar = new CookieJar();
  let url = start;
  for (let hop = 0; hop < 25; hop++) {
    if (url.origin !== start.origin) return url;
    const res = await fetch(url, { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    if (!action) throw new Error(`no form at ${url.pathname} (${res.status}): ${html.slice(0, 300)}`);
    const form = html.includes('name="password"') ? new URLSearchParams({ csrf, email, password }) : new URLSearchParams({ csrf, decision: 'allow' });
    const posted = await fetch(new URL(action, url), { method: 'POST', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded', origin: start.origin }, body: form, redirect: 'manual' });
    jar.store(posted);
    url = new URL(posted.headers.get('location') ?? '', url);
  }
  throw new Error('too many redirects');
}

describe('modes of OAuth clients', () => {
  it("an OAuth client connected through a URL with ?tools= signs in as usual; the person's mode for that client applies to it alone", async () => {
    const oauth = new InMemoryOAuthClient({ clientName: 'Mode test client' });
    const transport = (query: string) => new StreamableHTTPClientTransport(new URL(`${server.url}/mcp${query}`), { authProvider: oauth });
    const first = new Client({ name: 'oauth-test', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await expect(first.connect(transport('?tools=on_demand'))).rejects.toBeInstanceOf(UnauthorizedError);
    const callback = await signInAndAllow(oauth.authorizationUrl!, 'olivia@acme.test', 'olivia-password-1');
    await transport('?tools=on_demand').finishAuth(callback.searchParams);
    const connect = async (query: string) => {
      const client = new Client({ name: 'oauth-test', version: '1' }, { versionNegotiation: { mode: 'auto' } });
      await client.connect(transport(query));
      return client;
    };
    const byUrl = await connect('?tools=on_demand');
    try {
      expect(await names(byUrl)).toEqual(['search_tools', 'call_tool', 'suggest_connectors']);
    } finally {
      await byUrl.close();
    }
    const clientId = oauth.clientInformation()!.client_id;
    const listed = (await api(OLIVIA, '/me/clients')).body.clients as Array<{ clientId: string }>;
    expect(listed.map((c) => c.clientId)).toContain(clientId);
    try {
      await setMode(OLIVIA, { mode: 'always', clients: [{ kind: 'oauth', id: clientId, mode: 'on_demand' }] });
      expect((await api(OLIVIA, '/me/tool-access')).body.clients).toEqual([{ kind: 'oauth', id: clientId, name: 'Mode test client', mode: 'on_demand', resolvesTo: 'on_demand' }]);
      const byClient = await connect('');
      const other = await mcpClient(OLIVIA, 'auto');
      try {
        expect(await names(byClient)).toEqual(['search_tools', 'call_tool', 'suggest_connectors']);
        // Olivia's token is another client connection: her default (Always available) applies there.
        expect(await names(other)).toContain('beta__echo');
        expect(await names(other)).not.toContain('search_tools');
      } finally {
        await byClient.close();
        await other.close();
      }
    } finally {
      await setMode(OLIVIA, { mode: 'auto', clients: [] });
    }
  });
});

describe('token figures and Auto', () => {
  it('counts the tokens of every mode with the tokenizer, in the API and in search_tools, matching what each mode lists', async () => {
    const always = await mcpClient(OLIVIA, 'auto', { query: '?tools=always' });
    const onDemand = await mcpClient(OLIVIA, 'auto', { query: '?tools=on_demand' });
    try {
      const allTools = (await always.listTools()).tools;
      const smallSet = (await onDemand.listTools()).tools;
      const { body } = await api(OLIVIA, '/me/tool-access');
      expect(body.figures).toMatchObject({
        organization: 'acme',
        contextTokens: 200_000,
        budgetTokens: 20_000,
        connectors: 2,
        always: { tools: allTools.length, tokens: toolDefinitionsTokens(allTools) },
        onDemand: { tools: smallSet.length, tokens: toolDefinitionsTokens(smallSet) },
        auto: { resolvesTo: 'always' },
      });
      expect(body.figures.always.tokens).toBeGreaterThan(body.figures.onDemand.tokens);
      expect(body.figures.auto.reason).toMatch(/take [\d,]+ tokens, within the budget of 20,000 tokens/);
      expect(body).toMatchObject({ mode: 'auto', resolvesTo: 'always' });
      const search = await onDemand.callTool({ name: 'search_tools', arguments: { query: 'echo' } });
      expect((search.structuredContent as { figures: unknown }).figures).toMatchObject({ always: { tokens: body.figures.always.tokens }, onDemand: { tokens: body.figures.onDemand.tokens } });
      expect(text(search)).toContain(`take ${body.figures.always.tokens.toLocaleString('en')} tokens`);
    } finally {
      await always.close();
      await onDemand.close();
    }
  });

  it('Auto loads every tool below 10 connectors and finds them on demand from the tenth on', async () => {
    const db = server.services.database.db;
    const extra = Array.from({ length: 8 }, (_, i) => `echo-${i}`);
    const client = await mcpClient(OLIVIA, 'auto');
    try {
      expect(await names(client)).toContain('beta__echo');
      for (const slug of extra) {
        await upsertListing(db, { slug, name: `Echo ${slug}`, tagline: 'Echo', description: 'Another echo.', category: 'other', mcpUrl: beta.url, authKind: 'none', source: 'import', origin: `test:${slug}` });
        await enableConnector(db, OPERATOR, 'acme', slug, server.services.policyChanges);
      }
      // beta, notes and eight more: ten connectors.
      expect(await names(client)).toEqual(['search_tools', 'call_tool', 'suggest_connectors']);
      const { body } = await api(OLIVIA, '/me/tool-access');
      expect(body.figures).toMatchObject({ connectors: 10, auto: { resolvesTo: 'on_demand', reason: expect.stringMatching(/10 connectors \(10 or more\)/) } });
      expect(body.resolvesTo).toBe('on_demand');
      await disableConnector(db, OPERATOR, 'acme', extra[0]!, server.services.policyChanges);
      expect(await names(client)).toContain('beta__echo');
    } finally {
      await client.close();
      for (const slug of extra) await disableConnector(db, OPERATOR, 'acme', slug, server.services.policyChanges);
    }
  });
});
