import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatWorld, TOKENS, type ChatWorld } from '../helpers/chat-world.ts';

/**
 * /api/v1/chat on a server without a chat model: the status says how to configure one, conversations still work,
 * a message is refused with that sentence and a reference, and the rest of Switchboard is untouched.
 */
let world: ChatWorld;

beforeAll(async () => {
  world = await startChatWorld({ model: false });
});
afterAll(async () => {
  await world?.close();
});

describe('without a chat model', () => {
  it('the status says so, with the banner explaining how an operator configures one', async () => {
    const status = await world.api('max', '/chat/status');
    expect(status.status).toBe(200);
    expect(status.body).toEqual({
      configured: false,
      provider: null,
      model: null,
      contextTokens: null,
      banner: expect.stringMatching(/^No chat model is configured, so the chat cannot answer yet\. An operator sets one with SWITCHBOARD_CHAT_PROVIDER \(anthropic, openai or openai-compatible\), SWITCHBOARD_CHAT_MODEL and SWITCHBOARD_CHAT_API_KEY .*Everything else works without it/),
      // Interactive apps still have their origin: the sandbox, apart from the web app's.
      sandboxUrl: world.server.sandboxUrl,
    });
    expect(new URL(status.body.sandboxUrl).origin).not.toBe(new URL(world.server.url).origin);
  });

  it('conversations can be created, listed, renamed and configured; sending a message is refused with the banner and a reference', async () => {
    const created = await world.api('max', '/chat/conversations', 'POST', {});
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'New conversation', organization: 'acme', toolAccess: null, connectors: {} });
    const id = created.body.id as string;
    expect((await world.api('max', '/chat/conversations')).body.conversations.map((c: { id: string }) => c.id)).toContain(id);
    expect((await world.api('max', `/chat/conversations/${id}`, 'PATCH', { title: 'Planning' })).body.title).toBe('Planning');
    const settings = await world.api('max', `/chat/conversations/${id}/settings`);
    expect(settings.status).toBe(200);
    expect(settings.body.connectors).toEqual([{ connector: 'demo-tracker', name: 'Demo Tracker', on: true, tools: 7 }]);

    const refused = await world.api('max', `/chat/conversations/${id}/messages`, 'POST', { message: { role: 'user', parts: [{ type: 'text', text: 'Hello' }] } });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({ code: 'chat_not_configured', message: expect.stringMatching(/^No chat model is configured/), reference: refused.headers.get('x-request-id') });
    expect((await world.api('max', `/chat/conversations/${id}`)).body.messages).toEqual([]);
  });

  it('everything else works: the account, connections, the directory and /mcp', async () => {
    expect((await world.api('max', '/me')).status).toBe(200);
    expect((await world.api('max', '/connections')).body.connections.map((c: { connector: string }) => c.connector)).toEqual(['demo-tracker']);
    expect((await world.api('max', '/connectors?q=tracker')).status).toBe(200);
    const projects = await world.mcpCall('max', 'demo-tracker__list_projects', {});
    expect(projects.isError).toBe(false);
    expect(projects.text).toContain('WEB');
  });
});

describe('the API', () => {
  it('the OpenAPI document describes every chat route', async () => {
    const doc = await fetch(`${world.server.url}/api/v1/openapi.json`).then((r) => r.json() as Promise<{ paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> }>);
    const paths = Object.entries(doc.paths).filter(([p]) => p.startsWith('/chat')).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(paths.sort()).toEqual(
      [
        'GET /chat/status',
        'GET /chat/conversations',
        'POST /chat/conversations',
        'GET /chat/conversations/{id}',
        'PATCH /chat/conversations/{id}',
        'DELETE /chat/conversations/{id}',
        'GET /chat/conversations/{id}/settings',
        'PUT /chat/conversations/{id}/settings',
        'POST /chat/conversations/{id}/messages',
        'POST /chat/conversations/{id}/retry',
        'POST /chat/conversations/{id}/approvals/{approvalId}/allow-always',
        'POST /chat/app-tool-call',
        'GET /chat/app-resource',
      ].sort(),
    );
    expect(Object.keys(doc.paths['/chat/conversations/{id}/messages']!['post']!.responses['200']!.content!)).toEqual(['text/event-stream']);
  });

  it('needs a signed-in person, and refuses bad input in the one error shape', async () => {
    const anonymous = await fetch(`${world.server.url}/api/v1/chat/conversations`);
    expect(anonymous.status).toBe(401);
    const notAnId = await world.api('max', '/chat/conversations/not-a-uuid');
    expect(notAnId.status).toBe(400);
    expect(notAnId.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^The request is not valid: id: /) });
    const otherOrg = await world.api('max', '/chat/conversations', 'POST', { org: 'globex' });
    expect(otherOrg.status).toBe(403);
    expect(otherOrg.body.error.message).toMatch(/You are not a member of an organization "globex"/);
    const zoe = await world.api('zoe', '/chat/conversations', 'POST', { org: 'globex', title: 'Ops' });
    expect(zoe.body).toMatchObject({ organization: 'globex', title: 'Ops' });
    const status = await fetch(`${world.server.url}/api/v1/chat/status`, { headers: { authorization: `Bearer ${TOKENS.zoe}` } });
    expect(status.status).toBe(200);
  });
});
