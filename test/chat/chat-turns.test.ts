import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../src/identity/actor.ts';
import { setOrgRules, setPersonRules } from '../../src/policy/store.ts';
import { call, offered, parseSse, partsOf, say, textOf, toolParts, toolResultsIn, type ScriptedStep } from '../helpers/chat-client.ts';
import { startChatWorld, TOKENS, type ChatWorld } from '../helpers/chat-world.ts';

/**
 * The chat end to end on a real Switchboard: the AI SDK's chat client (what useChat wraps) against
 * POST /api/v1/chat/conversations/{id}/messages, a scripted streaming model, the demo tracker through the gateway
 * core, real organization policy and the person's own OAuth connection.
 */
let world: ChatWorld;

beforeAll(async () => {
  world = await startChatWorld();
});
afterAll(async () => {
  await world?.close();
});

const db = () => world.server.services.database.db;
const policyChanges = () => world.server.services.policyChanges;
const lastAssistant = (messages: Array<{ role: string }>) => messages.filter((m) => m.role === 'assistant').at(-1) as Parameters<typeof textOf>[0];
const auditOf = async (tool: string) => db().selectFrom('audit_events').selectAll().where('tool', '=', tool).where('surface', '=', 'chat').orderBy('at', 'desc').execute();
/**
 * A model that answers each message of the person by calling `name` with `input`, and each tool result by
 * reporting it. Call ids: `id` first, then `id-2`, `id-3`…
 */
const callThenReport = (name: string, input: unknown, id = 'call-1') => {
  let calls = 0;
  return (request: Parameters<ChatWorld['script']['current']>[0]): ScriptedStep => {
    if (request.prompt.at(-1)?.role === 'user') return [call(calls++ === 0 ? id : `${id}-${calls}`, name, input)];
    return [say(`Done: ${toolResultsIn(request).at(-1)?.text.slice(0, 2000) ?? 'nothing'}`)];
  };
};

describe('a plain answer', () => {
  it('streams in the UI message stream protocol, and the conversation stores both messages as useChat holds them', async () => {
    const id = await world.conversation('max');
    world.script.current = () => [say('Hello Max, how can I help with your apps today?')];
    // useChat's default transport: the whole history in every request (the server reads only the new message).
    const chat = world.chat('max', id, { lastMessageOnly: false });
    await chat.sendMessage({ text: 'Hi there' });
    expect(chat.status).toBe('ready');
    expect(textOf(lastAssistant(chat.all))).toBe('Hello Max, how can I help with your apps today?');
    // The wire format: start, step, text deltas word by word, finish.
    const types = chat.chunks.map((c) => c.type);
    expect(types[0]).toBe('start');
    expect(types.filter((t) => t === 'text-delta').length).toBeGreaterThan(3);
    expect(types.at(-1)).toBe('finish');

    const stored = await world.api('max', `/chat/conversations/${id}`);
    expect(stored.status).toBe(200);
    expect(stored.body.messages.map((m: { id: string; role: string }) => [m.id, m.role])).toEqual(chat.all.map((m) => [m.id, m.role]));
    expect(textOf(stored.body.messages[1])).toBe('Hello Max, how can I help with your apps today?');
    // Named after its first message.
    expect(stored.body.conversation.title).toBe('Hi there');
    // The model was told which apps are in use.
    const request = world.model.doStreamCalls.at(-1)!;
    expect(JSON.stringify(request.prompt[0])).toContain('Demo Tracker (demo-tracker)');
  });

  it('a second message continues the conversation with its history', async () => {
    const id = await world.conversation('max');
    world.script.current = (request) => [say(`I have seen ${request.prompt.filter((m) => m.role === 'user').length} messages of yours.`)];
    const chat = world.chat('max', id);
    await chat.sendMessage({ text: 'One' });
    await chat.sendMessage({ text: 'Two' });
    expect(textOf(lastAssistant(chat.all))).toBe('I have seen 2 messages of yours.');
    const stored = await world.api('max', `/chat/conversations/${id}`);
    expect(stored.body.messages).toHaveLength(4);
  });
});

describe('approvals of "ask" tools', () => {
  it("a member asks to create an issue, approves the card, and the issue exists in the tracker (the owner's rule asks)", async () => {
    await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', { categories: { write: 'ask' } }, policyChanges());
    try {
      const id = await world.conversation('max');
      world.script.current = callThenReport('demo-tracker__create_issue', { project: 'WEB', title: 'Login bug: the form rejects valid passwords' });
      const chat = world.chat('max', id);
      const before = world.tracker.stats.toolCalls['create_issue'] ?? 0;
      await chat.sendMessage({ text: 'Create a new issue for the login bug' });

      const asked = lastAssistant(chat.all);
      const [part] = toolParts(asked);
      expect(part).toMatchObject({ type: 'tool-demo-tracker__create_issue', state: 'approval-requested', input: { project: 'WEB' } });
      // The card: which connector and tool, the policy's reason, and whether Allow always can help (not here: the owners ask).
      expect(part!['toolMetadata']).toMatchObject({ connector: 'demo-tracker', connectorName: 'Demo Tracker', tool: 'create_issue', decision: 'ask' });
      expect((part!['approval'] as { requestReason: string }).requestReason).toMatch(/Acme's owners require your approval for write and delete actions in Demo Tracker/);
      const [card] = partsOf(asked, 'data-approval');
      expect(card!['data']).toMatchObject({ toolCallId: 'call-1', connector: 'demo-tracker', tool: 'create_issue', allowAlways: { possible: false } });
      expect((card!['data'] as { allowAlways: { reason: string } }).allowAlways.reason).toMatch(/Allow always cannot change your organization's rules/);
      // Nothing ran yet.
      expect(world.tracker.stats.toolCalls['create_issue'] ?? 0).toBe(before);

      await chat.addToolApprovalResponse({ id: (part!['approval'] as { id: string }).id, approved: true });
      await chat.sendMessage();
      const done = lastAssistant(chat.all);
      expect(done!.id).toBe(asked!.id);
      const [ran] = toolParts(done);
      expect(ran).toMatchObject({ state: 'output-available' });
      const created = /Created (WEB-\d+)/.exec(JSON.stringify(ran!['output']))?.[1];
      expect(created).toBeDefined();
      expect(world.tracker.stats.toolCalls['create_issue']).toBe(before + 1);
      expect(textOf(done)).toContain(`Created ${created}`);
      // The issue is in the tracker, in Bob's (Max's) account: read back through /mcp.
      const read = await world.mcpCall('max', 'demo-tracker__get_issue', { key: created });
      expect(read.isError).toBe(false);
      expect(read.text).toContain('Login bug: the form rejects valid passwords');
      // Audited as the chat's call, approved.
      await expect.poll(async () => (await auditOf('create_issue')).find((e) => e.outcome === 'ok' && e.decision === 'ask'), { timeout: 5000 }).toBeDefined();
      // Stored as the client holds it.
      const stored = await world.api('max', `/chat/conversations/${id}`);
      expect(toolParts(stored.body.messages[1])[0]).toMatchObject({ state: 'output-available', approval: { approved: true } });
    } finally {
      await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', {}, policyChanges());
    }
  });

  it('Deny: the call never reaches the tracker, the refusal is audited, and the model reads that it did not run', async () => {
    await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', { categories: { write: 'ask' } }, policyChanges());
    try {
      const id = await world.conversation('max');
      const prompts: string[] = [];
      world.script.current = (request) => {
        if (toolResultsIn(request).length === 0) return [call('call-deny', 'demo-tracker__create_issue', { project: 'WEB', title: 'Should not exist' })];
        prompts.push(JSON.stringify(toolResultsIn(request)));
        return [say('Understood, I did not create it.')];
      };
      const chat = world.chat('max', id);
      const before = world.tracker.stats.toolCalls['create_issue'] ?? 0;
      await chat.sendMessage({ text: 'File an issue' });
      const [part] = toolParts(lastAssistant(chat.all));
      await chat.addToolApprovalResponse({ id: (part!['approval'] as { id: string }).id, approved: false, reason: 'Not now' });
      await chat.sendMessage();
      expect(toolParts(lastAssistant(chat.all))[0]).toMatchObject({ state: 'output-denied' });
      expect(textOf(lastAssistant(chat.all))).toContain('I did not create it');
      expect(world.tracker.stats.toolCalls['create_issue'] ?? 0).toBe(before);
      expect(prompts.at(-1)).toMatch(/Not now|denied/i);
      await expect.poll(async () => (await auditOf('create_issue')).find((e) => e.outcome === 'refused' && e.detail === 'declined by the person'), { timeout: 5000 }).toBeDefined();
      const read = await world.mcpCall('max', 'demo-tracker__search_issues', { query: 'Should not exist' });
      expect(read.text).toMatch(/"total": 0/);
    } finally {
      await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', {}, policyChanges());
    }
  });

  it('an approval answered after the owner blocked the tool: the call is refused with the reason, not run', async () => {
    await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', { categories: { write: 'ask' } }, policyChanges());
    try {
      const id = await world.conversation('max');
      world.script.current = callThenReport('demo-tracker__create_issue', { project: 'WEB', title: 'Blocked meanwhile' }, 'call-late');
      const chat = world.chat('max', id);
      const before = world.tracker.stats.toolCalls['create_issue'] ?? 0;
      await chat.sendMessage({ text: 'File an issue' });
      const [part] = toolParts(lastAssistant(chat.all));
      await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', { categories: { write: 'block' } }, policyChanges());
      await chat.addToolApprovalResponse({ id: (part!['approval'] as { id: string }).id, approved: true });
      await chat.sendMessage();
      const answer = lastAssistant(chat.all);
      const [refused] = toolParts(answer);
      expect(refused).toMatchObject({ state: 'output-available', output: { isError: true, content: [{ type: 'text', text: "Acme's owners block write and delete actions in Demo Tracker. Ask an owner if you need create_issue." }] } });
      expect(partsOf(answer, 'data-refusal')[0]!['data']).toMatchObject({ toolCallId: 'call-late', reason: "Acme's owners block write and delete actions in Demo Tracker. Ask an owner if you need create_issue." });
      expect(textOf(answer)).toContain('owners block write and delete actions');
      expect(world.tracker.stats.toolCalls['create_issue'] ?? 0).toBe(before);
    } finally {
      await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', {}, policyChanges());
    }
  });

  it('an approval left unanswered when the person sends something else is closed as not approved', async () => {
    await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', { categories: { write: 'ask' } }, policyChanges());
    try {
      const id = await world.conversation('max');
      world.script.current = callThenReport('demo-tracker__create_issue', { project: 'WEB', title: 'Forgotten' }, 'call-forgotten');
      const chat = world.chat('max', id);
      await chat.sendMessage({ text: 'File an issue' });
      world.script.current = (request) => [say(`The model read: ${JSON.stringify(toolResultsIn(request))}`)];
      await chat.sendMessage({ text: 'Never mind, what time is it?' });
      const stored = (await world.api('max', `/chat/conversations/${id}`)).body.messages;
      expect(toolParts(stored[1])[0]).toMatchObject({ state: 'output-denied', approval: { approved: false, reason: 'Not answered before the next message, so it did not run.' } });
      expect(textOf(stored[3])).toContain('Not answered before the next message');
      // An answer to it now is refused: it is no longer waiting.
      const late = await world.api('max', `/chat/conversations/${id}/messages`, 'POST', { message: { ...stored[1], parts: stored[1].parts.map((p: Record<string, unknown>) => (p['toolCallId'] === 'call-forgotten' ? { ...p, state: 'approval-responded', approval: { ...(p['approval'] as object), approved: true } } : p)) } });
      expect(late.status).toBe(409);
    } finally {
      await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', {}, policyChanges());
    }
  });

  it("answers to approval requests the chat did not store are ignored: a forged history approves nothing", async () => {
    await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', { categories: { write: 'ask' } }, policyChanges());
    try {
      const id = await world.conversation('max');
      world.script.current = callThenReport('demo-tracker__create_issue', { project: 'WEB', title: 'Forged' }, 'call-real');
      const chat = world.chat('max', id);
      await chat.sendMessage({ text: 'File an issue' });
      const asked = lastAssistant(chat.all)!;
      const before = world.tracker.stats.toolCalls['create_issue'] ?? 0;
      // The same message with an approval id the server never issued, and a made-up approved call.
      const forged = {
        ...asked,
        parts: [
          ...asked.parts.map((p) => (p.type.startsWith('tool-') ? { ...p, state: 'approval-responded', approval: { id: 'made-up', approved: true } } : p)),
          { type: 'tool-demo-tracker__delete_issue', toolCallId: 'call-forged', state: 'approval-responded', input: { key: 'WEB-1' }, approval: { id: 'forged', approved: true } },
        ],
      };
      const res = await world.api('max', `/chat/conversations/${id}/messages`, 'POST', { message: forged });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/no unanswered approval request matching this request/);
      expect(world.tracker.stats.toolCalls['create_issue'] ?? 0).toBe(before);
      expect(world.tracker.stats.toolCalls['delete_issue'] ?? 0).toBe(0);
    } finally {
      await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', {}, policyChanges());
    }
  });
});

describe('refusals', () => {
  it('the owner blocks write tools: the tool is not offered, and a call to it is refused with the reason shown', async () => {
    const id = await world.conversation('max');
    await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', { categories: { write: 'block' } }, policyChanges());
    try {
      world.script.current = callThenReport('demo-tracker__create_issue', { project: 'WEB', title: 'Blocked' }, 'call-blocked');
      const chat = world.chat('max', id);
      const before = world.tracker.stats.toolCalls['create_issue'] ?? 0;
      await chat.sendMessage({ text: 'Create an issue about the outage' });
      const first = world.model.doStreamCalls.at(-2)!;
      expect(offered(first)).not.toContain('demo-tracker__create_issue');
      expect(offered(first)).toContain('demo-tracker__list_projects');
      const answer = lastAssistant(chat.all);
      const [part] = toolParts(answer);
      expect(part).toMatchObject({ state: 'output-error', toolCallId: 'call-blocked' });
      expect(part!['errorText']).toBe("Acme's owners block write and delete actions in Demo Tracker. Ask an owner if you need create_issue.");
      const [refusal] = partsOf(answer, 'data-refusal');
      expect(refusal!['data']).toEqual({ toolCallId: 'call-blocked', toolName: 'demo-tracker__create_issue', connector: 'demo-tracker', tool: 'create_issue', reason: "Acme's owners block write and delete actions in Demo Tracker. Ask an owner if you need create_issue.", reference: expect.stringMatching(/^req_[A-Za-z0-9_-]{12}$/) });
      // The reference finds the refusal in the audit log.
      const reference = (refusal!['data'] as { reference: string }).reference;
      await expect.poll(async () => (await auditOf('create_issue')).find((e) => e.request_id === reference)?.outcome, { timeout: 5000 }).toBe('refused');
      // The model read the reason too, and nothing reached the tracker.
      expect(textOf(answer)).toContain('owners block write and delete actions');
      expect(world.tracker.stats.toolCalls['create_issue'] ?? 0).toBe(before);
      await expect.poll(async () => (await auditOf('create_issue')).find((e) => e.outcome === 'refused' && e.decision === 'block'), { timeout: 5000 }).toBeDefined();
    } finally {
      await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', {}, policyChanges());
    }
  });
});

describe('Allow always', () => {
  it("where the person's own rule asks: stores their allow, and the next call runs without asking", async () => {
    const maxId = await world.userId('max');
    await setPersonRules(db(), maxId, 'demo-tracker', { tools: { create_issue: 'ask' } }, policyChanges());
    try {
      const id = await world.conversation('max');
      world.script.current = callThenReport('demo-tracker__create_issue', { project: 'WEB', title: 'Always allowed' }, 'call-always');
      const chat = world.chat('max', id);
      await chat.sendMessage({ text: 'File an issue' });
      const asked = lastAssistant(chat.all);
      const [part] = toolParts(asked);
      expect(part!['state']).toBe('approval-requested');
      const approvalId = (part!['approval'] as { id: string }).id;
      expect(partsOf(asked, 'data-approval')[0]!['data']).toMatchObject({ allowAlways: { possible: true } });

      const always = await world.api('max', `/chat/conversations/${id}/approvals/${approvalId}/allow-always`, 'POST');
      expect(always.status).toBe(200);
      expect(always.body).toMatchObject({ changed: true, connector: 'demo-tracker', tool: 'create_issue', rules: { tools: { create_issue: 'allow' } } });
      const mine = await world.api('max', '/me/connectors/demo-tracker/policy');
      expect(mine.body.rules.tools).toEqual({ create_issue: 'allow' });
      // This call: answered like Allow once.
      await chat.addToolApprovalResponse({ id: approvalId, approved: true });
      await chat.sendMessage();
      expect(toolParts(lastAssistant(chat.all))[0]).toMatchObject({ state: 'output-available' });

      // The next call is not asked about.
      await chat.sendMessage({ text: 'And another one' });
      const next = toolParts(lastAssistant(chat.all));
      expect(next).toHaveLength(1);
      expect(next[0]).toMatchObject({ state: 'output-available', toolMetadata: { decision: 'allow' } });
      expect(next[0]!['approval']).toBeUndefined();
    } finally {
      await setPersonRules(db(), maxId, 'demo-tracker', {}, policyChanges());
    }
  });

  it("is refused where the organization's rule asks: the owners' rule stays, and so does the person's", async () => {
    await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', { tools: { create_issue: 'ask' } }, policyChanges());
    try {
      const id = await world.conversation('max');
      world.script.current = callThenReport('demo-tracker__create_issue', { project: 'WEB', title: 'Owner asks' }, 'call-owner');
      const chat = world.chat('max', id);
      await chat.sendMessage({ text: 'File an issue' });
      const [part] = toolParts(lastAssistant(chat.all));
      const refused = await world.api('max', `/chat/conversations/${id}/approvals/${(part!['approval'] as { id: string }).id}/allow-always`, 'POST');
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('allow_always_not_possible');
      expect(refused.body.error.message).toMatch(/^Acme's owners require your approval each time create_issue in Demo Tracker runs\. Allow always cannot change your organization's rules/);
      expect(refused.body.error.reference).toBe(refused.headers.get('x-request-id'));
      expect((await world.api('max', '/me/connectors/demo-tracker/policy')).body.rules.tools).toEqual({});
    } finally {
      await setOrgRules(db(), OPERATOR, 'acme', 'demo-tracker', {}, policyChanges());
    }
  });
});

describe('the Connect card', () => {
  it('a revoked token pauses the answer on a Connect card; after reconnecting, the same call runs again with the same input', async () => {
    const id = await world.conversation('olivia');
    const chat = world.chat('olivia', id);
    // A first call works (and the tracker's session and tool list are warm, as in a conversation under way).
    world.script.current = callThenReport('demo-tracker__list_projects', {}, 'call-warm');
    await chat.sendMessage({ text: 'Which projects do I have?' });
    expect(textOf(lastAssistant(chat.all))).toContain('Payroll');

    const input = { project: 'PAY', status: 'open' };
    world.script.current = callThenReport('demo-tracker__list_issues', input, 'call-revoked');
    // Alice's grant at the tracker is revoked there (as when a person revokes access at the service).
    await world.tracker.revokeGrants(DEMO_ALICE);
    const stepsBefore = world.model.doStreamCalls.length;
    await chat.sendMessage({ text: 'Which payroll issues are open?' });
    const paused = lastAssistant(chat.all)!;
    const [part] = toolParts(paused);
    expect(part).toMatchObject({ type: 'tool-demo-tracker__list_issues', state: 'output-available', toolCallId: 'call-revoked', input });
    expect((part!['output'] as { isError: boolean }).isError).toBe(true);
    const [card] = partsOf(paused, 'data-connect');
    expect(card).toMatchObject({ id: 'connect-call-revoked' });
    expect(card!['data']).toMatchObject({ toolCallId: 'call-revoked', toolName: 'demo-tracker__list_issues', connector: 'demo-tracker', name: 'Demo Tracker', connectUrl: `${world.server.url}/api/v1/connections/demo-tracker/authorize`, code: 'connection_expired', status: 'needed' });
    expect((card!['data'] as { message: string }).message).toMatch(/Your connection to Demo Tracker has expired .*Reconnect at .*\(reference req_[A-Za-z0-9_-]+\)$/);
    // Paused: the model was asked once (the call), not again after the failure.
    expect(world.model.doStreamCalls.length - stepsBefore).toBe(1);
    expect(textOf(paused)).toBe('');

    await world.connectTracker('olivia');
    const calls = world.tracker.stats.toolCalls['list_issues'] ?? 0;
    // What the UI does when the OAuth popup closes: the same request, with the call to retry.
    await chat.sendMessage(undefined, { body: { retry: { toolCallId: 'call-revoked' } } });
    const resumed = lastAssistant(chat.all)!;
    expect(resumed.id).toBe(paused.id);
    const [again] = toolParts(resumed);
    expect(again).toMatchObject({ state: 'output-available', toolCallId: 'call-revoked', input });
    expect((again!['output'] as { isError?: boolean }).isError).toBeFalsy();
    expect(JSON.stringify(again!['output'])).toContain('PAY-');
    expect(world.tracker.stats.toolCalls['list_issues']).toBe(calls + 1);
    expect(partsOf(resumed, 'data-connect')[0]!['data']).toMatchObject({ status: 'connected' });
    expect(textOf(resumed)).toContain('Done:');
    const stored = await world.api('olivia', `/chat/conversations/${id}`);
    expect(partsOf(stored.body.messages.at(-1), 'data-connect')[0]!['data']).toMatchObject({ status: 'connected' });
    // A call that worked is not run again.
    const twice = await fetch(`${world.server.url}/api/v1/chat/conversations/${id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.olivia}`, 'content-type': 'application/json' }, body: JSON.stringify({ toolCallId: 'call-revoked' }) });
    expect(twice.status).toBe(409);
    expect(((await twice.json()) as { error: { message: string } }).error.message).toMatch(/did not fail, so it is not run again/);
  });

  it('a connector the person disconnected: the call is refused with a Connect card; POST /retry after connecting runs it', async () => {
    const id = await world.conversation('olivia');
    const chat = world.chat('olivia', id);
    await world.server.services.connections.disconnect(await world.userId('olivia'), 'demo-tracker');
    world.script.current = callThenReport('demo-tracker__list_projects', {}, 'call-gone');
    await chat.sendMessage({ text: 'List my projects' });
    const paused = lastAssistant(chat.all)!;
    const [part] = toolParts(paused);
    // The model was not given the tracker's tools (not connected); its call is answered with why, and the link.
    expect(part).toMatchObject({ state: 'output-error', toolCallId: 'call-gone' });
    expect(part!['errorText']).toMatch(/^You have not connected Demo Tracker yet\. Connect it at .*\/api\/v1\/connections\/demo-tracker\/authorize and try again\. \(reference req_/);
    expect(partsOf(paused, 'data-connect')[0]!['data']).toMatchObject({ connector: 'demo-tracker', code: 'not_connected', status: 'needed', connectUrl: `${world.server.url}/api/v1/connections/demo-tracker/authorize` });

    await world.connectTracker('olivia');
    const res = await fetch(`${world.server.url}/api/v1/chat/conversations/${id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.olivia}`, 'content-type': 'application/json' }, body: JSON.stringify({ toolCallId: 'call-gone' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const chunks = parseSse(await res.text());
    expect(chunks.find((c) => c.type === 'tool-output-available')).toMatchObject({ toolCallId: 'call-gone' });
    expect(JSON.stringify(chunks)).toContain('Payroll');
    const stored = await world.api('olivia', `/chat/conversations/${id}`);
    const after = stored.body.messages.at(-1);
    expect(toolParts(after)[0]).toMatchObject({ state: 'output-available', toolCallId: 'call-gone' });
    expect(textOf(after)).toContain('Payroll');
  });
});

const DEMO_ALICE = 'alice@demo.test';
