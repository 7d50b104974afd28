import { acceptedContent, inputRequired, isInputRequiredResult, ProtocolError, Server, type InputRequests, type InputRequiredResult, type RequestStateCodec, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { currentRequestId } from '../audit/context.ts';
import { databaseUnavailable, isDatabaseUnavailable } from '../db/database.ts';
import { AppError } from '../shared/app-error.ts';
import type { DownstreamPeer } from '../upstream/downstream.ts';
import type { Caller, GatewayCore, GatewayTool } from './core.ts';
import type { Relay } from './upstream-directory.ts';
import { splitToolName } from './naming.ts';
import { toolError, withoutProtocolMeta } from './results.ts';
import { searchTools, suggestConnectorsTool, type OnDemandDeps } from './on-demand-handlers.ts';
import { argumentProblem, CALL_TOOL, callToolArgs, ON_DEMAND_TOOL_NAMES, SEARCH_TOOLS } from './on-demand-tools.ts';
import type { ToolAccessRequest } from './tool-access.ts';

/** Our own key in a multi-round-trip exchange; namespaced so it never meets a connector's keys. */
export const APPROVAL = 'io.switchboard/approval';
const approvalSchema = z.object({ approve: z.boolean().describe('Allow this one call') });

const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;
const PAGE_SIZE = 100;

/** What the gateway keeps in a 2026 `requestState` between rounds (sealed and bound to the caller). */
export interface GatewayRequestState {
  tool: string;
  approved: boolean;
  /** The connector's own `requestState`, echoed back to it byte for byte. (`tool` names the request: a tool, or `prompts/get:<name>`…) */
  upstream?: string | undefined;
}

export interface GatewayServerOptions {
  core: GatewayCore;
  caller: Caller;
  version: string;
  era: 'modern' | 'legacy';
  requestState: RequestStateCodec<GatewayRequestState>;
  /** Legacy sessions keep subscriptions to route `notifications/resources/updated`. */
  subscriptions?: Set<string>;
  /** The tool of this request's tools/call, when the endpoint resolved it already. */
  resolvedTool?: GatewayTool;
  /** Tool access modes (docs/tool-access.md): without them every tool is listed. */
  onDemand?: OnDemandDeps | undefined;
  /** This connection's client and the mode its URL asks for. */
  access?: ToolAccessRequest | undefined;
}

/**
 * Cursor over a deterministic order: the last key served, not an offset, so lists that change between
 * pages neither skip nor repeat.
 */
function page<T>(items: T[], key: (item: T) => string, cursor: string | undefined): { items: T[]; nextCursor?: string } {
  let start = 0;
  if (cursor !== undefined) {
    let after: unknown;
    try {
      after = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown }).after;
    } catch {
      // answered below
    }
    if (typeof after !== 'string') throw new ProtocolError(INVALID_PARAMS, 'The cursor is not one this server issued; list from the start.');
    start = items.findIndex((item) => key(item) === after) + 1;
    if (start === 0) throw new ProtocolError(INVALID_PARAMS, 'The cursor points at an entry that is no longer listed; list from the start.');
  }
  const slice = items.slice(start, start + PAGE_SIZE);
  const more = start + PAGE_SIZE < items.length;
  return { items: slice, ...(more ? { nextCursor: Buffer.from(JSON.stringify({ after: key(slice.at(-1)!) })).toString('base64url') } : {}) };
}

/** Protocol errors pass as they are (a connector's own codes included); ours become readable internal errors. */
function asProtocolError(err: unknown): unknown {
  if (err instanceof ProtocolError) return err;
  if (err instanceof AppError) return new ProtocolError(err.code === 'unknown_tool' ? INVALID_PARAMS : INTERNAL_ERROR, err.message);
  // The database restarting: said so, with the request's reference, rather than the driver's words (and address).
  if (isDatabaseUnavailable(err)) {
    const reference = currentRequestId();
    return new ProtocolError(INTERNAL_ERROR, `${databaseUnavailable().message}${reference ? ` (reference ${reference})` : ''}`);
  }
  const e = err as { code?: unknown; message?: unknown; data?: unknown };
  if (typeof e?.code === 'number' && typeof e.message === 'string') return new ProtocolError(e.code, e.message, e.data);
  return err;
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw asProtocolError(err);
  }
}

/**
 * The person's MCP client for what a connector asks or logs during a call. A 2025 session can be asked
 * (the request rides the call's stream); a 2026 request cannot, and receives the connector's questions
 * as an `input_required` result instead (see tools/call below).
 */
function peerFor(ctx: ServerContext, era: 'modern' | 'legacy'): DownstreamPeer {
  return {
    request: async (method, params) => {
      if (era !== 'legacy') throw new ProtocolError(-32601, `Switchboard cannot relay ${method} to a 2026-07-28 client in the middle of a call.`);
      return (await ctx.mcpReq.send({ method: method as 'elicitation/create', ...(params ? { params } : {}) })) as Record<string, unknown>;
    },
    notify: async (method, params) => {
      await ctx.mcpReq.notify({ method, ...(params ? { params } : {}) });
    },
  };
}

function progressForwarder(ctx: ServerContext) {
  const token = ctx.mcpReq._meta?.progressToken;
  if (token === undefined) return undefined;
  return (progress: { progress: number; total?: number; message?: string }) => {
    void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...progress } }).catch(() => {});
  };
}

/** Connector input requests that Switchboard's own approval key must not shadow (and vice versa). */
function withoutApproval(responses: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!responses) return undefined;
  const { [APPROVAL]: _ours, ...rest } = responses;
  return Object.keys(rest).length ? rest : undefined;
}

/**
 * One person's aggregated MCP server: every handler goes through the gateway core, so the policy, the
 * person's credentials and the audit apply to whatever arrives here. Built per request (2026) or per
 * session (2025).
 */
export function buildGatewayServer(options: GatewayServerOptions): Server {
  const { core, caller, era, onDemand } = options;
  const access = options.access ?? {};
  /** A connector's `input_required` answer, passed on with its state sealed inside ours. */
  const sealed = async (result: InputRequiredResult, state: GatewayRequestState, ctx: ServerContext) =>
    inputRequired({
      ...(result.inputRequests ? { inputRequests: result.inputRequests as InputRequests } : {}),
      requestState: await options.requestState.mint({ ...state, upstream: result.requestState }, ctx),
    });
  /**
   * A 2026 request whose connector answers `input_required`: relayed to the person's client with the
   * connector's own state sealed inside ours, and the client's answers passed back on the retry.
   */
  async function relayed<T extends { _meta?: Record<string, unknown> | undefined }>(ctx: ServerContext, key: string, run: (relay: Relay | undefined) => Promise<T | InputRequiredResult>): Promise<T | InputRequiredResult> {
    if (era !== 'modern') return withoutProtocolMeta((await run(undefined)) as T);
    const state = ctx.mcpReq.requestState<GatewayRequestState>();
    if (state && state.tool !== key) throw new ProtocolError(INVALID_PARAMS, 'This requestState belongs to another request; start again.');
    const result = await run({ inputResponses: ctx.mcpReq.inputResponses, requestState: state?.upstream });
    if (!isInputRequiredResult(result)) return withoutProtocolMeta(result as T);
    return sealed(result, { tool: key, approved: false }, ctx);
  }

  /**
   * The caller of one request. A 2025 session's server is built once, at initialize; each of its requests still has
   * its own reference (the request id its errors quote, its audit event and its log lines carry).
   */
  const callerOf = (ctx: ServerContext): Caller => {
    const current = (ctx.http?.authInfo?.extra as { caller?: Caller } | undefined)?.caller;
    return current?.requestId && current.userId === caller.userId && current.requestId !== caller.requestId ? { ...caller, requestId: current.requestId } : caller;
  };

  const server = new Server(
    { name: 'switchboard', version: options.version },
    {
      capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true }, logging: {}, completions: {} },
      requestState: { verify: (state, ctx) => options.requestState.verify(state, ctx) },
    },
  );

  server.setRequestHandler('tools/list', (request) =>
    guard(async () => {
      // The mode in force decides what is listed: every tool, or the On demand set (search, call, pins, added).
      const tools = onDemand ? (await onDemand.access.view(caller, access)).listed : (await core.listTools(caller)).tools.map((t) => t.tool);
      const { items, nextCursor } = page(tools, (t) => t.name, request.params?.cursor);
      return { tools: items, ...(nextCursor ? { nextCursor } : {}) };
    }),
  );

  /**
   * One call of a connector's tool, from a plain tools/call or from call_tool: the approval of an `ask` tool
   * (elicitation on a 2025 session, an input-required round in 2026), then the core's one path. `key` names the
   * request in its sealed state, so a state minted for one call is refused by any other.
   */
  async function runTool(tool: GatewayTool, args: Record<string, unknown> | undefined, ctx: ServerContext, key: string) {
    const caller = callerOf(ctx);
    const state = ctx.mcpReq.requestState<GatewayRequestState>();
    if (state && state.tool !== key) throw new ProtocolError(INVALID_PARAMS, 'This requestState belongs to another tool call; start the call again.');
    const responses = ctx.mcpReq.inputResponses;
    let approved = state?.approved === true;
    if (tool.decision === 'ask' && !approved) {
      const answer = acceptedContent(responses, APPROVAL, approvalSchema);
      if (answer?.approve === true) {
        approved = true;
      } else if (responses && APPROVAL in responses) {
        await core.recordDeclined(caller, tool);
        return toolError(`You did not approve "${tool.originalName}" (${tool.connector}); it did not run.`);
      } else if (server.getClientCapabilities()?.elicitation) {
        // Elicitation on a 2025 session, an input-required round trip in 2026: the SDK picks by era.
        return inputRequired({ inputRequests: approvalRequest(tool), requestState: await options.requestState.mint({ tool: key, approved: false }, ctx) });
      }
    }
    const result = await core.callTool(caller, tool, args, {
      signal: ctx.mcpReq.signal,
      approved,
      peer: peerFor(ctx, era),
      onprogress: progressForwarder(ctx),
      // 2026 clients get the connector's own questions as input-required rounds, relayed as they are.
      allowInputRequired: era === 'modern',
      inputResponses: era === 'modern' ? withoutApproval(responses) : undefined,
      requestState: state?.upstream,
      clientCapabilities: server.getClientCapabilities(),
    });
    if (isInputRequiredResult(result)) return sealed(result, { tool: key, approved }, ctx);
    return withoutProtocolMeta(result);
  }

  /**
   * A tool named by the client that is not among the person's now: when the name is one of ours
   * (`connector__tool`), the refusal says why — the policy's block with its reason, or the connection to fix
   * with its link — as `tools/list` would have by leaving it out; undefined when it is no name we issued.
   */
  async function refusalFor(name: string, ctx: ServerContext) {
    const parts = splitToolName(name);
    if (!parts || core.naming.toolName(parts.connector, parts.tool) !== name) return undefined;
    return core.unavailable(callerOf(ctx), parts.connector, parts.tool);
  }

  /** `call_tool`: any tool the person may use, by name, through the same path as a direct call. */
  async function callThrough(raw: unknown, ctx: ServerContext) {
    const parsed = callToolArgs.safeParse(raw ?? {});
    if (!parsed.success) return toolError(argumentProblem(CALL_TOOL, parsed.error));
    const { name, arguments: args } = parsed.data;
    if (ON_DEMAND_TOOL_NAMES.has(name)) return toolError(`call_tool calls your connectors' tools; call ${name} directly instead.`);
    const tool = await core.resolveTool(caller, name).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'unknown_tool') return undefined;
      throw err;
    });
    if (!tool) {
      const refusal = await refusalFor(name, ctx);
      if (refusal) return refusal;
      return toolError(`No tool named "${name}" is available to you. Find tools with ${SEARCH_TOOLS} and use the exact name it returns (like "connector__tool"); the connector may also be disconnected, not enabled, or the tool blocked by your organization.`);
    }
    return runTool(tool, args, ctx, `${CALL_TOOL}:${tool.name}`);
  }

  server.setRequestHandler('tools/call', (request, ctx) =>
    guard(async () => {
      const name = request.params.name;
      if (onDemand && ON_DEMAND_TOOL_NAMES.has(name)) {
        // Switchboard's own On demand tools, in every mode (a list may have changed since the client read it);
        // in the pass-through test profile, a connector's tool of the same name wins outside On demand.
        const view = await onDemand.access.view(caller, access);
        if (view.mode === 'on_demand' || !view.list.byName.has(name)) {
          if (name === CALL_TOOL) return callThrough(request.params.arguments, ctx);
          if (name === SEARCH_TOOLS) return searchTools(onDemand, caller, access, view, request.params.arguments);
          return suggestConnectorsTool(onDemand, caller, view.list, request.params.arguments);
        }
      }
      // Any tool the person may use can be called by name, listed or not (On demand lists only some): policy decides.
      let tool: GatewayTool;
      try {
        tool = options.resolvedTool?.name === name ? options.resolvedTool : await core.resolveTool(caller, name);
      } catch (err) {
        const refusal = err instanceof AppError && err.code === 'unknown_tool' ? await refusalFor(name, ctx) : undefined;
        if (refusal) return refusal;
        throw err;
      }
      return runTool(tool, request.params.arguments, ctx, tool.name);
    }),
  );

  server.setRequestHandler('resources/list', (request) =>
    guard(async () => {
      const resources = await core.upstreams.listResources(caller);
      const { items, nextCursor } = page(resources, (r) => r.uri, request.params?.cursor);
      return { resources: items, ...(nextCursor ? { nextCursor } : {}) };
    }),
  );
  server.setRequestHandler('resources/templates/list', (request) =>
    guard(async () => {
      const templates = await core.upstreams.listResourceTemplates(caller);
      const { items, nextCursor } = page(templates, (t) => t.uriTemplate, request.params?.cursor);
      return { resourceTemplates: items, ...(nextCursor ? { nextCursor } : {}) };
    }),
  );
  server.setRequestHandler('resources/read', (request, ctx) =>
    guard(() => relayed(ctx, `resources/read:${request.params.uri}`, (relay) => core.upstreams.readResource(caller, request.params.uri, peerFor(ctx, era), relay))),
  );
  server.setRequestHandler('resources/subscribe', (request) =>
    guard(async () => {
      await core.upstreams.subscribe(caller, request.params.uri);
      options.subscriptions?.add(request.params.uri);
      return {};
    }),
  );
  server.setRequestHandler('resources/unsubscribe', (request) =>
    guard(async () => {
      options.subscriptions?.delete(request.params.uri);
      await core.upstreams.unsubscribe(caller, request.params.uri);
      return {};
    }),
  );

  server.setRequestHandler('prompts/list', (request) =>
    guard(async () => {
      const prompts = await core.upstreams.listPrompts(caller);
      const { items, nextCursor } = page(prompts, (p) => p.name, request.params?.cursor);
      return { prompts: items.map((p) => ({ ...p.item, name: p.name })), ...(nextCursor ? { nextCursor } : {}) };
    }),
  );
  server.setRequestHandler('prompts/get', (request, ctx) =>
    guard(() => relayed(ctx, `prompts/get:${request.params.name}`, (relay) => core.upstreams.getPrompt(caller, request.params.name, request.params.arguments, peerFor(ctx, era), relay))),
  );
  server.setRequestHandler('completion/complete', (request) => guard(() => core.upstreams.complete(caller, request.params)));
  server.setRequestHandler('logging/setLevel', (request) =>
    guard(async () => {
      await core.upstreams.setLoggingLevel(caller, request.params.level);
      return {};
    }),
  );
  return server;
}

function approvalRequest(tool: GatewayTool): InputRequests {
  return {
    [APPROVAL]: inputRequired.elicit({
      message: `Allow ${tool.connector} to run "${tool.tool.title ?? tool.originalName}"? ${tool.reason}`,
      requestedSchema: approvalSchema,
    }),
  };
}
