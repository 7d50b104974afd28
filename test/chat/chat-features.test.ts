import { APICallError } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { disableConnector, enableConnector, setOrgRules } from '../../src/policy/store.ts';
import { setInteractiveUi } from '../../src/policy/interactive-ui.ts';
import { call, offered, parseSse, partsOf, say, textOf, toolParts, toolResultsIn } from '../helpers/chat-client.ts';
import { startChatWorld, TOKENS, type ChatWorld, type Person } from '../helpers/chat-world.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

/**
 * The chat's app suggestions, per-conversation settings, MCP Apps calls, one person's conversations kept from
 * everyone else, and answers stored whole when the browser goes away — on a real Switchboard.
 */
let world: ChatWorld;
let bugs: Awaited<ReturnType<typeof startTestUpstream>>;
let widgets: Awaited<ReturnType<typeof startTestUpstream>>;
let beta: Awaited<ReturnType<typeof startTestUpstream>>;

const db = () => world.server.services.database.db;
const changes = () => world.server.services.policyChanges;
const lastAssistant = (messages: Array<{ role: string }>) => messages.filter((m) => m.role === 'assistant').at(-1) as Parameters<typeof textOf>[0];
const lastIsUser = (request: Parameters<ChatWorld['script']['current']>[0]) => request.prompt.at(-1)?.role === 'user';

beforeAll(async () => {
  world = await startChatWorld();
  // A second issue tracker: for issue requests, it fits about as well as the demo tracker.
  bugs = await startTestUpstream('issue-hub', {
    tools: [
      { name: 'create_issue', title: 'Create an issue', description: 'Create an issue in a project you can see. You are its reporter; the new issue is open.', params: { project: 'The project key', title: 'The issue title' } },
      { name: 'list_issues', title: 'List issues in a project', description: 'List the issues of one project, optionally only those with a given status.', params: { project: 'The project key' } },
    ],
  });
  widgets = await startTestUpstream('widgets', { widget: true, appTools: true });
  beta = await startTestUpstream('beta');
  await upsertListing(db(), { slug: 'issue-hub', name: 'Issue Hub', tagline: 'Issues', description: 'Another issue tracker: projects and issues.', category: 'productivity', mcpUrl: bugs.url, authKind: 'none', source: 'import', origin: 'test:issue-hub' });
  await upsertListing(db(), { slug: 'widgets', name: 'Widgets', tagline: 'An app', description: 'A connector with an interactive widget.', category: 'other', mcpUrl: widgets.url, authKind: 'none', source: 'import', origin: 'test:widgets', interactive: true });
  // A directory connector that fits weather questions, never connected by anyone here.
  await upsertListing(db(), {
    slug: 'weather',
    name: 'Weather Now',
    tagline: 'Forecasts',
    description: 'Weather forecasts for any city: temperature, rain and wind for the coming days.',
    category: 'other',
    mcpUrl: 'https://weather.example/mcp',
    authKind: 'oauth',
    source: 'import',
    origin: 'test:weather',
    tools: [{ name: 'get_forecast', title: 'Get the weather forecast' }],
  });
  await enableConnector(db(), OPERATOR, 'acme', 'weather', changes());
  // Globex's own custom connector about the weather: never offered to anyone to connect.
  const globex = (await db().selectFrom('organizations').select('id').where('slug', '=', 'globex').executeTakeFirstOrThrow()).id;
  await db()
    .insertInto('connector_listings')
    .values({
      slug: 'globex-weather',
      name: 'Globex Weather Station',
      tagline: 'Custom connector of Globex',
      description: 'Weather forecasts for any city from the Globex weather station: temperature, rain and wind.',
      use_cases: JSON.stringify([]),
      category: 'other',
      mcp_url: 'https://weather.globex.example/mcp',
      transport: 'streamable-http',
      auth_kind: 'oauth',
      auth_headers: JSON.stringify([]),
      plans: JSON.stringify(['free', 'pro', 'team', 'enterprise']),
      clients: JSON.stringify(['chat', 'mcp']),
      interactive: false,
      logo_url: null,
      docs_url: null,
      origin: null,
      call_timeout_seconds: null,
      source: 'custom',
      owner_org_id: globex,
      created_by: null,
    })
    .execute();
});
afterAll(async () => {
  await world?.close();
  await bugs?.close();
  await widgets?.close();
  await beta?.close();
});

describe('app suggestions', () => {
  it('two connected apps fit the request: the chat offers both and waits; the person picks one and the answer uses only it', async () => {
    await enableConnector(db(), OPERATOR, 'acme', 'issue-hub', changes());
    try {
      const id = await world.conversation('max');
      const chat = world.chat('max', id);
      const asked = world.model.doStreamCalls.length;
      world.script.current = (request) => (lastIsUser(request) ? [call('call-hub', 'issue-hub__create_issue', { project: 'WEB', title: 'Login bug' })] : [say(`Filed: ${toolResultsIn(request).at(-1)?.text}`)]);
      await chat.sendMessage({ text: 'Create a new issue for the login bug' });
      const choice = lastAssistant(chat.all);
      const [chips] = partsOf(choice, 'data-app-choice');
      expect(chips).toMatchObject({ id: 'app-choice' });
      const apps = (chips!['data'] as { apps: Array<{ connector: string; name: string }> }).apps;
      expect(apps.map((a) => a.connector).sort()).toEqual(['demo-tracker', 'issue-hub']);
      expect(textOf(choice)).toMatch(/^Both (Demo Tracker|Issue Hub) and (Demo Tracker|Issue Hub) could do this\. Which one should I use\?$/);
      // The model was not asked: the person picks first.
      expect(world.model.doStreamCalls.length).toBe(asked);
      // The stored conversation holds the same.
      expect(partsOf((await world.api('max', `/chat/conversations/${id}`)).body.messages[1], 'data-app-choice')).toHaveLength(1);

      // The person picks Issue Hub: the same message is answered again, with only its tools.
      await chat.regenerate({ body: { focus: ['issue-hub'] } });
      const request = world.model.doStreamCalls[asked]!;
      expect(offered(request).every((name) => name.startsWith('issue-hub__'))).toBe(true);
      expect(offered(request)).toContain('issue-hub__create_issue');
      expect(JSON.stringify(request.prompt[0])).toContain('The person picked these apps for this request');
      const answer = lastAssistant(chat.all);
      expect(partsOf(answer, 'data-app-choice')).toEqual([]);
      expect(toolParts(answer)[0]).toMatchObject({ type: 'tool-issue-hub__create_issue', state: 'output-available', toolMetadata: { connector: 'issue-hub', connectorName: 'Issue Hub', tool: 'create_issue' } });
      expect(bugs.calls['create_issue']).toBe(1);
      const stored = (await world.api('max', `/chat/conversations/${id}`)).body.messages;
      expect(stored).toHaveLength(2);
      expect(textOf(stored[1])).toContain('issue-hub/create_issue');
    } finally {
      await disableConnector(db(), OPERATOR, 'acme', 'issue-hub', changes());
    }
  });

  it('one app fits clearly: no chips, the model answers', async () => {
    const id = await world.conversation('max');
    const chat = world.chat('max', id);
    world.script.current = () => [say('Sure.')];
    await chat.sendMessage({ text: 'Create a new issue for the login bug' });
    expect(partsOf(lastAssistant(chat.all), 'data-app-choice')).toEqual([]);
    expect(textOf(lastAssistant(chat.all))).toBe('Sure.');
  });

  for (const person of ['max', 'zoe'] as Person[]) {
    it(`a fitting directory connector that is not connected comes as a card with its connect link; a custom connector never does (${person})`, async () => {
      const id = await world.conversation(person);
      const chat = world.chat(person, id);
      world.script.current = () => [say('I cannot see the weather yet.')];
      await chat.sendMessage({ text: "What's the weather forecast for Berlin tomorrow? Will it rain?" });
      const answer = lastAssistant(chat.all);
      const cards = partsOf(answer, 'data-app-suggestion').map((p) => p['data'] as { connector: string; connectUrl: string; enabledInOrganization: boolean; name: string });
      expect(cards.map((c) => c.connector)).toContain('weather');
      expect(cards.find((c) => c.connector === 'weather')).toEqual({
        connector: 'weather',
        name: 'Weather Now',
        description: expect.stringContaining('Weather forecasts for any city'),
        connectUrl: `${world.server.url}/api/v1/connections/weather/authorize`,
        // Acme added it; Globex did not (an owner must add it first).
        enabledInOrganization: person === 'max',
      });
      expect(cards.map((c) => c.connector)).not.toContain('globex-weather');
      // The model answered too.
      expect(textOf(answer)).toBe('I cannot see the weather yet.');
    });
  }
});

describe('conversation settings', () => {
  it('a connector switched off is not offered, the model is told, and a call to it is refused with why', async () => {
    const id = await world.conversation('max');
    const settings = await world.api('max', `/chat/conversations/${id}/settings`);
    expect(settings.status).toBe(200);
    expect(settings.body.connectors).toEqual([{ connector: 'demo-tracker', name: 'Demo Tracker', on: true, tools: 7 }]);
    expect(settings.body.toolAccess).toMatchObject({ override: null, personDefault: 'auto', mode: 'auto', resolvesTo: 'always', contextTokens: 200000 });
    expect(settings.body.toolAccess.reason).toMatch(/^Auto: /);
    expect(settings.body.advice).toBeNull();

    const off = await world.api('max', `/chat/conversations/${id}/settings`, 'PUT', { connectors: { 'demo-tracker': false } });
    expect(off.body.connectors[0]).toMatchObject({ connector: 'demo-tracker', on: false });
    world.script.current = (request) => (lastIsUser(request) ? [call('call-off', 'demo-tracker__list_projects', {})] : [say('Noted.')]);
    const chat = world.chat('max', id);
    await chat.sendMessage({ text: 'List my projects' });
    const request = world.model.doStreamCalls.at(-2)!;
    expect(offered(request).filter((n) => n.startsWith('demo-tracker__'))).toEqual([]);
    expect(JSON.stringify(request.prompt[0])).toContain('Switched off here: Demo Tracker (demo-tracker)');
    const answer = lastAssistant(chat.all);
    expect(partsOf(answer, 'data-refusal')[0]!['data']).toMatchObject({ connector: 'demo-tracker', reason: "Demo Tracker is switched off in this conversation. Switch it on in the conversation's settings to use list_projects." });
    const conversation = await world.api('max', `/chat/conversations/${id}`);
    expect(conversation.body.conversation.connectors).toEqual({ 'demo-tracker': false });
  });

  it('On demand for one conversation: only the search tool first; the tool it found is loaded from the first step of the next turn', async () => {
    const id = await world.conversation('max');
    const set = await world.api('max', `/chat/conversations/${id}/settings`, 'PUT', { toolAccess: 'on_demand' });
    expect(set.body.toolAccess).toMatchObject({ override: 'on_demand', mode: 'on_demand', resolvesTo: 'on_demand' });
    const chat = world.chat('max', id);
    const start = world.model.doStreamCalls.length;
    world.script.current = (request) => {
      if (lastIsUser(request)) return [call(`s-${world.model.doStreamCalls.length}`, 'search_tools', { query: 'list the projects in the tracker' })];
      const found = toolResultsIn(request).at(-1)!;
      if (found.toolName === 'search_tools') return [call(`c-${world.model.doStreamCalls.length}`, 'demo-tracker__list_projects', {})];
      return [say('Here they are.')];
    };
    await chat.sendMessage({ text: 'Which projects are there?' });
    expect(offered(world.model.doStreamCalls[start]!)).toEqual(['search_tools']);
    expect(offered(world.model.doStreamCalls[start + 1]!)).toContain('demo-tracker__list_projects');
    expect(textOf(lastAssistant(chat.all))).toBe('Here they are.');
    // Next turn: the tools the search found (stored with the conversation) are there from the first step.
    const found = offered(world.model.doStreamCalls[start + 1]!).sort();
    expect(found.length).toBeLessThan(8);
    const next = world.model.doStreamCalls.length;
    world.script.current = () => [say('Still here.')];
    await chat.sendMessage({ text: 'Thanks' });
    expect(offered(world.model.doStreamCalls[next]!).sort()).toEqual(found);
  });

  it('from 10 connectors on: the settings advise switching off what the conversation does not need, and Auto goes on demand', async () => {
    const slugs = Array.from({ length: 10 }, (_, i) => `extra-${i}`);
    for (const slug of slugs) {
      await upsertListing(db(), { slug, name: `Extra ${slug.slice(6)}`, tagline: 'Echo', description: 'An echo connector.', category: 'other', mcpUrl: beta.url, authKind: 'none', source: 'import', origin: `test:${slug}` });
      await enableConnector(db(), OPERATOR, 'acme', slug, changes());
    }
    try {
      const id = await world.conversation('max');
      const settings = await world.api('max', `/chat/conversations/${id}/settings`);
      expect(settings.body.connectors).toHaveLength(11);
      expect(settings.body.advice).toMatch(/^11 connectors are on in this conversation\. From 10 on, Auto finds tools on demand/);
      expect(settings.body.toolAccess.resolvesTo).toBe('on_demand');
      const fewer = await world.api('max', `/chat/conversations/${id}/settings`, 'PUT', { connectors: Object.fromEntries(slugs.slice(0, 5).map((s) => [s, false])) });
      expect(fewer.body.advice).toBeNull();
      expect(fewer.body.connectors.filter((c: { on: boolean }) => c.on)).toHaveLength(6);
    } finally {
      for (const slug of slugs) await disableConnector(db(), OPERATOR, 'acme', slug, changes());
    }
  });

  it('refuses settings that are not valid, saying which field', async () => {
    const id = await world.conversation('max');
    const bad = await world.api('max', `/chat/conversations/${id}/settings`, 'PUT', { toolAccess: 'sometimes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/toolAccess/) });
  });
});

describe('MCP Apps', () => {
  beforeAll(async () => {
    await enableConnector(db(), OPERATOR, 'acme', 'widgets', changes());
  });
  afterAll(async () => {
    await disableConnector(db(), OPERATOR, 'acme', 'widgets', changes());
  });

  it("app-only tools are never offered to the model; a tool's UI resource travels on its part and reads through the gateway", async () => {
    const id = await world.conversation('max');
    const chat = world.chat('max', id);
    world.script.current = (request) => (lastIsUser(request) ? [call('call-widget', 'widgets__show_widget', {})] : [say('Shown.')]);
    await chat.sendMessage({ text: 'Show me the widget' });
    const first = world.model.doStreamCalls.at(-2)!;
    expect(offered(first)).toContain('widgets__show_widget');
    expect(offered(first)).toContain('widgets__model_only');
    expect(offered(first)).not.toContain('widgets__refresh_widget');
    const [part] = toolParts(lastAssistant(chat.all));
    expect(part!['toolMetadata']).toMatchObject({ connector: 'widgets', tool: 'show_widget', resourceUri: 'ui://widgets/widget/index.html' });

    const resource = await world.api('max', `/chat/app-resource?uri=${encodeURIComponent('ui://widgets/widget/index.html')}&conversationId=${id}`);
    expect(resource.status).toBe(200);
    expect(resource.body.contents[0]).toMatchObject({ uri: 'ui://widgets/widget/index.html', mimeType: 'text/html;profile=mcp-app', text: '<p>widget</p>' });
    const notUi = await world.api('max', `/chat/app-resource?uri=${encodeURIComponent('test://widgets/x')}`);
    expect(notUi.status).toBe(400);
    const missing = await world.api('max', `/chat/app-resource?uri=${encodeURIComponent('ui://widgets/nothing.html')}`);
    expect(missing.status).toBe(404);
    // Zoe's organization has no such connector: nothing to read.
    expect((await world.api('zoe', `/chat/app-resource?uri=${encodeURIComponent('ui://widgets/widget/index.html')}`)).status).toBe(404);
  });

  it('with the interactive UI switched off by an owner: no resource, no UI on the part, and app-only tools stay away from the model', async () => {
    await setInteractiveUi(db(), OPERATOR, 'acme', 'widgets', false, changes());
    try {
      const id = await world.conversation('max');
      const chat = world.chat('max', id);
      world.script.current = (request) => (lastIsUser(request) ? [call('call-widget-off', 'widgets__show_widget', {})] : [say('Shown as text.')]);
      await chat.sendMessage({ text: 'Show me the widget' });
      const first = world.model.doStreamCalls.at(-2)!;
      expect(offered(first)).toContain('widgets__show_widget');
      expect(offered(first)).not.toContain('widgets__refresh_widget');
      const [part] = toolParts(lastAssistant(chat.all));
      expect(part!['toolMetadata']).toMatchObject({ connector: 'widgets', tool: 'show_widget' });
      expect((part!['toolMetadata'] as { resourceUri?: string }).resourceUri).toBeUndefined();
      expect((await world.api('max', `/chat/app-resource?uri=${encodeURIComponent('ui://widgets/widget/index.html')}`)).status).toBe(404);
    } finally {
      await setInteractiveUi(db(), OPERATOR, 'acme', 'widgets', true, changes());
    }
  });

  it("a rendered app calls its connector's app tools through the gateway, under the same policy; never the model-only ones", async () => {
    const id = await world.conversation('max');
    const ok = await world.api('max', '/chat/app-tool-call', 'POST', { conversationId: id, connector: 'widgets', tool: 'refresh_widget' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ result: { content: [{ type: 'text', text: 'refreshed' }] }, approvalRequired: null, connect: null });
    expect(widgets.calls['refresh_widget']).toBe(1);
    await expect.poll(async () => (await db().selectFrom('audit_events').select(['surface', 'outcome']).where('tool', '=', 'refresh_widget').execute()), { timeout: 5000 }).toEqual([{ surface: 'chat', outcome: 'ok' }]);

    const modelOnly = await world.api('max', '/chat/app-tool-call', 'POST', { connector: 'widgets', tool: 'model_only' });
    expect(modelOnly.status).toBe(403);
    expect(modelOnly.body.error.message).toMatch(/model_only of widgets is for the assistant only \(its visibility leaves out "app"\)/);
    expect(widgets.calls['model_only']).toBeUndefined();

    // The policy applies: an "ask" tool runs only once the host says the person confirmed.
    await setOrgRules(db(), OPERATOR, 'acme', 'widgets', { tools: { refresh_widget: 'ask' } }, changes());
    try {
      const asked = await world.api('max', '/chat/app-tool-call', 'POST', { connector: 'widgets', tool: 'refresh_widget' });
      expect(asked.body.approvalRequired).toEqual({ reason: "Acme's owners require your approval each time refresh_widget in Widgets runs." });
      expect(asked.body.result.isError).toBe(true);
      expect(widgets.calls['refresh_widget']).toBe(1);
      const confirmed = await world.api('max', '/chat/app-tool-call', 'POST', { connector: 'widgets', tool: 'refresh_widget', approved: true });
      expect(confirmed.body.result.content[0].text).toBe('refreshed');
      expect(widgets.calls['refresh_widget']).toBe(2);
      await setOrgRules(db(), OPERATOR, 'acme', 'widgets', { tools: { refresh_widget: 'block' } }, changes());
      const blocked = await world.api('max', '/chat/app-tool-call', 'POST', { connector: 'widgets', tool: 'refresh_widget', approved: true });
      expect(blocked.body.result).toMatchObject({ isError: true, content: [{ text: "Acme's owners block the tool refresh_widget in Widgets. Ask an owner if you need it." }] });
      expect(widgets.calls['refresh_widget']).toBe(2);
    } finally {
      await setOrgRules(db(), OPERATOR, 'acme', 'widgets', {}, changes());
    }
  });
});

describe("one person's conversations", () => {
  it('nobody else sees, changes, continues or deletes them', async () => {
    const id = await world.conversation('olivia', { title: 'Salary review' });
    world.script.current = () => [say('Private answer.')];
    await world.chat('olivia', id).sendMessage({ text: 'Something private' });
    for (const other of ['max', 'zoe'] as Person[]) {
      const list = await world.api(other, '/chat/conversations');
      expect(list.body.conversations.map((c: { id: string }) => c.id)).not.toContain(id);
      for (const [method, route, body] of [
        ['GET', `/chat/conversations/${id}`, undefined],
        ['PATCH', `/chat/conversations/${id}`, { title: 'Mine now' }],
        ['GET', `/chat/conversations/${id}/settings`, undefined],
        ['PUT', `/chat/conversations/${id}/settings`, { toolAccess: 'always' }],
        ['POST', `/chat/conversations/${id}/messages`, { message: { role: 'user', parts: [{ type: 'text', text: 'hi' }] } }],
        ['POST', `/chat/conversations/${id}/retry`, { toolCallId: 'x' }],
        ['POST', `/chat/conversations/${id}/approvals/x/allow-always`, undefined],
        ['DELETE', `/chat/conversations/${id}`, undefined],
      ] as const) {
        const res = await world.api(other, route, method, body);
        expect([route, method, res.status, res.body.error.code]).toEqual([route, method, 404, 'not_found']);
        expect(res.body.error.message).toMatch(/No conversation with this id is among yours/);
      }
      // Nor through an app call naming it.
      expect((await world.api(other, '/chat/app-tool-call', 'POST', { conversationId: id, connector: 'demo-tracker', tool: 'list_projects' })).status).toBe(404);
    }
    const mine = await world.api('olivia', `/chat/conversations/${id}`);
    expect(mine.body.conversation).toMatchObject({ title: 'Salary review', organization: 'acme' });
    expect(textOf(mine.body.messages[1])).toBe('Private answer.');
    expect((await world.api('olivia', '/chat/conversations')).body.conversations.map((c: { id: string }) => c.id)).toContain(id);
  });

  it('rename and delete', async () => {
    const id = await world.conversation('max');
    const renamed = await world.api('max', `/chat/conversations/${id}`, 'PATCH', { title: 'Release planning' });
    expect(renamed.body.title).toBe('Release planning');
    world.script.current = () => [say('ok')];
    await world.chat('max', id).sendMessage({ text: 'A first message does not rename a named conversation' });
    expect((await world.api('max', `/chat/conversations/${id}`)).body.conversation.title).toBe('Release planning');
    expect((await world.api('max', `/chat/conversations/${id}`, 'DELETE')).status).toBe(204);
    expect((await world.api('max', `/chat/conversations/${id}`)).status).toBe(404);
    expect(await db().selectFrom('chat_messages').select('id').where('conversation_id', '=', id).execute()).toEqual([]);
  });
});

describe('when the model fails', () => {
  it('the answer says what happened and gives the reference, and the conversation keeps that note', async () => {
    const id = await world.conversation('max');
    world.script.current = () => {
      throw new APICallError({ message: 'invalid x-api-key', url: 'https://api.example/v1/messages', requestBodyValues: {}, statusCode: 401, responseBody: '{"error":"invalid x-api-key"}' });
    };
    try {
      const res = await fetch(`${world.server.url}/api/v1/chat/conversations/${id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.max}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: { role: 'user', parts: [{ type: 'text', text: 'Hello?' }] } }),
      });
      expect(res.status).toBe(200);
      const reference = res.headers.get('x-request-id');
      const chunks = parseSse(await res.text());
      const error = chunks.find((c) => c.type === 'error') as { errorText: string } | undefined;
      expect(error?.errorText).toBe(`The chat model (mock-provider scripted-model) could not answer (HTTP 401): invalid x-api-key. The API key (chat.model.apiKey) may be wrong or revoked: tell your operator. Reference ${reference}.`);
      const stored = (await world.api('max', `/chat/conversations/${id}`)).body.messages;
      expect(partsOf(stored[1], 'data-error')[0]!['data']).toEqual({ message: error!.errorText, reference });
    } finally {
      world.script.current = () => [say('ok')];
    }
  });
});

describe('an answer is stored whole', () => {
  it('when the browser goes away in the middle of it', async () => {
    const id = await world.conversation('max');
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    world.script.delayMs = 15;
    world.script.current = () => [say(words)];
    try {
      const abort = new AbortController();
      const res = await fetch(`${world.server.url}/api/v1/chat/conversations/${id}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKENS.max}`, 'content-type': 'application/json' },
        body: JSON.stringify({ message: { id: 'user-1', role: 'user', parts: [{ type: 'text', text: 'Tell me forty words' }] } }),
        signal: abort.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.cancel().catch(() => {});
      // The answer runs on to its end and is stored.
      await expect.poll(async () => textOf((await world.api('max', `/chat/conversations/${id}`)).body.messages[1]), { timeout: 10_000, interval: 100 }).toBe(words);
      const stored = (await world.api('max', `/chat/conversations/${id}`)).body.messages;
      expect(stored.map((m: { id: string; role: string }) => [m.id, m.role])).toEqual([
        ['user-1', 'user'],
        [stored[1].id, 'assistant'],
      ]);
    } finally {
      world.script.delayMs = 0;
    }
  });

  it('a second message while one is being answered is refused, saying to wait', async () => {
    const id = await world.conversation('max');
    world.script.delayMs = 20;
    world.script.current = () => [say('a slow answer of some words')];
    try {
      const send = (text: string) =>
        fetch(`${world.server.url}/api/v1/chat/conversations/${id}/messages`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.max}`, 'content-type': 'application/json' }, body: JSON.stringify({ message: { role: 'user', parts: [{ type: 'text', text }] } }) });
      const first = await send('first');
      expect(first.status).toBe(200);
      const second = await send('second');
      expect(second.status).toBe(409);
      expect(((await second.json()) as { error: unknown }).error).toMatchObject({ code: 'conversation_busy', message: expect.stringMatching(/An answer is still being written in this conversation\. Wait for it to finish/) });
      await first.text();
      // Once the first answer is stored, the conversation takes messages again.
      await expect.poll(async () => (await world.api('max', `/chat/conversations/${id}`)).body.messages.length, { timeout: 5000 }).toBe(2);
      const third = await send('third');
      expect(third.status).toBe(200);
      await third.text();
    } finally {
      world.script.delayMs = 0;
    }
  });
});
