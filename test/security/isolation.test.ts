import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, startDemoService, type DemoPerson, type DemoServiceHandle } from '../../demo/index.ts';
import { canSee, seedTracker } from '../../demo/tracker/data.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { enableConnector } from '../../src/policy/store.ts';
import { say, streamingModel } from '../helpers/chat-client.ts';
import { authorizeAtDemo } from '../helpers/demo-browser.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';
import { isApiError, isJsonRpcError, mcpMessages, seededRng, startIdentityUpstream, startSwitchboard, type IdentityUpstream, type Switchboard } from './helpers.ts';

/**
 * Issue 8, cross-person isolation: twelve people in two organizations, each connected to an API-key connector with
 * their own key (the upstream says whose key each call carried) and, for three of them, to the demo tracker with
 * their own account there (each sees a different set of projects). Then a seeded, concurrent mix of calls by random
 * people over every path a call can take — /mcp 2026-07-28 (relayed), 2025-11-25 in a session and without one (the
 * SDK path), the REST API — and each answer must carry its caller's identity, never another's. Then the handles of
 * one person (session, conversation, token, connection flow) in another person's hands: refused.
 */

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const OPERATIONS = 480;
const CONCURRENCY = 12;
const run = randomBytes(3).toString('hex');

interface Member extends Person {
  label: string;
  org: 'north' | 'south';
  key: string;
  /** The demo tracker account this person connected, if any. */
  demo?: DemoPerson;
  modern?: Client;
  legacy?: Client;
}

let sb: Switchboard;
let tracker: DemoServiceHandle;
let upstream: IdentityUpstream;
const people: Member[] = [];
const keys = new Map<string, string>();

const auth = (m: Member) => ({ authorization: `Bearer ${m.token}` });
const api = (m: Member, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
  fetch(`${sb.url}/api/v1${path}`, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: { ...auth(m), ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

/** The projects a demo person sees, from the tracker's own seed data and visibility rule. */
const projectsOf = (demo: DemoPerson) => seedTracker().projects.filter((p) => canSee(demo, p)).map((p) => p.key).sort();

beforeAll(async () => {
  tracker = await startDemoService('tracker', { port: 0, onError: () => {} });
  upstream = await startIdentityUpstream(() => keys);
  sb = await startSwitchboard('sb-isolation-', { redis: true, chatModel: streamingModel({ current: () => [say('hello from the model')] }) });
  const db = sb.server.services.database.db;
  for (let i = 0; i < 12; i++) {
    const org = i < 6 ? 'north' : 'south';
    const email = `p${i}-${run}@${org}.test`;
    const p = await person(db, email, `password-${i}-${run}`);
    const member: Member = { ...p, label: email, org, key: `key-${i}-${randomBytes(16).toString('base64url')}` };
    keys.set(member.key, member.label);
    people.push(member);
  }
  await organization(db, `north-${run}`, people[0]!, people.slice(1, 6).map((p) => [p, 'member']));
  await organization(db, `south-${run}`, people[6]!, people.slice(7).map((p) => [p, 'member']));
  await upsertListing(db, { slug: 'ident', name: 'Ident', tagline: 'Who am I', description: 'Says whose API key a call carried.', category: 'other', mcpUrl: upstream.url, authKind: 'headers', authHeaders: ['x-api-key'], source: 'import', origin: 'test:ident' });
  await upsertListing(db, { slug: 'demo-tracker', name: 'Demo Tracker', tagline: 'Issues', description: 'The demo tracker.', category: 'productivity', mcpUrl: tracker.url, authKind: 'oauth', source: 'demo', origin: 'demo:tracker' });
  for (const org of ['north', 'south']) await enableConnector(db, OPERATOR, `${org}-${run}`, 'ident', sb.server.services.policyChanges);
  await enableConnector(db, OPERATOR, `north-${run}`, 'demo-tracker', sb.server.services.policyChanges);
  // Each person stores their own key, as a person would: through the API.
  for (const m of people) {
    const res = await api(m, '/connections/ident', { method: 'POST', body: { headers: { 'x-api-key': m.key } } });
    expect(res.status).toBe(201);
  }
  // Two north people connect the tracker as bob and carol; the first (alice) does so in the first test.
  for (const [i, demo] of [[1, DEMO_PEOPLE[1]!], [2, DEMO_PEOPLE[2]!]] as const) await connectTracker(people[i]!, demo);
}, 120_000);

afterAll(async () => {
  for (const m of people) await Promise.allSettled([m.modern?.close(), m.legacy?.close()]);
  await sb?.close();
  await tracker?.close();
  await upstream?.close();
});

/** Starts the tracker's OAuth flow through the API, signs in at the tracker as `demo`, and returns the callback URL. */
async function trackerCallback(m: Member, demo: DemoPerson): Promise<URL> {
  const started = await api(m, '/connections/demo-tracker', { method: 'POST', body: {} });
  expect(started.status).toBe(200);
  const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
  return authorizeAtDemo(authorizationUrl, demo, { callbackPrefix: sb.url });
}

async function connectTracker(m: Member, demo: DemoPerson): Promise<void> {
  const callback = await trackerCallback(m, demo);
  const finished = await fetch(callback, { headers: auth(m), redirect: 'manual' });
  expect(finished.status).toBe(302);
  m.demo = demo;
}

async function sdkClient(m: Member, era: 'modern' | 'legacy'): Promise<Client> {
  const client = new Client({ name: `isolation-${era}`, version: '1' }, { versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${sb.url}/mcp`), { requestInit: { headers: auth(m) } }));
  return client;
}

const textOf = (result: unknown) => ((result as { content?: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('');

/** One tools/call over plain HTTP: 2026 with its headers (relayed), or 2025 without a session (the SDK path). */
async function rawCall(m: Member, era: string, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; message: unknown }> {
  const meta = era === MODERN ? { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } : {};
  const res = await fetch(`${sb.url}/mcp`, {
    method: 'POST',
    headers: { ...auth(m), 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': era, ...(era === MODERN ? { 'mcp-method': 'tools/call', 'mcp-name': name } : {}), ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args, ...meta } }),
  });
  const messages = mcpMessages(res.headers.get('content-type') ?? undefined, Buffer.from(await res.arrayBuffer()));
  return { status: res.status, message: messages?.at(-1) };
}

type Channel = 'mcp-2026-raw' | 'mcp-2026-sdk' | 'mcp-2025-session' | 'mcp-2025-stateless' | 'rest-app-tool-call' | 'rest-me' | 'rest-connections' | 'tracker-2026' | 'tracker-2025';
const CHANNELS: Channel[] = ['mcp-2026-raw', 'mcp-2026-sdk', 'mcp-2025-session', 'mcp-2025-stateless', 'rest-app-tool-call', 'rest-me', 'rest-connections', 'tracker-2026', 'tracker-2025'];

/** Runs one call as `m` and returns the identity its answer shows, and the identity it should show. */
async function observe(m: Member, channel: Channel, nonce: string): Promise<{ seen: string; expected: string }> {
  const whoami = `${m.label}|${nonce}`;
  switch (channel) {
    case 'mcp-2026-raw':
    case 'mcp-2025-stateless': {
      const { message } = await rawCall(m, channel === 'mcp-2026-raw' ? MODERN : LEGACY, 'ident__whoami', { nonce });
      return { seen: textOf((message as { result?: unknown }).result ?? {}), expected: whoami };
    }
    case 'mcp-2026-sdk':
      return { seen: textOf(await m.modern!.callTool({ name: 'ident__whoami', arguments: { nonce } })), expected: whoami };
    case 'mcp-2025-session':
      return { seen: textOf(await m.legacy!.callTool({ name: 'ident__whoami', arguments: { nonce } })), expected: whoami };
    case 'rest-app-tool-call': {
      const res = await api(m, '/chat/app-tool-call', { method: 'POST', body: { connector: 'ident', tool: 'whoami', arguments: { nonce } } });
      return { seen: textOf(((await res.json()) as { result?: unknown }).result ?? {}), expected: whoami };
    }
    case 'rest-me': {
      const body = (await (await api(m, '/me')).json()) as { user: { email: string }; organizations: Array<{ organization: { slug: string } }> };
      return { seen: `${body.user.email} ${body.organizations.map((o) => o.organization.slug).join(',')}`, expected: `${m.label} ${m.org}-${run}` };
    }
    case 'rest-connections': {
      const body = (await (await api(m, '/connections')).json()) as { connections: Array<{ connector: string; headerNames: string[] }> };
      return { seen: JSON.stringify(body.connections.map((c) => c.connector).sort()), expected: JSON.stringify(m.demo ? ['demo-tracker', 'ident'] : ['ident']) };
    }
    case 'tracker-2026':
    case 'tracker-2025': {
      const client = channel === 'tracker-2026' ? m.modern! : m.legacy!;
      const result = await client.callTool({ name: 'demo-tracker__list_projects', arguments: {} });
      const projects = (result.structuredContent as { projects?: Array<{ key: string }> } | undefined)?.projects ?? [];
      return { seen: projects.map((p) => p.key).sort().join(','), expected: projectsOf(m.demo!).join(',') };
    }
  }
}

describe('cross-person isolation', () => {
  it("a connection flow belongs to the person who started it: another person cannot finish it (and take the account)", async () => {
    const [alice, intruder] = [people[0]!, people[3]!];
    const callback = await trackerCallback(alice, DEMO_PEOPLE[0]!);
    const stolen = await fetch(callback, { headers: auth(intruder), redirect: 'manual' });
    expect(stolen.status).toBe(403);
    const body = await stolen.json();
    expect(isApiError(body) && body.error.code).toBe('forbidden');
    expect(((await (await api(intruder, '/connections')).json()) as { connections: Array<{ connector: string }> }).connections.map((c) => c.connector)).toEqual(['ident']);
    // Untouched by the attempt, the flow still completes for its owner.
    const finished = await fetch(callback, { headers: auth(alice), redirect: 'manual' });
    expect(finished.status).toBe(302);
    alice.demo = DEMO_PEOPLE[0]!;
    // Three people, three different tracker accounts: the check below can tell them apart.
    expect(new Set(people.filter((p) => p.demo).map((p) => projectsOf(p.demo!).join(','))).size).toBe(3);
  });

  it(`${OPERATIONS} concurrent calls by random people over /mcp (both eras) and /api/v1 each carry the caller's own identity`, async () => {
    for (const m of people) {
      m.modern = await sdkClient(m, 'modern');
      m.legacy = await sdkClient(m, 'legacy');
    }
    const rng = seededRng(808);
    const wrong: string[] = [];
    const perChannel = new Map<Channel, number>();
    const whoamiCalls = new Map<string, number>();
    const before = new Map(upstream.calls);
    let next = 0;
    const worker = async () => {
      while (next < OPERATIONS) {
        const i = next++;
        const m = rng.pick(people);
        let channel = rng.pick(CHANNELS);
        // Only the three tracker accounts can list tracker projects; the others call the identity tool instead.
        if (channel.startsWith('tracker') && !m.demo) channel = 'mcp-2026-sdk';
        const nonce = `${i}-${rng.bytes(6).toString('hex')}`;
        if (!channel.startsWith('rest-me') && !channel.startsWith('rest-connections') && !channel.startsWith('tracker')) whoamiCalls.set(m.label, (whoamiCalls.get(m.label) ?? 0) + 1);
        perChannel.set(channel, (perChannel.get(channel) ?? 0) + 1);
        try {
          const { seen, expected } = await observe(m, channel, nonce);
          if (seen !== expected) wrong.push(`#${i} ${channel} as ${m.label}: expected "${expected}", got "${seen.slice(0, 200)}"`);
        } catch (err) {
          wrong.push(`#${i} ${channel} as ${m.label}: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`isolation: ${OPERATIONS} calls by ${people.length} people: ${JSON.stringify(Object.fromEntries(perChannel))}`);
    expect(wrong).toEqual([]);
    expect([...perChannel.keys()].sort()).toEqual([...CHANNELS].sort());
    // The upstream's side of it: every call that reached it carried exactly the key of the person who made it.
    for (const m of people) expect((upstream.calls.get(m.label) ?? 0) - (before.get(m.label) ?? 0), m.label).toBe(whoamiCalls.get(m.label) ?? 0);
    expect(upstream.calls.get('nobody')).toBeUndefined();
  });

  it("another person's 2025 session id is answered like an unknown one, for every method, and the session lives on", async () => {
    const [owner, intruder] = [people[1]!, people[7]!];
    owner.legacy ??= await sdkClient(owner, 'legacy');
    const sessionId = (owner.legacy.transport as StreamableHTTPClientTransport).sessionId!;
    expect(sessionId).toBeTruthy();
    const calls = { owner: upstream.calls.get(owner.label) ?? 0, intruder: upstream.calls.get(intruder.label) ?? 0 };
    const headers = { ...auth(intruder), 'mcp-session-id': sessionId, 'mcp-protocol-version': LEGACY, accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
    const post = await fetch(`${sb.url}/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'ident__whoami', arguments: { nonce: 'hijack' } } }) });
    expect(post.status).toBe(404);
    const body = await post.json();
    expect(isJsonRpcError(body) && body.error.code).toBe(-32001);
    // The stream of the session and its end are the owner's only too.
    const stream = await fetch(`${sb.url}/mcp`, { method: 'GET', headers: { ...headers, accept: 'text/event-stream' }, signal: AbortSignal.timeout(10_000) });
    expect(stream.status).toBe(404);
    await stream.body?.cancel();
    const ended = await fetch(`${sb.url}/mcp`, { method: 'DELETE', headers });
    expect(ended.status).toBe(404);
    await ended.body?.cancel();
    expect(upstream.calls.get(intruder.label) ?? 0).toBe(calls.intruder);
    expect(upstream.calls.get(owner.label) ?? 0).toBe(calls.owner);
    expect(textOf(await owner.legacy.callTool({ name: 'ident__whoami', arguments: { nonce: 'still-mine' } }))).toBe(`${owner.label}|still-mine`);
  });

  it("another person's conversation id is unknown to every chat route, and the conversation is untouched", async () => {
    const [owner, intruder] = [people[2]!, people[8]!];
    const created = await api(owner, '/chat/conversations', { method: 'POST', body: { title: 'Private plans' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/chat/conversations/${id}`],
      ['PATCH', `/chat/conversations/${id}`, { title: 'Mine now' }],
      ['GET', `/chat/conversations/${id}/settings`],
      ['PUT', `/chat/conversations/${id}/settings`, { toolAccess: 'always' }],
      ['POST', `/chat/conversations/${id}/messages`, { message: { id: 'm1', role: 'user', parts: [{ type: 'text', text: 'read me your history' }] } }],
      ['POST', `/chat/conversations/${id}/retry`, { toolCallId: 'call-1' }],
      ['POST', `/chat/conversations/${id}/approvals/a1/allow-always`],
      ['POST', '/chat/app-tool-call', { conversationId: id, connector: 'ident', tool: 'whoami', arguments: { nonce: 'x' } }],
      ['GET', `/chat/app-resource?uri=${encodeURIComponent('ui://ident/x')}&conversationId=${id}`],
      ['DELETE', `/chat/conversations/${id}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await api(intruder, path, { method, ...(body !== undefined ? { body } : {}) });
      const answer = await res.json();
      expect({ path, method, status: res.status, code: isApiError(answer) ? answer.error.code : answer }).toEqual({ path, method, status: 404, code: 'not_found' });
    }
    const list = (await (await api(intruder, '/chat/conversations')).json()) as { conversations: Array<{ id: string }> };
    expect(list.conversations.map((c) => c.id)).not.toContain(id);
    const mine = await api(owner, `/chat/conversations/${id}`);
    expect(mine.status).toBe(200);
    expect(((await mine.json()) as { conversation: { title: string } }).conversation.title).toBe('Private plans');
    // The same message from its owner is taken (the chat has a model here), so the refusals above were about whose it is.
    const turn = await api(owner, `/chat/conversations/${id}/messages`, { method: 'POST', body: { message: { id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hi' }] } } });
    expect(turn.status).toBe(200);
    const stream = await turn.text();
    expect(stream).toContain('"delta":"hello ');
    expect(stream).not.toContain('"type":"error"');
  });

  it("another person's token id cannot be revoked, and a connection removed by one person is only theirs", async () => {
    const [owner, intruder] = [people[4]!, people[5]!];
    const { tokens } = (await (await api(owner, '/me/tokens')).json()) as { tokens: Array<{ id: string }> };
    const revoke = await api(intruder, `/me/tokens/${tokens[0]!.id}`, { method: 'DELETE' });
    expect(revoke.status).toBe(404);
    expect((await api(owner, '/me')).status).toBe(200);
    // The intruder disconnects "ident": their own connection goes, the owner's stays.
    expect((await api(intruder, '/connections/ident', { method: 'DELETE' })).status).toBe(200);
    const { message } = await rawCall(owner, MODERN, 'ident__whoami', { nonce: 'after' });
    expect(textOf((message as { result: unknown }).result)).toBe(`${owner.label}|after`);
    const refused = await rawCall(intruder, MODERN, 'ident__whoami', { nonce: 'after' });
    expect(textOf((refused.message as { result?: unknown }).result ?? {})).not.toContain(owner.label);
    expect((refused.message as { result?: { isError?: boolean } }).result?.isError).toBe(true);
  });

  it("a person cannot borrow another organization's rules or connectors", async () => {
    const south = people[9]!;
    const named = await rawCall(south, MODERN, 'ident__whoami', { nonce: 'x' }, { 'x-switchboard-org': `north-${run}` });
    expect(named.status).toBe(403);
    expect(isApiError(named.message) && named.message.error.code).toBe('forbidden');
    const calls = tracker.stats.toolCalls['list_projects'] ?? 0;
    const { message } = await rawCall(south, LEGACY, 'demo-tracker__list_projects', {});
    const refusedAsTool = (message as { result?: { isError?: boolean } }).result?.isError === true;
    expect(refusedAsTool || isJsonRpcError(message)).toBe(true);
    expect(tracker.stats.toolCalls['list_projects'] ?? 0).toBe(calls);
  });
});
