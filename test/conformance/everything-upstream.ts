import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  completable,
  createMcpHandler,
  createRequestStateCodec,
  fromJsonSchema,
  hostHeaderValidationResponse,
  inputRequired,
  inputResponse,
  isInitializeRequest,
  isLegacyRequest,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  McpServer,
  originValidationResponse,
  ResourceTemplate,
  WebStandardStreamableHTTPServerTransport,
  type CallToolResult,
  type ElicitRequestFormParams,
  type InputRequest,
  type EventStore,
  type InputRequests,
  type InputRequiredResult,
  type JSONRPCMessage,
  type ServerNotifier,
} from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * The MCP "everything" server the conformance server suites (0.1.16 for 2025-11-25, 0.2.0-alpha for
 * 2026-07-28) expect, on SDK v2. Tool, resource and prompt names are fixed by the suites.
 *
 * One endpoint, two eras: requests carrying the 2026-07-28 per-request envelope go to `createMcpHandler`
 * (stateless, a fresh server per request, MRTR instead of server→client requests); everything else is
 * 2025-era traffic served with real sessions, an event store for SSE resumption, the GET stream and DELETE.
 */

const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV_EMPTY = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const emptyArgs = z.object({});

const nameSchema = z.object({ name: z.string() });
const colorSchema = z.object({ color: z.string() });
const confirmSchema = z.object({ ok: z.boolean() });
const contextSchema = z.object({ context: z.string() });
const samplingReply = z.object({ content: z.object({ text: z.string() }) });
const roundState = z.object({ round: z.number(), name: z.string().optional() });
const declaredCapabilities = z.object({ elicitation: z.unknown(), sampling: z.unknown(), roots: z.unknown() }).partial();
/** Held in a variable: SDK 2.4's JsonSchemaType has no `x-mcp-header`, and only a fresh literal is excess-property checked. */
const REGION_PROPERTY = { type: 'string', 'x-mcp-header': 'Region' } as const;

/** What a legacy tool does with an elicitation reply, kept as one line the suites can read back. */
function describeElicitation(result: { action: string; content?: unknown }): string {
  return `action=${result.action}, content=${JSON.stringify(result.content ?? {})}`;
}

/** The SEP-1330 enum variants, including the deprecated `enumNames` form the scenario still checks. */
type ElicitSchema = ElicitRequestFormParams['requestedSchema'];
const ENUM_FORM: ElicitSchema = {
  type: 'object',
  properties: {
    untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    titledSingle: {
      type: 'string',
      oneOf: [
        { const: 'value1', title: 'First Option' },
        { const: 'value2', title: 'Second Option' },
        { const: 'value3', title: 'Third Option' },
      ],
    },
    legacyEnum: { type: 'string', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
    untitledMulti: { type: 'array', minItems: 1, maxItems: 3, items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
    titledMulti: {
      type: 'array',
      minItems: 1,
      maxItems: 3,
      items: {
        anyOf: [
          { const: 'value1', title: 'First Choice' },
          { const: 'value2', title: 'Second Choice' },
          { const: 'value3', title: 'Third Choice' },
        ],
      },
    },
  },
  required: [],
};

const DEFAULTS_FORM: ElicitRequestFormParams['requestedSchema'] = {
  type: 'object',
  properties: {
    name: { type: 'string', default: 'John Doe' },
    age: { type: 'integer', default: 30 },
    score: { type: 'number', default: 95.5 },
    status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
    verified: { type: 'boolean', default: true },
  },
  required: [],
};

interface FixtureHooks {
  /** The modern handler's change-event bus: the listen triggers publish here (it exists only after the handler does). */
  notify(): ServerNotifier;
  /** Shared by every server instance, since a 2026 MRTR retry lands on a different instance than the one that minted the state. */
  codec: ReturnType<typeof createRequestStateCodec<Record<string, unknown>>>;
}

function buildServer(hooks: FixtureHooks): McpServer {
  const { codec } = hooks;
  const server = new McpServer(
    { name: 'switchboard-everything-upstream', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        // Deprecated in 2026-07-28 but still what 2025 logging/setLevel negotiates on.
        logging: {},
        completions: {},
      },
      // Tampered or expired state is rejected with -32602 before any handler runs.
      requestState: { verify: codec.verify },
    },
  );

  // ----- plain content tools -----
  server.registerTool('test_simple_text', { description: 'Returns one text block.' }, async () => text('This is a simple text response for testing.'));
  server.registerTool('test_image_content', { description: 'Returns one image block.' }, async () => ({
    content: [{ type: 'image', data: PNG_1X1, mimeType: 'image/png' }],
  }));
  server.registerTool('test_audio_content', { description: 'Returns one audio block.' }, async () => ({
    content: [{ type: 'audio', data: WAV_EMPTY, mimeType: 'audio/wav' }],
  }));
  server.registerTool('test_embedded_resource', { description: 'Returns an embedded resource.' }, async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  server.registerTool('test_multiple_content_types', { description: 'Returns text, image and resource blocks.' }, async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG_1X1, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
    ],
  }));
  server.registerTool('test_error_handling', { description: 'Always fails (isError result).' }, async () => {
    throw new Error('This tool intentionally returns an error for testing');
  });

  // ----- notifications during a call -----
  // Raw notifications rather than ctx.mcpReq.log, so no session log level can filter out the three the scenario counts.
  server.registerTool('test_tool_with_logging', { description: 'Sends three log notifications while running.', inputSchema: emptyArgs }, async (_args, ctx) => {
    for (const [i, data] of ['Tool execution started', 'Tool processing data', 'Tool execution completed'].entries()) {
      if (i > 0) await sleep(50);
      await ctx.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data } });
    }
    return text('Tool with logging executed successfully');
  });
  server.registerTool('test_tool_with_progress', { description: 'Reports progress 0/50/100 when given a progress token.', inputSchema: emptyArgs }, async (_args, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    // Progress without a client token is forbidden, so the token decides whether there is any.
    if (progressToken !== undefined) {
      for (const progress of [0, 50, 100]) {
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` } });
        if (progress < 100) await sleep(50);
      }
    }
    return text(String(progressToken ?? 'no-progress-token'));
  });
  // 2026 server-stateless check: ctx.mcpReq.log is gated on the request's _meta logLevel, so nothing is sent without one.
  server.registerTool('test_logging_tool', { description: 'Logs through the level-gated request logger.', inputSchema: emptyArgs }, async (_args, ctx) => {
    await ctx.mcpReq.log('info', 'test_logging_tool ran');
    return text('logged through the request-scoped channel');
  });

  // ----- Asking the client during a call, in either era -----
  // A dual-era server asks the way the request's era allows: a server→client request on a 2025 session,
  // an input-required round trip on 2026-07-28 (which forbids server→client requests). The 2025 suite
  // meets the first form directly, and the second through a gateway that speaks 2026 to this server.
  const modern = (ctx: { mcpReq: { envelope?: object | undefined } }) => Object.keys(ctx.mcpReq.envelope ?? {}).length > 0;
  const elicitEitherEra = async (
    ctx: Parameters<Parameters<typeof server.registerTool>[2]>[1],
    key: string,
    params: { message: string; requestedSchema: ElicitSchema },
    done: (result: { action: string; content?: unknown }) => CallToolResult,
  ): Promise<CallToolResult | InputRequiredResult> => {
    if (!modern(ctx)) return done(await ctx.mcpReq.elicitInput(params));
    const reply = inputResponse(ctx.mcpReq.inputResponses, key);
    if (reply.kind === 'elicit') return done({ action: reply.action, ...(reply.content ? { content: reply.content } : {}) });
    return inputRequired({ inputRequests: { [key]: { method: 'elicitation/create', params: { mode: 'form', ...params } } as InputRequest } });
  };
  server.registerTool(
    'test_sampling',
    { description: 'Asks the client for an LLM completion (sampling/createMessage).', inputSchema: z.object({ prompt: z.string() }) },
    async ({ prompt }, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const request = { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: prompt } }], maxTokens: 100 };
      const answer = (result: unknown) => {
        const reply = samplingReply.safeParse(result);
        return text(`LLM response: ${reply.success ? reply.data.content.text : 'No response'}`);
      };
      if (!modern(ctx)) return answer(await ctx.mcpReq.requestSampling(request));
      const reply = inputResponse(ctx.mcpReq.inputResponses, 'sampling');
      if (reply.kind === 'sampling') return answer(reply.result);
      return inputRequired({ inputRequests: { sampling: inputRequired.createMessage(request) } });
    },
  );
  server.registerTool('test_elicitation', { description: 'Asks the user for input (elicitation/create).', inputSchema: z.object({ message: z.string() }) }, async ({ message }, ctx) =>
    elicitEitherEra(ctx, 'response', { message, requestedSchema: { type: 'object', properties: { response: { type: 'string', description: "User's response" } }, required: ['response'] } }, (result) =>
      text(`User response: ${describeElicitation(result)}`),
    ),
  );
  server.registerTool('test_elicitation_sep1034_defaults', { description: 'Elicitation with defaults for every primitive type (SEP-1034).', inputSchema: emptyArgs }, async (_args, ctx) =>
    elicitEitherEra(ctx, 'defaults', { message: 'Please review and update the form fields with defaults', requestedSchema: DEFAULTS_FORM }, (result) => text(`Elicitation completed: ${describeElicitation(result)}`)),
  );
  server.registerTool('test_elicitation_sep1330_enums', { description: 'Elicitation with every enum schema variant (SEP-1330).', inputSchema: emptyArgs }, async (_args, ctx) =>
    elicitEitherEra(ctx, 'enums', { message: 'Please select options from the enum fields', requestedSchema: ENUM_FORM }, (result) => text(`Elicitation completed: ${describeElicitation(result)}`)),
  );
  // SEP-1699: the result must arrive only after the client has reconnected with Last-Event-ID.
  server.registerTool('test_reconnection', { description: 'Closes its SSE stream mid-call; the result is replayed on reconnect.', inputSchema: emptyArgs }, async (_args, ctx) => {
    ctx.http?.closeSSE?.();
    await sleep(100);
    return text('Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.');
  });

  // ----- schema passthrough -----
  // Hand-written JSON so the 2020-12 keywords reach tools/list verbatim (zod would not emit them).
  server.registerTool(
    'json_schema_2020_12_tool',
    {
      description: 'Input schema using JSON Schema 2020-12 keywords (SEP-1613, SEP-2106).',
      inputSchema: fromJsonSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
        properties: {
          name: { type: 'string' },
          address: { $ref: '#/$defs/address' },
          contactMethod: { type: 'string', enum: ['phone', 'email'] },
          phone: { type: 'string' },
          email: { type: 'string' },
        },
        allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
        if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
        then: { required: ['phone'] },
        else: { required: ['email'] },
        additionalProperties: false,
      }),
    },
    async (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
  // SEP-2243: the x-mcp-header annotation arms http-custom-header-server-validation (it skips without one).
  server.registerTool(
    'test_x_mcp_header',
    {
      description: 'An argument mirrored into the Mcp-Param-Region header (SEP-2243).',
      inputSchema: fromJsonSchema<{ region?: string; level?: number }>({
        type: 'object',
        properties: { region: REGION_PROPERTY, level: { type: 'integer' } },
      }),
    },
    async (args) => text(`region=${args.region ?? '<none>'}`),
  );

  // ----- 2026: MRTR (input-required results instead of server→client requests) -----
  const askName = inputRequired.elicit({ message: 'What is your name?', requestedSchema: nameSchema });
  server.registerTool('test_input_required_result_elicitation', { description: 'MRTR: asks for a name by elicitation.', inputSchema: emptyArgs }, async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name', nameSchema);
    return answer ? text(`Hello, ${answer.name}!`) : inputRequired({ inputRequests: { user_name: askName } });
  });
  server.registerTool('test_input_required_result_sampling', { description: 'MRTR: asks for an LLM completion.', inputSchema: emptyArgs }, async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
    const reply = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
    if (reply.kind !== 'sampling') {
      return inputRequired({
        inputRequests: {
          capital_question: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 }),
        },
      });
    }
    const parsed = samplingReply.safeParse(reply.result);
    return text(`Sampling response: ${parsed.success ? parsed.data.content.text : JSON.stringify(reply.result)}`);
  });
  server.registerTool('test_input_required_result_list_roots', { description: 'MRTR: asks for the client roots.', inputSchema: emptyArgs }, async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
    const reply = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
    if (reply.kind !== 'roots') return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    return text(`Client exposed ${reply.roots.length} root(s): ${reply.roots.map((root) => root.uri).join(', ')}`);
  });
  server.registerTool('test_input_required_result_request_state', { description: 'MRTR: round-trips signed requestState with a confirmation.', inputSchema: emptyArgs }, async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
    const confirmed = acceptedContent(ctx.mcpReq.inputResponses, 'confirm', confirmSchema);
    if (confirmed && ctx.mcpReq.requestState() !== undefined) return text('state-ok: requestState verified and confirmation received');
    return inputRequired({
      inputRequests: { confirm: inputRequired.elicit({ message: 'Please confirm', requestedSchema: confirmSchema }) },
      requestState: await codec.mint({ tool: 'request_state', nonce: randomUUID() }),
    });
  });
  server.registerTool('test_input_required_result_multiple_inputs', { description: 'MRTR: elicitation, sampling and roots in one round.', inputSchema: emptyArgs }, async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
    const responses = ctx.mcpReq.inputResponses;
    const name = acceptedContent(responses, 'user_name', nameSchema)?.name;
    const greeting = inputResponse(responses, 'greeting');
    const greetingText = greeting.kind === 'sampling' ? samplingReply.safeParse(greeting.result).data?.content.text : undefined;
    const roots = inputResponse(responses, 'client_roots');
    if (name !== undefined && greetingText !== undefined && roots.kind === 'roots') return text(`${greetingText} ${name} (${roots.roots.length} root(s) visible)`);
    return inputRequired({
      inputRequests: {
        user_name: askName,
        greeting: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
        client_roots: inputRequired.listRoots(),
      },
      requestState: await codec.mint({ tool: 'multiple_inputs', nonce: randomUUID() }),
    });
  });
  // The round lives in the signed state: the 2026 path keeps nothing between requests.
  server.registerTool('test_input_required_result_multi_round', { description: 'MRTR: two elicitation rounds with evolving state.', inputSchema: emptyArgs }, async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
    const state = roundState.safeParse(ctx.mcpReq.requestState());
    const round = state.success ? state.data.round : 0;
    if (round === 0) {
      return inputRequired({
        inputRequests: { step1: inputRequired.elicit({ message: 'Step 1: What is your name?', requestedSchema: nameSchema }) },
        requestState: await codec.mint({ round: 1, nonce: randomUUID() }),
      });
    }
    if (round === 1) {
      const name = acceptedContent(ctx.mcpReq.inputResponses, 'step1', nameSchema)?.name ?? 'unknown';
      return inputRequired({
        inputRequests: { step2: inputRequired.elicit({ message: 'Step 2: What is your favorite color?', requestedSchema: colorSchema }) },
        requestState: await codec.mint({ round: 2, name, nonce: randomUUID() }),
      });
    }
    const color = acceptedContent(ctx.mcpReq.inputResponses, 'step2', colorSchema)?.color ?? 'unknown';
    return text(`Multi-round complete: ${state.success ? (state.data.name ?? 'unknown') : 'unknown'} likes ${color}`);
  });
  // The tampering itself is caught by requestState.verify; this handler only ever sees genuine state.
  server.registerTool('test_input_required_result_tampered_state', { description: 'MRTR: rejects requestState that fails verification.', inputSchema: emptyArgs }, async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
    if (ctx.mcpReq.requestState() !== undefined && acceptedContent(ctx.mcpReq.inputResponses, 'confirm') !== undefined) return text('integrity-ok: requestState verified');
    return inputRequired({
      inputRequests: { confirm: inputRequired.elicit({ message: 'Please confirm', requestedSchema: confirmSchema }) },
      requestState: await codec.mint({ tool: 'tampered_state', nonce: randomUUID() }),
    });
  });
  // Asks only for the kinds the request's declared client capabilities cover (sampling/roots are deprecated, read on purpose).
  server.registerTool('test_input_required_result_capabilities', { description: 'MRTR: requests only the input kinds the client declared.', inputSchema: emptyArgs }, async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
    if (ctx.mcpReq.inputResponses !== undefined) return text('Capability-aware input requests fulfilled');
    // SDK 2.4 publishes RequestMetaEnvelope as `{}`, so the envelope is read untyped and parsed.
    const envelope: Record<string, unknown> = ctx.mcpReq.envelope ?? {};
    const declared = declaredCapabilities.parse(envelope[CLIENT_CAPABILITIES_META_KEY] ?? {});
    const inputRequests: InputRequests = {};
    if (declared.elicitation !== undefined) inputRequests['user_name'] = askName;
    if (declared.sampling !== undefined) {
      inputRequests['greeting'] = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a short greeting' } }], maxTokens: 50 });
    }
    if (declared.roots !== undefined) inputRequests['client_roots'] = inputRequired.listRoots();
    return Object.keys(inputRequests).length === 0 ? text('No declared client capability supports an in-band input request') : inputRequired({ inputRequests });
  });

  // ----- 2026 server-stateless diagnostics (names fixed by the scenario) -----
  // Called with no client capabilities: the server must refuse with -32021 rather than ask for sampling.
  server.registerTool('test_missing_capability', { description: 'Needs the sampling client capability.', inputSchema: emptyArgs }, async (_args, ctx): Promise<CallToolResult | InputRequiredResult> => {
    if (ctx.mcpReq.inputResponses?.['llm_answer'] !== undefined) return text('sampling round-trip complete');
    return inputRequired({
      inputRequests: { llm_answer: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Reply with the single word: pong' } }], maxTokens: 16 }) },
    });
  });
  // The check is that the response stream carries no top-level JSON-RPC request, so this one simply answers.
  server.registerTool('test_streaming_elicitation', { description: 'Answers without any server→client request.', inputSchema: emptyArgs }, async () => text('result frames only'));
  server.registerTool('test_trigger_tool_change', { description: 'Publishes tools/list_changed to subscriptions/listen streams.', inputSchema: emptyArgs }, async () => {
    hooks.notify().toolsChanged();
    return text('tools_list_changed published');
  });
  server.registerTool('test_trigger_prompt_change', { description: 'Publishes prompts/list_changed to subscriptions/listen streams.', inputSchema: emptyArgs }, async () => {
    hooks.notify().promptsChanged();
    return text('prompts_list_changed published');
  });

  // ----- resources -----
  server.registerResource('static-text', 'test://static-text', { title: 'Static Text Resource', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
  }));
  server.registerResource('static-binary', 'test://static-binary', { title: 'Static Binary Resource', mimeType: 'image/png' }, async () => ({
    contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG_1X1 }],
  }));
  server.registerResource('watched-resource', 'test://watched-resource', { title: 'Watched Resource', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'Watched resource content' }],
  }));
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { title: 'Resource Template', mimeType: 'application/json' },
    async (uri, { id }) => ({
      contents: [{ uri: uri.toString(), mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }) }],
    }),
  );
  // McpServer has no built-in subscribe handlers; the suites only check that both answer {}.
  server.server.setRequestHandler('resources/subscribe', async () => ({}));
  server.server.setRequestHandler('resources/unsubscribe', async () => ({}));

  // ----- prompts -----
  server.registerPrompt('test_simple_prompt', { title: 'Simple Test Prompt', description: 'No arguments.' }, async () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt With Arguments',
      description: 'Two required arguments; arg1 completes.',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First test argument'), (value) => ['paris', 'park', 'party', 'test'].filter((word) => word.startsWith(value))),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    async ({ arg1, arg2 }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }] }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    { title: 'Prompt With Embedded Resource', description: 'Embeds the given resource.', argsSchema: z.object({ resourceUri: z.string() }) },
    async ({ resourceUri }) => ({
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    }),
  );
  server.registerPrompt('test_prompt_with_image', { title: 'Prompt With Image', description: 'Includes an image.' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG_1X1, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
  // prompts/get is one of the methods allowed to answer input_required in 2026-07-28.
  server.registerPrompt('test_input_required_result_prompt', { title: 'MRTR Prompt', description: 'Asks for context before rendering.' }, async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_context', contextSchema);
    if (!answer) return inputRequired({ inputRequests: { user_context: inputRequired.elicit({ message: 'What context should the prompt use?', requestedSchema: contextSchema }) } });
    return { messages: [{ role: 'user', content: { type: 'text', text: `Use the following context: ${answer.context}` } }] };
  });

  return server;
}

/** SSE resumption store for one legacy session: replays a stream's events after a given event id. */
function createEventStore(): EventStore {
  const events: Array<{ id: string; streamId: string; message: JSONRPCMessage }> = [];
  return {
    async storeEvent(streamId, message) {
      const id = `${streamId}:${events.length}`;
      events.push({ id, streamId, message });
      return id;
    },
    async getStreamIdForEventId(eventId) {
      return events.find((event) => event.id === eventId)?.streamId;
    },
    async replayEventsAfter(lastEventId, { send }) {
      const index = events.findIndex((event) => event.id === lastEventId);
      const last = events[index];
      if (!last) throw new Error(`Unknown event id ${lastEventId}`);
      for (const event of events.slice(index + 1)) {
        // Priming events are stored as {} and carry nothing to replay.
        if (event.streamId === last.streamId && Object.keys(event.message).length > 0) await send(event.id, event.message);
      }
      return last.streamId;
    },
  };
}

const jsonError = (status: number, code: number, message: string) => Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });

export interface EverythingUpstream {
  url: string;
  close(): Promise<void>;
}

export async function startEverythingUpstream(options: { port?: number } = {}): Promise<EverythingUpstream> {
  const hooks: FixtureHooks = {
    notify: () => modern.notify,
    codec: createRequestStateCodec<Record<string, unknown>>({ key: crypto.getRandomValues(new Uint8Array(32)) }),
  };
  const modern = createMcpHandler(() => buildServer(hooks), { legacy: 'reject' });
  const sessions = new Map<string, { transport: WebStandardStreamableHTTPServerTransport; server: McpServer }>();

  async function legacy(request: Request): Promise<Response> {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = sessions.get(sessionId);
      return session ? session.transport.handleRequest(request) : jsonError(404, -32001, 'Session not found');
    }
    if (request.method !== 'POST') return jsonError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    const body: unknown = await request.clone().json().catch(() => undefined);
    if (!isInitializeRequest(body)) return jsonError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    const server = buildServer(hooks);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: createEventStore(),
      // Tells SEP-1699 clients how soon to come back after test_reconnection closes their stream.
      retryInterval: 500,
      onsessioninitialized: (id) => void sessions.set(id, { transport, server }),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      void server.close();
    };
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  }

  async function route(request: Request): Promise<Response> {
    if (new URL(request.url).pathname !== '/mcp') return new Response('Not found', { status: 404 });
    const rejected = hostHeaderValidationResponse(request, localhostAllowedHostnames()) ?? originValidationResponse(request, localhostAllowedOrigins());
    if (rejected) return rejected;
    return (await isLegacyRequest(request)) ? legacy(request) : modern.fetch(request);
  }

  const http = createServer((req, res) => {
    bridge(req, res, route).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: String(error) }, id: null }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  return {
    url,
    async close() {
      await Promise.allSettled([...sessions.values()].map(({ transport }) => transport.close()));
      await modern.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** node:http ⇄ fetch: streams the response as it is produced (SSE) and cancels it when the client goes away. */
async function bridge(req: IncomingMessage, res: ServerResponse, handle: (request: Request) => Promise<Response>): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const aborted = new AbortController();
  res.on('close', () => aborted.abort());
  const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    signal: aborted.signal,
    ...(body.length > 0 ? { body } : {}),
  });
  const response = await handle(request);
  res.writeHead(response.status, [...response.headers].flat());
  res.flushHeaders();
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => {}));
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // The client hung up mid-stream; nothing is left to deliver.
  }
  res.end();
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '3999' } } });
  const upstream = await startEverythingUpstream({ port: Number(values.port) });
  console.log(`everything upstream listening on ${upstream.url}`);
  const stop = () => void upstream.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
