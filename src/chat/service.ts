import { MemoryLeaseLocks, type LeaseLocks } from '../shared/lease-lock.ts';
import {
  consumeStream,
  convertToModelMessages,
  createUIMessageStream,
  createUIMessageStreamResponse,
  generateId,
  isStepCount,
  isToolUIPart,
  NoSuchToolError,
  streamText,
  toUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';
import type { CallToolResult, ReadResourceResult } from '@modelcontextprotocol/client';
import { isInputRequiredResult } from '@modelcontextprotocol/client';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ConnectNeeded, GatewayCore, GatewayTool, GatewayToolList, Caller } from '../gateway/core.ts';
import { suggestFor, type DirectoryPort } from '../gateway/connector-suggestions.ts';
import { organizationFor } from '../gateway/organization.ts';
import type { PersonToolIndex } from '../gateway/person-tool-index.ts';
import { splitToolName } from '../gateway/naming.ts';
import { toolError } from '../gateway/results.ts';
import { AUTO_CONNECTOR_LIMIT, DEFAULT_CONTEXT_TOKENS, type ToolAccessSettingsPort } from '../gateway/tool-access-mode.ts';
import type { Logger } from '../observability/logger.ts';
import { allowToolAlways, checkAllowAlways, type AllowAlwaysCheck } from '../policy/allow-always.ts';
import type { PolicyChangeBus } from '../policy/changes.ts';
import type { PersonRules } from '../policy/store.ts';
import { AppError, forbidden, invalidInput, notFound } from '../shared/app-error.ts';
import { approvalPrompt } from './approvals.ts';
import { visibleToApp, visibleToModel } from './apps.ts';
import {
  busy,
  connectNeededOf,
  originOf,
  planTurn,
  resultText,
  setToolDenied,
  setToolOutput,
  toolNameOf,
  toolPart,
  type TurnPlan,
  type TurnRequest,
} from './history.ts';
import type { ChatModel } from './model-provider.ts';
import {
  createConversation,
  deleteConversation,
  getConversation,
  getMessages,
  listConversations,
  renameConversation,
  saveMessages,
  updateConversationSettings,
  type Conversation,
} from './store.ts';
import type { ApprovalData, ChatDataParts, ConnectData } from './stream-parts.ts';
import { systemPrompt } from './system-prompt.ts';
import { decideLoading, resolveToolAccessMode, type ToolAccessMode } from './tool-access.ts';
import { searchWithPersonIndex } from './tool-search.ts';
import { errorDescriber } from './turn-errors.ts';
import { prepareTurnTools, type TurnTools } from './turn-tools.ts';

/** What the chat says when no model is configured; the rest of Switchboard works without one. */
export const NOT_CONFIGURED_BANNER =
  'No chat model is configured, so the chat cannot answer yet. An operator sets one with SWITCHBOARD_CHAT_PROVIDER (anthropic, openai or openai-compatible), ' +
  'SWITCHBOARD_CHAT_MODEL and SWITCHBOARD_CHAT_API_KEY (plus SWITCHBOARD_CHAT_BASE_URL for Ollama, vLLM or another OpenAI-compatible server), or with chat.model ' +
  'in the configuration file, and restarts Switchboard (docs/configuration.md). Everything else works without it: connecting apps, policies, and /mcp for Claude, Cursor and other clients.';

/** Steps of one answer: tool calls and the text after them. Small, so a confused model cannot loop for long. */
export const DEFAULT_MAX_STEPS = 8;
/** A safety net: an answer (model steps and tool calls, each with its own timeout) ends after this long. */
export const ANSWER_TIMEOUT_MS = 15 * 60_000;

export interface ChatServiceDeps {
  db: Kysely<DB>;
  /** Every tool call, listing and resource read of the chat goes through it (surface `chat`). */
  core: GatewayCore;
  /** The gateway's per-person search index (hybrid with the operator's embedding model); lexical per turn without it. */
  index?: PersonToolIndex | undefined;
  /** The person's default tool access mode and pinned tools (the policy module's settings). */
  settings: ToolAccessSettingsPort;
  /** Directory listings offered to the chat on the organization's plan (never custom connectors). */
  directory: DirectoryPort;
  describe: (slug: string) => Promise<{ name: string; description?: string | undefined } | undefined>;
  connectUrl: (slug: string) => string;
  /** The configured (or, in tests, injected) model; undefined: the chat says how to configure one. */
  model: ChatModel | undefined;
  log: Logger;
  /** Allow always announces the person's rule change here, like any policy write. */
  changes?: PolicyChangeBus | undefined;
  maxSteps?: number | undefined;
  /** The origin interactive apps (MCP Apps) render on, for the web app's host (docs/web.md); undefined: turned off. */
  appSandboxUrl?: string | undefined;
  /** One answer at a time per conversation: across every node with Redis; this node's otherwise. */
  locks?: LeaseLocks | undefined;
}

/** A turn's hold on its conversation; renewed while the answer runs, so a node that dies frees it within a minute. */
const TURN_LEASE_MS = 60_000;

export interface ChatStatus {
  configured: boolean;
  provider: string | null;
  model: string | null;
  contextTokens: number | null;
  /** When not configured: how an operator configures a model. */
  banner: string | null;
  /** Where the web app embeds interactive apps (`<sandboxUrl>/sandbox.html`); null: they are shown as text. */
  sandboxUrl: string | null;
}

export interface ConversationSettings {
  toolAccess: {
    /** The conversation's override; null: the person's default applies. */
    override: ToolAccessMode | null;
    personDefault: ToolAccessMode;
    /** The mode in force: the override, else the person's default. */
    mode: ToolAccessMode;
    /** What the next turn loads (Auto resolved), and why. */
    resolvesTo: 'always' | 'on_demand';
    reason: string;
    definitionTokens: number;
    budgetTokens: number;
    contextTokens: number;
  };
  connectors: Array<{ connector: string; name: string; on: boolean; tools: number }>;
  /** Set when 10 or more connectors are on: answers are better with only the ones the conversation needs. */
  advice: string | null;
  /** Connectors whose tools could not be listed just now. */
  problems: Array<{ connector: string; message: string }>;
}

export interface AppToolCallInput {
  conversationId?: string | undefined;
  /** The connector whose app is rendered (a tool part's `toolMetadata.connector`). */
  connector: string;
  /** The tool's own name at that connector. */
  tool: string;
  arguments?: Record<string, unknown> | undefined;
  /** The person confirmed this call in the host's own dialog (for `ask` tools). */
  approved?: boolean | undefined;
}

export interface AppToolCallResult {
  result: CallToolResult;
  /** The tool asks for approval each time: show the reason, and call again with `approved: true` if the person agrees. */
  approvalRequired: { reason: string } | null;
  /** The person must connect (or reconnect) the connector first. */
  connect: ConnectNeeded | null;
}

interface Refusal {
  toolName: string;
  connector: string;
  tool: string;
  reason: string;
  connect: ConnectNeeded | undefined;
}

/** Everything one turn works with. */
interface TurnContext {
  conversation: Conversation;
  caller: Caller;
  requestId: string;
  model: ChatModel;
  /** The person's whole tool list (every connector, toggled or not). */
  list: GatewayToolList;
  names: Map<string, string>;
  /** Connectors with tools the model may use, and which of them are on in this conversation (or picked for the turn). */
  connectors: string[];
  on: string[];
  focused: string[] | undefined;
  active: GatewayTool[];
  turn: TurnTools;
  /** Refusals found for calls to tools the model does not have, by tool call id. */
  refusals: Map<string, Refusal>;
  /** A call in this step needs the person to connect: the answer pauses after it. */
  connectPending: boolean;
  discovered: string[] | undefined;
}

type Chunk = UIMessageChunk<unknown, ChatDataParts>;
type Writer = { write(chunk: Chunk): void };

const args = (input: unknown): Record<string, unknown> => (input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {});

/**
 * The web chat (docs/chat.md): conversations, the agent loop over the gateway core, approvals, the Connect card
 * and its retry, app suggestions and MCP Apps calls. Streams answers in the AI SDK's UI message stream protocol,
 * so the web app's `useChat` reads them as they are. Knows nothing of HTTP beyond the Response it returns.
 */
export class ChatService {
  readonly #deps: ChatServiceDeps;
  /** Conversations answering right now: a second turn waits for the first. */
  readonly #locks: LeaseLocks;

  constructor(deps: ChatServiceDeps) {
    this.#deps = deps;
    this.#locks = deps.locks ?? new MemoryLeaseLocks();
  }

  status(): ChatStatus {
    const model = this.#deps.model;
    const sandboxUrl = this.#deps.appSandboxUrl ?? null;
    if (!model) return { configured: false, provider: null, model: null, contextTokens: null, banner: NOT_CONFIGURED_BANNER, sandboxUrl };
    return { configured: true, provider: model.provider, model: model.modelId, contextTokens: model.contextTokens, banner: null, sandboxUrl };
  }

  #requireModel(): ChatModel {
    if (!this.#deps.model) throw new AppError(503, 'chat_not_configured', NOT_CONFIGURED_BANNER);
    return this.#deps.model;
  }

  // ---------------------------------------------------------------------------------------------------
  // Conversations.

  list(userId: string): Promise<Conversation[]> {
    return listConversations(this.#deps.db, userId);
  }

  /** A new conversation in one of the person's organizations (their default one when none is named). */
  async create(userId: string, input: { title?: string | undefined; org?: string | undefined }): Promise<Conversation> {
    const orgId = await organizationFor(this.#deps.db, userId, input.org);
    return createConversation(this.#deps.db, userId, { orgId, title: input.title });
  }

  async get(userId: string, id: string): Promise<{ conversation: Conversation; messages: UIMessage[] }> {
    const conversation = await getConversation(this.#deps.db, userId, id);
    return { conversation, messages: await getMessages(this.#deps.db, id) };
  }

  rename(userId: string, id: string, title: string): Promise<Conversation> {
    return renameConversation(this.#deps.db, userId, id, title);
  }

  async delete(userId: string, id: string): Promise<void> {
    const lease = await this.#locks.acquire(id, TURN_LEASE_MS);
    if (!lease) throw busy();
    try {
      await deleteConversation(this.#deps.db, userId, id);
    } finally {
      await lease.release();
    }
  }

  async settings(userId: string, id: string, requestId: string): Promise<ConversationSettings> {
    const conversation = await getConversation(this.#deps.db, userId, id);
    return this.#describeSettings(conversation, requestId);
  }

  async updateSettings(userId: string, id: string, requestId: string, input: { toolAccess?: ToolAccessMode | null | undefined; connectors?: Record<string, boolean> | undefined }): Promise<ConversationSettings> {
    const conversation = await updateConversationSettings(this.#deps.db, userId, id, input);
    return this.#describeSettings(conversation, requestId);
  }

  async #describeSettings(conversation: Conversation, requestId: string): Promise<ConversationSettings> {
    const caller = this.#caller(conversation, requestId);
    const [list, settings] = await Promise.all([this.#deps.core.listTools(caller), this.#deps.settings(conversation.userId, caller.orgId)]);
    const { usable, connectors: slugs, on: onSlugs } = conversationTools(list, conversation);
    const names = await this.#names(slugs);
    const grouped = Map.groupBy(usable, (t) => t.connector);
    const connectors = slugs.map((connector) => ({ connector, name: names.get(connector) ?? connector, on: onSlugs.includes(connector), tools: grouped.get(connector)!.length }));
    const active = usable.filter((t) => onSlugs.includes(t.connector));
    const mode = resolveToolAccessMode({ conversation: conversation.toolAccess, person: settings.mode });
    const contextTokens = this.#deps.model?.contextTokens ?? DEFAULT_CONTEXT_TOKENS;
    const decision = decideLoading(mode, active, contextTokens);
    const on = onSlugs.length;
    return {
      toolAccess: {
        override: conversation.toolAccess,
        personDefault: settings.mode,
        mode,
        resolvesTo: decision.loading,
        reason: decision.reason,
        definitionTokens: decision.definitionTokens,
        budgetTokens: decision.budgetTokens,
        contextTokens,
      },
      connectors,
      advice:
        on >= AUTO_CONNECTOR_LIMIT
          ? `${on} connectors are on in this conversation. From ${AUTO_CONNECTOR_LIMIT} on, Auto finds tools on demand instead of loading them all, and answers are better with fewer tools to choose from: switch off the connectors this conversation does not need.`
          : null,
      problems: list.problems,
    };
  }

  // ---------------------------------------------------------------------------------------------------
  // A turn.

  /**
   * Answers a request of the conversation (a new message, approval answers, a retry or a regeneration) as a UI
   * message stream. The answer is stored when the stream ends, also when the client went away meanwhile.
   */
  async respond(userId: string, conversationId: string, requestId: string, request: TurnRequest): Promise<Response> {
    const model = this.#requireModel();
    const conversation = await getConversation(this.#deps.db, userId, conversationId);
    const lease = await this.#locks.acquire(conversation.id, TURN_LEASE_MS);
    if (!lease) throw busy();
    const renewal = setInterval(() => void lease.renew().catch(() => false), TURN_LEASE_MS / 3);
    const done = async () => {
      clearInterval(renewal);
      await lease.release().catch(() => {});
    };
    try {
      const stored = await getMessages(this.#deps.db, conversation.id);
      const plan = planTurn(stored, request, generateId);
      const ctx = await this.#context(conversation, requestId, model, plan, request.focus);
      const log = this.#deps.log.child({ reqId: requestId, conversation: conversation.id });
      const onError = errorDescriber(requestId, model, log);
      const stream = createUIMessageStream<UIMessage<unknown, ChatDataParts>>({
        originalMessages: plan.messages as UIMessage<unknown, ChatDataParts>[],
        onError,
        execute: async ({ writer }) => {
          try {
            await this.#run(writer, ctx, plan, onError);
          } catch (err) {
            // Stored with the conversation, so the failure is still explained after a reload.
            writer.write({ type: 'data-error', data: { message: onError(err), reference: requestId } });
            throw err;
          }
        },
        onEnd: async ({ messages }) => {
          try {
            const kept = messages.filter((m) => !(m.role === 'assistant' && m.parts.length === 0));
            const title = plan.kind === 'new' ? plan.text.replace(/\s+/g, ' ').trim().slice(0, 60) : undefined;
            await saveMessages(this.#deps.db, conversation.id, kept, Math.min(plan.from, kept.length), { ...(ctx.discovered ? { discovered: ctx.discovered } : {}), ...(title ? { title } : {}) });
          } catch (err) {
            log.error({ err }, 'the chat answer could not be stored');
          } finally {
            await done();
          }
        },
      });
      // The copy consumed here keeps the answer running to its end when the browser goes away, so it is stored whole.
      return createUIMessageStreamResponse({ stream, headers: { 'x-request-id': requestId }, consumeSseStream: ({ stream: copy }) => void consumeStream({ stream: copy }) });
    } catch (err) {
      await done();
      throw err;
    }
  }

  #caller(conversation: Conversation, requestId: string): Caller {
    return { userId: conversation.userId, orgId: conversation.orgId ?? undefined, surface: 'chat', requestId };
  }

  async #names(slugs: readonly string[]): Promise<Map<string, string>> {
    const entries = await Promise.all(slugs.map(async (slug) => [slug, (await this.#deps.describe(slug).catch(() => undefined))?.name ?? slug] as const));
    return new Map(entries);
  }

  async #context(conversation: Conversation, requestId: string, model: ChatModel, plan: TurnPlan, focus: string[] | undefined): Promise<TurnContext> {
    const caller = this.#caller(conversation, requestId);
    const [list, settings] = await Promise.all([this.#deps.core.listTools(caller), this.#deps.settings(conversation.userId, caller.orgId)]);
    const { usable, connectors, on } = conversationTools(list, conversation);
    const picked = plan.kind === 'new' || plan.kind === 'regenerate' ? on.filter((c) => focus?.includes(c)) : [];
    const focused = picked.length > 0 ? picked : undefined;
    const active = usable.filter((t) => (focused ?? on).includes(t.connector));
    const names = await this.#names(connectors);
    const core = this.#deps.core;
    const turn = await prepareTurnTools({
      gateway: { listTools: async () => ({ tools: active }), callTool: (c, t, a, o) => core.callTool(c, t, a, o) },
      caller: { userId: caller.userId, orgId: caller.orgId, requestId },
      model: model.model,
      toolAccess: { conversation: conversation.toolAccess, person: settings.mode },
      discovered: conversation.discovered,
      contextTokens: model.contextTokens,
      // The organization's and the person's pins; the app the person picked is loaded whole.
      pinned: [...settings.orgPinned, ...settings.pinned, ...(focused ? active.map((t) => t.name) : [])],
      ...(this.#deps.index ? { search: searchWithPersonIndex(this.#deps.index, caller, list) } : {}),
      connectorNames: names,
    });
    return { conversation, caller, requestId, model, list, names, connectors, on, focused, active, turn, refusals: new Map(), connectPending: false, discovered: undefined };
  }

  async #run(writer: Writer, ctx: TurnContext, plan: TurnPlan, onError: (error: unknown) => string): Promise<void> {
    writer.write({ type: 'start' });
    const last = plan.messages.at(-1);
    let paused = false;
    if (plan.kind === 'approvals' && last) paused = await this.#resolveApprovals(writer, ctx, last, plan);
    else if (plan.kind === 'retry' && last) paused = await this.#retry(writer, ctx, last, plan.toolCallId);
    else if ((plan.kind === 'new' || plan.kind === 'regenerate') && !ctx.focused) paused = await this.#suggest(writer, ctx, plan.text);
    if (paused) {
      writer.write({ type: 'finish', finishReason: 'stop' });
      return;
    }
    await this.#answer(writer, ctx, plan.messages, onError);
  }

  // ---------------------------------------------------------------------------------------------------
  // The model.

  async #answer(writer: Writer, ctx: TurnContext, messages: UIMessage[], onError: (error: unknown) => string): Promise<void> {
    const { turn } = ctx;
    const decision = turn.decision;
    writer.write({ type: 'data-tool-access', transient: true, data: { mode: decision.mode, loading: decision.loading, reason: decision.reason, connectors: decision.connectors, definitionTokens: decision.definitionTokens, budgetTokens: decision.budgetTokens } });
    const modelMessages = await convertToModelMessages(messages, { tools: turn.tools, ignoreIncompleteToolCalls: true });
    const maxSteps = this.#deps.maxSteps ?? DEFAULT_MAX_STEPS;
    const result = streamText({
      model: ctx.model.model,
      instructions: systemPrompt({ names: ctx.names, connectors: ctx.connectors, on: ctx.on, focused: ctx.focused, searchToolName: ctx.turn.searchToolName }, decision),
      messages: modelMessages,
      tools: turn.tools,
      toolApproval: turn.toolApproval,
      timeout: { totalMs: ANSWER_TIMEOUT_MS },
      // A call that needs the person to connect pauses the answer: the Connect card waits for them, then the retry.
      stopWhen: [isStepCount(maxSteps), ({ steps }) => ctx.connectPending || (steps.at(-1)?.toolResults ?? []).some((r) => connectNeededOf(r.output) !== undefined)],
      // A call to a tool the model was not given (blocked meanwhile, switched off here, not connected): the refusal's reason.
      repairToolCall: async ({ toolCall, error }) => {
        if (!NoSuchToolError.isInstance(error)) return null;
        const refusal = await this.#explainUnavailable(ctx, toolCall.toolName);
        if (!refusal) return null;
        ctx.refusals.set(toolCall.toolCallId, refusal);
        if (refusal.connect) ctx.connectPending = true;
        throw new Error(refusal.reason);
      },
    });
    const ui = toUIMessageStream({ stream: result.stream, tools: turn.tools, sendStart: false, onError, redactToolErrors: false }) as ReadableStream<Chunk>;
    const reader = ui.pipeThrough(this.#annotate(ctx)).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      writer.write(value);
    }
    try {
      ctx.discovered = turn.discoveredAfter(await result.steps);
    } catch {
      // The answer failed; its error is in the stream already, and the discoveries stay as they were.
    }
  }

  /**
   * What the UI needs besides the SDK's own parts: the approval card's details (with Allow always), the Connect
   * card after a call that needs connecting, the policy's reason on a refused call, and a stored note of an error.
   */
  #annotate(ctx: TurnContext): TransformStream<Chunk, Chunk> {
    const names = new Map<string, { toolName: string; input: unknown }>();
    const explained = new Set<string>();
    return new TransformStream<Chunk, Chunk>({
      transform: async (chunk, controller) => {
        switch (chunk.type) {
          case 'tool-input-start':
            names.set(chunk.toolCallId, { toolName: chunk.toolName, input: undefined });
            controller.enqueue(chunk);
            return;
          case 'tool-input-available':
            names.set(chunk.toolCallId, { toolName: chunk.toolName, input: chunk.input });
            controller.enqueue(chunk);
            return;
          case 'tool-approval-request': {
            controller.enqueue(chunk);
            const call = names.get(chunk.toolCallId);
            const t = call ? ctx.turn.byName.get(call.toolName) : undefined;
            if (call && t) controller.enqueue({ type: 'data-approval', id: `approval-${chunk.approvalId}`, data: await this.#approvalCard(ctx, chunk.approvalId, chunk.toolCallId, t, call.input, chunk.reason) });
            return;
          }
          case 'tool-output-available': {
            controller.enqueue(chunk);
            const connect = connectNeededOf(chunk.output);
            const call = names.get(chunk.toolCallId);
            if (connect) controller.enqueue(connectPart(chunk.toolCallId, call?.toolName ?? connect.connector, connect, resultText(chunk.output), 'needed', ctx.requestId));
            return;
          }
          case 'tool-input-error':
          case 'tool-output-error': {
            const refusal = ctx.refusals.get(chunk.toolCallId);
            if (!refusal) {
              controller.enqueue(chunk);
              return;
            }
            controller.enqueue({ ...chunk, errorText: refusal.reason });
            if (explained.has(chunk.toolCallId)) return;
            explained.add(chunk.toolCallId);
            controller.enqueue(
              refusal.connect
                ? connectPart(chunk.toolCallId, refusal.toolName, refusal.connect, refusal.reason, 'needed', ctx.requestId)
                : { type: 'data-refusal', id: `refusal-${chunk.toolCallId}`, data: { toolCallId: chunk.toolCallId, toolName: refusal.toolName, connector: refusal.connector, tool: refusal.tool, reason: refusal.reason, reference: ctx.requestId } },
            );
            return;
          }
          case 'error':
            controller.enqueue(chunk);
            controller.enqueue({ type: 'data-error', data: { message: chunk.errorText, reference: ctx.requestId } });
            return;
          default:
            controller.enqueue(chunk);
        }
      },
    });
  }

  async #approvalCard(ctx: TurnContext, approvalId: string, toolCallId: string, t: GatewayTool, input: unknown, reason: string | undefined): Promise<ApprovalData> {
    const allowAlways = await this.#allowAlwaysCheck(ctx.conversation, t);
    return { ...approvalPrompt(t, { approvalId, toolCallId, input, reason }), connectorName: ctx.names.get(t.connector) ?? t.connector, allowAlways };
  }

  async #allowAlwaysCheck(conversation: Conversation, t: GatewayTool): Promise<AllowAlwaysCheck> {
    try {
      return await checkAllowAlways(this.#deps.db, conversation.userId, conversation.orgId, t.connector, { name: t.originalName, annotations: t.tool.annotations });
    } catch (err) {
      return { possible: false, reason: err instanceof AppError ? err.message : 'Allow always could not be checked just now; allow this call once.' };
    }
  }

  /** Why the model cannot call `name`: the conversation's own settings, or the gateway's refusal. */
  async #explainUnavailable(ctx: TurnContext, name: string): Promise<Refusal | undefined> {
    const known = ctx.list.byName.get(name);
    const origin = known ? { connector: known.connector, tool: known.originalName } : splitToolName(name);
    if (!origin) return undefined;
    const connectorName = ctx.names.get(origin.connector) ?? origin.connector;
    const refusal = (reason: string, connect?: ConnectNeeded): Refusal => ({ toolName: name, connector: origin.connector, tool: origin.tool, reason, connect });
    if (known) {
      // The person may use it: this conversation does not.
      if (ctx.turn.tools[name]) return undefined; // deferred until a search finds it: the SDK's own answer says so
      if (!visibleToModel(known.tool)) return refusal(`${origin.tool} in ${connectorName} is used by its app's own interface only, not by the assistant.`);
      if (!ctx.on.includes(origin.connector)) return refusal(`${connectorName} is switched off in this conversation. Switch it on in the conversation's settings to use ${origin.tool}.`);
      if (ctx.focused) return refusal(`This answer uses only ${ctx.focused.map((c) => ctx.names.get(c) ?? c).join(' and ')}, the app the person picked. Ask again to use ${connectorName}.`);
      return undefined;
    }
    const result = await this.#deps.core.unavailable(ctx.caller, origin.connector, origin.tool);
    if (!result) return undefined;
    return refusal(resultText(result), connectNeededOf(result));
  }

  // ---------------------------------------------------------------------------------------------------
  // Approvals, retries and suggestions: work done before the model is asked anything.

  /** Runs the approved calls through the core (the person approved these very calls) and records the denied ones. */
  async #resolveApprovals(writer: Writer, ctx: TurnContext, message: UIMessage, plan: Extract<TurnPlan, { kind: 'approvals' }>): Promise<boolean> {
    let paused = false;
    for (const answer of plan.answers) {
      const part = toolPart(message, answer.toolCallId);
      if (!part) continue;
      const name = toolNameOf(part);
      const origin = originOf(part);
      if (!answer.approved) {
        writer.write({ type: 'tool-output-denied', toolCallId: answer.toolCallId });
        setToolDenied(message, answer.toolCallId);
        if (origin) await this.#deps.core.recordDeclined(ctx.caller, { connector: origin.connector, originalName: origin.tool });
        continue;
      }
      const again = await this.#callAgain(ctx, name, origin, part.input, true);
      paused = this.#writeOutput(writer, ctx, message, answer.toolCallId, name, again) || paused;
    }
    return paused;
  }

  /** The paused call again, with the same input, after the person connected. Only a call that failed is retried. */
  async #retry(writer: Writer, ctx: TurnContext, message: UIMessage, toolCallId: string): Promise<boolean> {
    // planTurn checked that it is a call of the last answer that failed.
    const part = toolPart(message, toolCallId)!;
    const name = toolNameOf(part);
    const origin = originOf(part);
    const before = part.state === 'output-available' ? connectNeededOf(part.output) : ctx.refusals.get(toolCallId)?.connect;
    const again = await this.#callAgain(ctx, name, origin, part.input, part.approval?.approved === true);
    const paused = this.#writeOutput(writer, ctx, message, toolCallId, name, again);
    // The Connect card of the first attempt now says the connector is connected.
    if (!paused && before) writer.write(connectPart(toolCallId, name, before, `${before.name} is connected; the call ran again.`, 'connected', ctx.requestId));
    return paused;
  }

  /**
   * A call the chat runs itself, through the core. `refusedBy` is set when the tool is no longer among the
   * person's (blocked meanwhile, connection gone): the output is then the refusal, with its reason or link.
   */
  async #callAgain(ctx: TurnContext, name: string, origin: { connector: string; tool: string } | undefined, input: unknown, approved: boolean): Promise<{ output: CallToolResult; refusedBy?: { connector: string; tool: string } }> {
    const core = this.#deps.core;
    const t = ctx.list.byName.get(name);
    if (t) return { output: await core.callTool(ctx.caller, t, args(input), { approved }) };
    if (!origin) return { output: toolError(`The tool "${name}" is no longer among yours. Ask again, so the assistant uses the tools you have now.`) };
    const refusal = await core.unavailable(ctx.caller, origin.connector, origin.tool);
    if (!refusal) return { output: await core.callTool(ctx.caller, name, args(input), { approved }) };
    return { output: refusal, refusedBy: origin };
  }

  /** Writes a call's result into the answer; true when the person must connect first (the answer pauses). */
  #writeOutput(writer: Writer, ctx: TurnContext, message: UIMessage, toolCallId: string, name: string, result: { output: CallToolResult; refusedBy?: { connector: string; tool: string } }): boolean {
    const { output, refusedBy } = result;
    writer.write({ type: 'tool-output-available', toolCallId, output });
    setToolOutput(message, toolCallId, output);
    const connect = connectNeededOf(output);
    if (connect) {
      writer.write(connectPart(toolCallId, name, connect, resultText(output), 'needed', ctx.requestId));
      return true;
    }
    if (refusedBy) writer.write({ type: 'data-refusal', id: `refusal-${toolCallId}`, data: { toolCallId, toolName: name, connector: refusedBy.connector, tool: refusedBy.tool, reason: resultText(output), reference: ctx.requestId } });
    return false;
  }

  /**
   * Before the first step of a new request: when two or more connected apps fit about equally, the person picks
   * (chips; the answer waits); a directory connector that fits better than anything connected is offered to connect.
   */
  async #suggest(writer: Writer, ctx: TurnContext, text: string): Promise<boolean> {
    if (!text.trim()) return false;
    const activeList: GatewayToolList = { tools: ctx.active, problems: [], byName: new Map(ctx.active.map((t) => [t.name, t])) };
    const allowed = await this.#deps.core.allowedConnectors(ctx.caller);
    const suggestions = await suggestFor({ directory: this.#deps.directory, describe: this.#deps.describe, connectUrl: this.#deps.connectUrl }, activeList, allowed, ctx.caller.orgId, text, 5).catch((err: unknown) => {
      this.#deps.log.warn({ err, reqId: ctx.requestId }, 'app suggestions failed; answering without them');
      return undefined;
    });
    if (!suggestions) return false;
    const best = suggestions.candidates[0]?.score ?? 0;
    for (const u of suggestions.unconnected.filter((s) => s.score > best).slice(0, 3)) {
      writer.write({ type: 'data-app-suggestion', id: `app-suggestion-${u.connector}`, data: { connector: u.connector, name: u.name, description: u.description, connectUrl: u.connectUrl, enabledInOrganization: u.enabledInOrganization } });
    }
    if (!suggestions.ambiguous) return false;
    const apps = suggestions.candidates.map((c) => ({ connector: c.connector, name: c.name, description: c.description }));
    const list = apps.map((a) => a.name);
    const question = `${list.length === 2 ? `Both ${list[0]} and ${list[1]}` : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`} could do this. Which one should I use?`;
    const id = `text-${generateId()}`;
    writer.write({ type: 'text-start', id });
    writer.write({ type: 'text-delta', id, delta: question });
    writer.write({ type: 'text-end', id });
    writer.write({ type: 'data-app-choice', id: 'app-choice', data: { query: text, apps } });
    return true;
  }

  // ---------------------------------------------------------------------------------------------------
  // Allow always.

  /**
   * The person's rule for the tool of a pending approval becomes `allow` (src/policy/allow-always.ts: what it can
   * and cannot change). Answer the approval itself as usual (Allow once) to run this call.
   */
  async allowAlways(userId: string, conversationId: string, approvalId: string, requestId: string): Promise<{ changed: boolean; connector: string; tool: string; rules: PersonRules; reason: string }> {
    const conversation = await getConversation(this.#deps.db, userId, conversationId);
    const last = (await getMessages(this.#deps.db, conversation.id)).at(-1);
    const part = last?.role === 'assistant' ? last.parts.find((p) => isToolUIPart(p) && p.approval?.id === approvalId) : undefined;
    if (!part || !isToolUIPart(part)) throw notFound(`No approval request "${approvalId}" is waiting in the last answer of this conversation. Reload the conversation: it may have been answered already.`);
    const origin = originOf(part);
    if (!origin) throw notFound('The tool of this approval request is not known any more. Allow this call once instead.');
    const caller = this.#caller(conversation, requestId);
    const t = (await this.#deps.core.listTools(caller)).byName.get(toolNameOf(part));
    const { changed, rules, check } = await allowToolAlways(this.#deps.db, userId, conversation.orgId, origin.connector, { name: origin.tool, annotations: t?.tool.annotations }, this.#deps.changes);
    return { changed, connector: origin.connector, tool: origin.tool, rules, reason: check.reason };
  }

  // ---------------------------------------------------------------------------------------------------
  // MCP Apps: calls and resources on behalf of a rendered app, through the gateway with the person's permissions.

  async #appCaller(userId: string, requestId: string, conversationId: string | undefined): Promise<Caller> {
    if (conversationId) return this.#caller(await getConversation(this.#deps.db, userId, conversationId), requestId);
    return { userId, orgId: await organizationFor(this.#deps.db, userId, undefined), surface: 'chat', requestId };
  }

  /**
   * A tool call from a rendered app (its host forwards the app's `tools/call`). Only a tool of the app's own
   * connector whose visibility includes "app"; the policy applies as to any call (an `ask` tool runs only with
   * `approved: true`, which the host sends after asking the person), audited as the chat's.
   */
  async appToolCall(userId: string, requestId: string, input: AppToolCallInput): Promise<AppToolCallResult> {
    const caller = await this.#appCaller(userId, requestId, input.conversationId);
    const list = await this.#deps.core.listTools(caller);
    const t = list.tools.find((x) => x.connector === input.connector && x.originalName === input.tool);
    if (!t) {
      const refusal = (await this.#deps.core.unavailable(caller, input.connector, input.tool)) ?? toolError(`No tool "${input.tool}" of ${input.connector} is available to you right now. Reload the app and try again.`);
      return { result: refusal, approvalRequired: null, connect: connectNeededOf(refusal) ?? null };
    }
    if (!visibleToApp(t.tool)) {
      throw forbidden(`${input.tool} of ${input.connector} is for the assistant only (its visibility leaves out "app"), so an app cannot call it.`);
    }
    const result = await this.#deps.core.callTool(caller, t, input.arguments ?? {}, { approved: input.approved === true });
    return {
      result,
      approvalRequired: t.decision === 'ask' && input.approved !== true ? { reason: t.reason } : null,
      connect: connectNeededOf(result) ?? null,
    };
  }

  /** A `ui://` resource of one of the person's connectors (as tools name it in `resourceUri`), through the gateway. */
  async appResource(userId: string, requestId: string, uri: string, conversationId: string | undefined): Promise<ReadResourceResult> {
    if (!uri.startsWith('ui://')) throw invalidInput(`Only ui:// resources (MCP Apps) are read here; "${uri.slice(0, 100)}" is not one. Use the resourceUri of a tool part's toolMetadata.`);
    const caller = await this.#appCaller(userId, requestId, conversationId);
    try {
      const result = await this.#deps.core.upstreams.readResource(caller, uri);
      if (isInputRequiredResult(result)) throw new AppError(502, 'upstream_error', `The connector asked a question while its app was loading, which this host cannot answer. Reload the app; if it keeps happening, give your operator the reference ${requestId}.`);
      return result;
    } catch (err) {
      if (err instanceof AppError) throw err;
      const message = (err as Error)?.message ?? String(err);
      if (/not found/i.test(message)) throw notFound(`${message} Check that the connector is connected, on, and its interactive UI is not switched off by an owner.`);
      throw new AppError(502, 'upstream_error', `Couldn't read the app's resource: ${message}. Try again; if it keeps failing, give your operator the reference ${requestId}.`);
    }
  }
}

function connectPart(toolCallId: string, toolName: string, connect: ConnectNeeded, message: string, status: ConnectData['status'], reference: string): Chunk {
  return { type: 'data-connect', id: `connect-${toolCallId}`, data: { toolCallId, toolName, connector: connect.connector, name: connect.name, connectUrl: connect.connectUrl, code: connect.code, message, status, reference } };
}

/** The person's tools the model may use, their connectors, and those of them on in the conversation. */
function conversationTools(list: GatewayToolList, conversation: Conversation): { usable: GatewayTool[]; connectors: string[]; on: string[] } {
  const usable = list.tools.filter((t) => visibleToModel(t.tool));
  const connectors = [...new Set(usable.map((t) => t.connector))];
  return { usable, connectors, on: connectors.filter((c) => conversation.connectors[c] !== false) };
}
