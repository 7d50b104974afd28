import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoService, type DemoServiceHandle } from '../../demo/index.ts';
import { callTool, connectAs, InMemoryOAuthClient, type DemoConnection } from '../helpers/demo-oauth.ts';

let chat: DemoServiceHandle;
let alice: DemoConnection;
let bob: DemoConnection;

beforeAll(async () => {
  chat = await startDemoService('chat', { port: 0 });
  // Alice's client registers as a confidential client (client_secret_basic), Bob's as a public one.
  alice = await connectAs(chat.url, { email: 'alice@demo.test', password: 'alice-demo-password' }, { era: 'legacy', oauth: new InMemoryOAuthClient({ confidential: true }) });
  bob = await connectAs(chat.url, { email: 'bob@demo.test', password: 'bob-demo-password' }, { era: 'modern' });
});

afterAll(async () => {
  await alice?.client.close();
  await bob?.client.close();
  await chat?.close();
});

const channelsOf = async (c: DemoConnection) => ((await callTool(c.client, 'list_channels')).data.channels as Array<{ name: string }>).map((ch) => ch.name);

describe('demo chat', () => {
  it('registered a confidential and a public client', () => {
    expect(alice.oauth.clientInformation()).toMatchObject({ client_secret: expect.any(String) });
    expect(bob.oauth.clientInformation()?.client_secret).toBeUndefined();
  });

  it('has the chat scopes and honest annotations', async () => {
    expect(bob.oauth.tokens()?.scope).toBe('chat.read chat.write');
    const { tools } = await bob.client.listTools();
    const annotations = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(annotations.list_channels).toMatchObject({ readOnlyHint: true, openWorldHint: false });
    expect(annotations.read_messages).toMatchObject({ readOnlyHint: true, openWorldHint: false });
    expect(annotations.post_message).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false });
  });

  it('shows each person only the private channels they are in', async () => {
    expect(await channelsOf(alice)).toEqual(['general', 'random', 'leadership']);
    expect(await channelsOf(bob)).toEqual(['general', 'random', 'engineering']);

    const leadership = await callTool(alice.client, 'read_messages', { channel: '#leadership' });
    expect((leadership.data.messages as unknown[]).length).toBe(2);
    const refused = await callTool(bob.client, 'read_messages', { channel: 'leadership' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toBe('No channel "leadership" that you can see. Call list_channels for the channels you can use.');
    expect((await callTool(bob.client, 'post_message', { channel: 'leadership', text: 'hello?' })).isError).toBe(true);
  });

  it('posts a message as the signed-in person, visible to the others in the channel', async () => {
    const posted = await callTool(bob.client, 'post_message', { channel: 'general', text: 'Demo day is on Friday.' });
    expect(posted.data.message).toMatchObject({ channel: 'general', author: 'bob@demo.test', text: 'Demo day is on Friday.' });
    const read = await callTool(alice.client, 'read_messages', { channel: 'general', limit: 1 });
    expect(read.data.messages).toEqual([expect.objectContaining({ author: 'bob@demo.test', text: 'Demo day is on Friday.' })]);
  });
});
