import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { DEMO_PEOPLE, startDemoService, type DemoServiceHandle } from '../../demo/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { enableConnector } from '../../src/policy/store.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { streamingModel, TestChat, type ScriptedStep } from './chat-client.ts';
import { processStorage } from './db.ts';
import { authorizeAtDemo } from './demo-browser.ts';

/**
 * A real Switchboard for chat tests: the demo tracker (OAuth, per-person data) enabled for Acme, Olivia (owner)
 * connected as Alice and Max (member) as Bob, Zoe in another organization, and a scripted streaming model
 * injected through `startServer({ chatModel })` — the way the browser tests drive the chat.
 */
export const TOKENS = { olivia: 'sbp_test_olivia_chat_1', max: 'sbp_test_max_chat_1', zoe: 'sbp_test_zoe_chat_1' } as const;
export type Person = keyof typeof TOKENS;
const DEMO_ACCOUNT = { olivia: DEMO_PEOPLE[0]!, max: DEMO_PEOPLE[1]! };

export interface ChatWorld {
  server: RunningServer;
  tracker: DemoServiceHandle;
  script: Parameters<typeof streamingModel>[0];
  model: ReturnType<typeof streamingModel>;
  userId(person: Person): Promise<string>;
  api(person: Person, route: string, method?: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  conversation(person: Person, body?: Record<string, unknown>): Promise<string>;
  chat(person: Person, conversationId: string, options?: { lastMessageOnly?: boolean }): TestChat;
  /** Connects (or reconnects) the person's tracker account through the real OAuth flow. */
  connectTracker(person: 'olivia' | 'max'): Promise<void>;
  /** Calls a tool through /mcp as the person (a real MCP client), for checking what exists at the connector. */
  mcpCall(person: Person, name: string, args: Record<string, unknown>): Promise<{ isError: boolean; text: string }>;
  close(): Promise<void>;
}

export async function startChatWorld(options: { model?: boolean } = {}): Promise<ChatWorld> {
  const storage = await processStorage('sb-chat-');
  const tracker = await startDemoService('tracker', { port: 0, onError: () => {} });
  const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
  writeFileSync(
    file,
    [
      'organizations:',
      '  - slug: acme',
      '    name: Acme',
      '    plan: team',
      '    members:',
      `      - { email: olivia@acme.test, role: owner, tokens: [${TOKENS.olivia}] }`,
      `      - { email: max@acme.test, role: member, tokens: [${TOKENS.max}] }`,
      '  - slug: globex',
      '    name: Globex',
      '    plan: team',
      '    members:',
      `      - { email: zoe@globex.test, role: owner, tokens: [${TOKENS.zoe}] }`,
      '',
    ].join('\n'),
  );
  const script: ChatWorld['script'] = { current: (): ScriptedStep => [{ type: 'text', text: 'Nothing scripted.' }] };
  const model = streamingModel(script);
  const server = await startServer(loadConfig({ env: { ...storage.env, PORT: '0', SWITCHBOARD_DEMO: 'off', LOG_LEVEL: 'silent', SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' }, configFile: file }), {
    logger: createLogger('silent'),
    ...(options.model === false ? {} : { chatModel: model }),
  });
  const db = server.services.database.db;
  await upsertListing(db, { slug: 'demo-tracker', name: 'Demo Tracker', tagline: 'Issues', description: 'The demo issue tracker: projects and issues.', category: 'productivity', mcpUrl: tracker.url, authKind: 'oauth', source: 'demo', origin: 'demo:tracker' });
  await enableConnector(db, OPERATOR, 'acme', 'demo-tracker', server.services.policyChanges);

  const userId = async (person: Person) => (await db.selectFrom('users').select('id').where('email', '=', { olivia: 'olivia@acme.test', max: 'max@acme.test', zoe: 'zoe@globex.test' }[person]).executeTakeFirstOrThrow()).id;
  const connectTracker = async (person: 'olivia' | 'max') => {
    const { authorizationUrl } = await server.services.connections.startOAuth(await userId(person), 'demo-tracker');
    const callback = await authorizeAtDemo(authorizationUrl, DEMO_ACCOUNT[person], { callbackPrefix: server.url });
    await server.services.connections.finishOAuth(callback.searchParams);
  };
  await connectTracker('olivia');
  await connectTracker('max');

  const api: ChatWorld['api'] = async (person, route, method = 'GET', body) => {
    const res = await fetch(`${server.url}/api/v1${route}`, { method, headers: { authorization: `Bearer ${TOKENS[person]}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  return {
    server,
    tracker,
    script,
    model,
    userId,
    api,
    conversation: async (person, body = {}) => {
      const res = await api(person, '/chat/conversations', 'POST', body);
      if (res.status !== 201) throw new Error(`creating a conversation answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body.id as string;
    },
    chat: (person, conversationId, chatOptions = {}) => new TestChat({ baseUrl: server.url, token: TOKENS[person], conversationId, ...chatOptions }),
    connectTracker,
    mcpCall: async (person, name, args) => {
      const client = new Client({ name: 'check', version: '1' }, { versionNegotiation: { mode: 'auto' } });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TOKENS[person]}` } } }));
      try {
        const result = await client.callTool({ name, arguments: args });
        const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
        return { isError: result.isError === true, text: content.map((c) => c.text ?? '').join('\n') };
      } finally {
        await client.close();
      }
    },
    close: async () => {
      await server.close();
      await tracker.close();
      await storage.drop();
    },
  };
}
