import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { turnRequestSchema } from '../../chat/history.ts';
import type { ChatService } from '../../chat/service.ts';
import type { Conversation } from '../../chat/store.ts';
import { MAX_TITLE } from '../../chat/store.ts';
import { TOOL_ACCESS_MODES } from '../../policy/tool-access.ts';
import { AppError } from '../../shared/app-error.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { SIGNED_IN } from '../schemas.ts';

/** The web chat (docs/chat.md): status, conversations, streamed answers, approvals, retries, MCP Apps calls. */

const security = SIGNED_IN;
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const tags = ['chat'];

const ModeOut = z.enum(TOOL_ACCESS_MODES);
const IdParam = z.object({ id: z.string().uuid().openapi({ description: "The conversation's id." }) });

const StatusOut = z
  .object({
    configured: z.boolean().openapi({ description: 'A chat model is configured: the chat can answer.' }),
    provider: z.string().nullable().openapi({ example: 'anthropic' }),
    model: z.string().nullable().openapi({ example: 'claude-sonnet-4-5' }),
    contextTokens: z.number().int().nullable().openapi({ description: "The model's context window (Auto's budget is a tenth of it)." }),
    banner: z.string().nullable().openapi({ description: 'When not configured: the sentence to show, saying how an operator configures a model. Everything else works meanwhile.' }),
    sandboxUrl: z.string().nullable().openapi({ description: 'The origin interactive apps (MCP Apps) render on: embed `<sandboxUrl>/sandbox.html?csp=…`. Null: the operator turned the sandbox off, so show tool results as text.', example: 'http://127.0.0.1:3001' }),
  })
  .openapi('ChatStatus');

const ConversationOut = z
  .object({
    id: z.string().uuid(),
    title: z.string(),
    organization: z.string().nullable().openapi({ description: 'The organization (slug) whose policy its tool calls run under; null: none.' }),
    toolAccess: ModeOut.nullable().openapi({ description: "The conversation's tool access override; null: your default mode." }),
    connectors: z.record(z.string(), z.boolean()).openapi({ description: 'Connectors switched off in this conversation (slug → false); the others are on.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Conversation');

const conversationOut = (c: Conversation): z.infer<typeof ConversationOut> => ({
  id: c.id,
  title: c.title,
  organization: c.orgSlug,
  toolAccess: c.toolAccess,
  connectors: c.connectors,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

const UIMessageOut = z
  .object({ id: z.string(), role: z.enum(['user', 'assistant', 'system']), parts: z.array(z.record(z.string(), z.unknown())), metadata: z.unknown().optional() })
  .passthrough()
  .openapi('UIMessage', { description: "An AI SDK UI message, as useChat holds it: text, tool and data parts (docs/chat.md#stream-parts)." });

const SettingsOut = z
  .object({
    toolAccess: z.object({
      override: ModeOut.nullable(),
      personDefault: ModeOut,
      mode: ModeOut.openapi({ description: 'In force: the override, else your default.' }),
      resolvesTo: z.enum(['always', 'on_demand']),
      reason: z.string(),
      definitionTokens: z.number().int(),
      budgetTokens: z.number().int(),
      contextTokens: z.number().int(),
    }),
    connectors: z.array(z.object({ connector: z.string(), name: z.string(), on: z.boolean(), tools: z.number().int() })).openapi({ description: 'Your connected connectors with tools, and whether each is on here.' }),
    advice: z.string().nullable().openapi({ description: 'Set from 10 connectors on: switch off what this conversation does not need.' }),
    problems: z.array(z.object({ connector: z.string(), message: z.string() })),
  })
  .openapi('ConversationSettings');

const SettingsIn = z
  .strictObject({
    toolAccess: ModeOut.nullable().optional().openapi({ description: 'Auto / Always available / On demand for this conversation; null: back to your default.' }),
    connectors: z.record(z.string().min(1).max(64), z.boolean()).optional().openapi({ description: 'slug → on (true) or off (false); connectors not named keep their setting.' }),
  })
  .openapi('ConversationSettingsRequest');

const SSE = {
  description:
    "The answer as an AI SDK UI message stream (Server-Sent Events, `x-vercel-ai-ui-message-stream: v1`): read it with useChat's transport. Besides the SDK's parts: data-approval, data-connect, data-refusal, data-app-choice, data-app-suggestion, data-tool-access (transient), data-error; tool parts carry toolMetadata {connector, connectorName, tool, decision, resourceUri?} (docs/chat.md#stream-parts).",
  content: { 'text/event-stream': { schema: z.string() } },
};

const TurnIn = turnRequestSchema.openapi('ChatTurnRequest', {
  description:
    "useChat's request body. A new message: `message` (or the last of `messages`) with role user and text parts. Approval answers: the last assistant message as useChat holds it after addToolApprovalResponse (only answers to approval requests stored here count). `retry: {toolCallId}` runs a paused call again after connecting. `focus: [slug]` uses only the app(s) picked from the chips. `trigger: regenerate-message` answers the last message again.",
});

const routes = {
  status: createRoute({ method: 'get', path: '/chat/status', tags, security, summary: 'Whether a chat model is configured; when not, the banner saying how to configure one', responses: { 200: { description: 'Status', ...json(StatusOut) }, ...errorResponses(401) } }),
  list: createRoute({ method: 'get', path: '/chat/conversations', tags, security, summary: 'Your conversations, most recently active first', responses: { 200: { description: 'Conversations', ...json(z.object({ conversations: z.array(ConversationOut) })) }, ...errorResponses(401) } }),
  create: createRoute({
    method: 'post',
    path: '/chat/conversations',
    tags,
    security,
    summary: 'Start a conversation (in your default organization unless `org` names another of yours)',
    request: { body: { required: false, ...json(z.strictObject({ title: z.string().max(MAX_TITLE).optional(), org: z.string().min(1).max(40).optional() }).openapi('ConversationCreateRequest')) } },
    responses: { 201: { description: 'Created', ...json(ConversationOut) }, ...errorResponses(400, 401, 403) },
  }),
  get: createRoute({ method: 'get', path: '/chat/conversations/{id}', tags, security, summary: 'A conversation with its messages (yours only)', request: { params: IdParam }, responses: { 200: { description: 'The conversation', ...json(z.object({ conversation: ConversationOut, messages: z.array(UIMessageOut) })) }, ...errorResponses(401, 404) } }),
  rename: createRoute({
    method: 'patch',
    path: '/chat/conversations/{id}',
    tags,
    security,
    summary: 'Rename a conversation',
    request: { params: IdParam, body: { required: true, ...json(z.strictObject({ title: z.string().min(1).max(MAX_TITLE) }).openapi('ConversationRenameRequest')) } },
    responses: { 200: { description: 'Renamed', ...json(ConversationOut) }, ...errorResponses(400, 401, 404) },
  }),
  remove: createRoute({ method: 'delete', path: '/chat/conversations/{id}', tags, security, summary: 'Delete a conversation and its messages', request: { params: IdParam }, responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 404, 409) } }),
  getSettings: createRoute({ method: 'get', path: '/chat/conversations/{id}/settings', tags, security, summary: "The conversation's tool access mode and connector toggles, with what the next turn loads and why", request: { params: IdParam }, responses: { 200: { description: 'Settings', ...json(SettingsOut) }, ...errorResponses(401, 404) } }),
  setSettings: createRoute({
    method: 'put',
    path: '/chat/conversations/{id}/settings',
    tags,
    security,
    summary: 'Set the tool access mode and connector toggles of a conversation',
    request: { params: IdParam, body: { required: true, ...json(SettingsIn) } },
    responses: { 200: { description: 'Settings now', ...json(SettingsOut) }, ...errorResponses(400, 401, 404) },
  }),
  messages: createRoute({
    method: 'post',
    path: '/chat/conversations/{id}/messages',
    tags,
    security,
    summary: "Send a message (or approval answers, or a retry) and stream the answer: useChat's endpoint",
    request: { params: IdParam, body: { required: true, ...json(TurnIn) } },
    responses: { 200: SSE, ...errorResponses(400, 401, 404, 409, 503) },
  }),
  retry: createRoute({
    method: 'post',
    path: '/chat/conversations/{id}/retry',
    tags,
    security,
    summary: 'After connecting in the OAuth popup: run the paused tool call again with the same input, and stream the rest of the answer',
    request: { params: IdParam, body: { required: true, ...json(z.strictObject({ toolCallId: z.string().min(1).max(200) }).openapi('ChatRetryRequest')) } },
    responses: { 200: SSE, ...errorResponses(400, 401, 404, 409, 503) },
  }),
  allowAlways: createRoute({
    method: 'post',
    path: '/chat/conversations/{id}/approvals/{approvalId}/allow-always',
    tags,
    security,
    summary: "Allow always: your own rule for the approval's tool becomes allow (never an organization's rule); then answer the approval to run this call",
    request: { params: IdParam.extend({ approvalId: z.string().min(1).max(200) }) },
    responses: {
      200: { description: 'Your rule is set', ...json(z.object({ changed: z.boolean(), connector: z.string(), tool: z.string(), reason: z.string(), rules: z.object({ categories: z.record(z.string(), z.string()), tools: z.record(z.string(), z.string()), disabled: z.boolean() }) })) },
      ...errorResponses(401, 404, 409),
    },
  }),
  appToolCall: createRoute({
    method: 'post',
    path: '/chat/app-tool-call',
    tags,
    security,
    summary: "MCP Apps host: call a tool on behalf of a rendered app (its own connector's tools whose visibility includes \"app\"), through the gateway with your permissions",
    request: {
      body: {
        required: true,
        ...json(
          z
            .strictObject({
              conversationId: z.string().uuid().optional().openapi({ description: 'The conversation the app is rendered in (its organization applies); your default organization otherwise.' }),
              connector: z.string().min(1).max(64).openapi({ description: "The app's connector (the tool part's toolMetadata.connector)." }),
              tool: z.string().min(1).max(128).openapi({ description: "The tool's own name at that connector." }),
              arguments: z.record(z.string(), z.unknown()).optional(),
              approved: z.boolean().optional().openapi({ description: 'The person confirmed this call in the host (needed for tools the policy asks about).' }),
            })
            .openapi('AppToolCallRequest'),
        ),
      },
    },
    responses: {
      200: {
        description: 'The MCP tool result, and what the host must do before it can work',
        ...json(
          z.object({
            result: z.record(z.string(), z.unknown()).openapi({ description: 'The MCP CallToolResult.' }),
            approvalRequired: z.object({ reason: z.string() }).nullable(),
            connect: z.object({ connector: z.string(), name: z.string(), connectUrl: z.string(), code: z.string() }).nullable(),
          }),
        ),
      },
      ...errorResponses(400, 401, 403, 404),
    },
  }),
  appResource: createRoute({
    method: 'get',
    path: '/chat/app-resource',
    tags,
    security,
    summary: "MCP Apps host: read a ui:// resource (a tool's resourceUri) through the gateway",
    request: { query: z.object({ uri: z.string().min(6).max(2000).openapi({ example: 'ui://demo-chat/channel.html' }), conversationId: z.string().uuid().optional() }) },
    responses: { 200: { description: 'The MCP ReadResourceResult', ...json(z.object({ contents: z.array(z.record(z.string(), z.unknown())) }).passthrough()) }, ...errorResponses(400, 401, 404, 502) },
  }),
};

function chatOf(c: Context<AppEnv>): ChatService {
  const chat = c.get('services').chat;
  if (!chat) throw new AppError(503, 'chat_unavailable', 'The chat is not part of this server. Use the Switchboard server started with `switchboard serve`.');
  return chat;
}

export function chatRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(routes.status, async (c) => {
    requirePrincipal(c);
    return c.json(chatOf(c).status(), 200);
  });

  app.openapi(routes.list, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json({ conversations: (await chatOf(c).list(userId)).map(conversationOut) }, 200);
  });

  app.openapi(routes.create, async (c) => {
    const { userId } = requirePrincipal(c);
    const body = c.req.valid('json') ?? {};
    return c.json(conversationOut(await chatOf(c).create(userId, body)), 201);
  });

  app.openapi(routes.get, async (c) => {
    const { userId } = requirePrincipal(c);
    const { conversation, messages } = await chatOf(c).get(userId, c.req.valid('param').id);
    return c.json({ conversation: conversationOut(conversation), messages: messages as unknown as Array<z.infer<typeof UIMessageOut>> }, 200);
  });

  app.openapi(routes.rename, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json(conversationOut(await chatOf(c).rename(userId, c.req.valid('param').id, c.req.valid('json').title)), 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { userId } = requirePrincipal(c);
    await chatOf(c).delete(userId, c.req.valid('param').id);
    return c.body(null, 204);
  });

  app.openapi(routes.getSettings, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json(await chatOf(c).settings(userId, c.req.valid('param').id, c.get('requestId')), 200);
  });

  app.openapi(routes.setSettings, async (c) => {
    const { userId } = requirePrincipal(c);
    return c.json(await chatOf(c).updateSettings(userId, c.req.valid('param').id, c.get('requestId'), c.req.valid('json')), 200);
  });

  app.openapi(routes.messages, async (c) => {
    const { userId } = requirePrincipal(c);
    // Everything that can be refused is refused before the first byte; after it, failures are parts of the stream.
    const response = await chatOf(c).respond(userId, c.req.valid('param').id, c.get('requestId'), c.req.valid('json'));
    return response as never;
  });

  app.openapi(routes.retry, async (c) => {
    const { userId } = requirePrincipal(c);
    const response = await chatOf(c).respond(userId, c.req.valid('param').id, c.get('requestId'), { retry: { toolCallId: c.req.valid('json').toolCallId } });
    return response as never;
  });

  app.openapi(routes.allowAlways, async (c) => {
    const { userId } = requirePrincipal(c);
    const { id, approvalId } = c.req.valid('param');
    const result = await chatOf(c).allowAlways(userId, id, approvalId, c.get('requestId'));
    return c.json({ changed: result.changed, connector: result.connector, tool: result.tool, reason: result.reason, rules: { categories: result.rules.categories, tools: result.rules.tools, disabled: result.rules.disabled } }, 200);
  });

  app.openapi(routes.appToolCall, async (c) => {
    const { userId } = requirePrincipal(c);
    const result = await chatOf(c).appToolCall(userId, c.get('requestId'), c.req.valid('json'));
    return c.json({ result: result.result as Record<string, unknown>, approvalRequired: result.approvalRequired, connect: result.connect }, 200);
  });

  app.openapi(routes.appResource, async (c) => {
    const { userId } = requirePrincipal(c);
    const { uri, conversationId } = c.req.valid('query');
    const result = await chatOf(c).appResource(userId, c.get('requestId'), uri, conversationId);
    return c.json(result as { contents: Array<Record<string, unknown>> }, 200);
  });
}
