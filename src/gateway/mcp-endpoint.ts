import { createHmac } from 'node:crypto';
import {
  createMcpHandler,
  createRequestStateCodec,
  hostHeaderValidationResponse,
  isInitializeRequest,
  isLegacyRequest,
  legacyStatelessFallback,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  ProtocolError,
  type AuthInfo,
  type ServerEvent,
} from '@modelcontextprotocol/server';
import type { Hono } from 'hono';
import type { AppEnv } from '../api/context.ts';
import { z } from 'zod';
import type { Caller, GatewayConnector, GatewayCore, GatewayTool } from './core.ts';
import type { Agents } from '../upstream/http-post.ts';
import { createRelayFront, type FrontPrincipal, type NodeHandler, type RelayAnswer } from './relay-front.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HEADER_MISMATCH, paramDeclarations, paramHeaderMismatch } from './param-headers.ts';
import { LegacySessions, type EndedSessions } from './legacy-sessions.ts';
import { sessionIdCodec } from './session-id.ts';
import { buildGatewayServer, type GatewayRequestState } from './mcp-server.ts';
import { asPerson, PersonEventBus } from './person-event-bus.ts';
import type { OnDemandDeps } from './on-demand-handlers.ts';
import type { ToolAccessRequest } from './tool-access.ts';
import { parseMode, TOOL_ACCESS_MODES, type McpClientRef } from './tool-access-mode.ts';
import { rateLimitMessage, type RateLimiter } from '../shared/rate-limit.ts';
import { RATE_LIMITED } from './relay-front.ts';

/** Who is calling /mcp, as established by the endpoint's authentication. */
export interface McpPrincipal {
  userId: string;
  via: 'token' | 'oauth';
  clientId?: string;
  /** A personal access token's id (`via: 'token'`). */
  tokenId?: string;
  scopes?: string[];
}

/** Authenticates an /mcp request, or answers it (401 with the challenge that starts OAuth discovery). */
/** `reference` is the request's id: a refusal carries it, and the request's log line has it too. */
export type McpAuthenticator = (request: Request, reference: string) => Promise<McpPrincipal | Response>;
/** The same check on the Authorization header's value alone (the relay front's). */
export type McpHeaderAuthenticator = (authorization: string | undefined, reference: string) => Promise<McpPrincipal | Response>;

export interface McpEndpointDeps {
  core: GatewayCore;
  authenticate: McpAuthenticator;
  authenticateHeader: McpHeaderAuthenticator;
  /** The person's organization for this request: an explicit choice (checked) or their default. */
  organizationFor: (userId: string, requested: string | undefined) => Promise<string | undefined>;
  version: string;
  publicUrl: string;
  /** Host names accepted besides PUBLIC_URL's and localhost's. */
  allowedHosts: string[];
  /** Seals 2026 `requestState` so every node can read what another node minted. */
  secretKey: Buffer;
  sessionIdleMs: number;
  /** 2025 sessions ended by their clients, shared by every node (Redis); left out, this node's record. */
  endedSessions?: EndedSessions | undefined;
  /** Tool calls without a per-connector limit end after this long. */
  callTimeoutMs?: number;
  /** Relay plain tool calls to 2026 connectors without re-hosting them (relay-front.ts); on by default. */
  forwardCalls?: boolean;
  onError?: (err: Error) => void;
  /** A request the relay front failed on unexpectedly (it answered 500 with this reference, or handed on). */
  onRelayError?: (err: Error, reference: string) => void;
  /** The egress guard's agents for a relayed call's connector. */
  agentsFor?: ((connector: GatewayConnector) => Agents) | undefined;
  /** Each request the relay front answered itself (metrics). */
  onRelayed?: (answer: RelayAnswer) => void;
  /** Requests per minute per person and organization; left out, no limit. */
  rateLimit?: RateLimiter | undefined;
  /** Tool access modes and the On demand tools (docs/tool-access.md); without them every tool is listed. */
  onDemand?: Omit<OnDemandDeps, 'toolsChanged'> | undefined;
}

export interface McpEndpoint {
  /** Tells one person's clients (or everyone's) to list again. */
  listChanged(kind: 'tools' | 'resources' | 'prompts', userId?: string): void;
  /** A resource a person subscribed to changed at its connector (`uri` as the person's clients know it). */
  resourceUpdated(userId: string, uri: string): void;
  /**
   * The Node-level front of `/mcp` (relay-front.ts): put it before the framework's request handler, to which it
   * hands on every request it does not relay itself.
   */
  front(req: IncomingMessage, res: ServerResponse, next: NodeHandler): void;
  close(): Promise<void>;
}

function callerOf(authInfo: AuthInfo | undefined): Caller {
  const caller = authInfo?.extra?.caller as Caller | undefined;
  if (!caller) throw new ProtocolError(-32603, 'The request reached the MCP server without an authenticated caller.');
  return caller;
}

const accessOf = (authInfo: AuthInfo | undefined): ToolAccessRequest => (authInfo?.extra?.access as ToolAccessRequest | undefined) ?? {};

/** The client connection a request came through: its OAuth client, or its personal access token. */
function clientOf(principal: McpPrincipal): McpClientRef | undefined {
  if (principal.via === 'oauth' && principal.clientId) return { kind: 'oauth', id: principal.clientId };
  if (principal.via === 'token' && principal.tokenId) return { kind: 'token', id: principal.tokenId };
  return undefined;
}

/** The SDK's own bound for a body it reads itself; bodies we parse for it get the same. */
const MAX_BODY = 4 * 1024 * 1024;

type Parsed = { ok: true; value: unknown } | { ok: false };

const jsonRpcError = (status: number, code: number, message: string, id: unknown = null) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }), { status, headers: { 'content-type': 'application/json' } });

const toolsCall = z.object({ jsonrpc: z.literal('2.0'), id: z.union([z.string(), z.number()]), method: z.literal('tools/call'), params: z.object({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() }).loose() });

/**
 * `/mcp`: one aggregated MCP server per person, both spec eras from one endpoint. 2026-07-28 requests are
 * served statelessly by the SDK's per-request handler (any node can answer any request); 2025-11-25
 * clients get a session (see legacy-sessions.ts), or stateless serving when they send no session id.
 */
export function mountMcpEndpoint(app: Hono<AppEnv>, deps: McpEndpointDeps): McpEndpoint {
  const requestState = createRequestStateCodec<GatewayRequestState>({
    key: createHmac('sha256', deps.secretKey).update('switchboard mcp request state v1').digest(),
    // State minted for one person and method is refused when echoed by anyone or anything else.
    bind: (ctx) => `${ctx.mcpReq.method}\0${callerOf(ctx.http?.authInfo).userId}`,
  });
  const bus = new PersonEventBus();
  const forwarding = { core: deps.core, version: deps.version, callTimeoutMs: deps.callTimeoutMs ?? 300_000, requestState, agentsFor: deps.agentsFor };
  const sessions = new LegacySessions({ idleMs: deps.sessionIdleMs, codec: sessionIdCodec(deps.secretKey), ...(deps.endedSessions ? { ended: deps.endedSessions } : {}) });
  let listChanged: McpEndpoint['listChanged'] = () => {};
  const onDemand: OnDemandDeps | undefined = deps.onDemand ? { ...deps.onDemand, toolsChanged: (userId) => listChanged('tools', userId) } : undefined;
  const build = (caller: Caller, access: ToolAccessRequest, era: 'modern' | 'legacy', subscriptions?: Set<string>, resolvedTool?: GatewayTool) =>
    buildGatewayServer({ core: deps.core, caller, version: deps.version, era, requestState, onDemand, access, ...(subscriptions ? { subscriptions } : {}), ...(resolvedTool ? { resolvedTool } : {}) });
  const onerror = (err: Error) => deps.onError?.(err);
  const modern = createMcpHandler((ctx) => build(callerOf(ctx.authInfo), accessOf(ctx.authInfo), 'modern', undefined, ctx.authInfo?.extra?.resolvedTool as GatewayTool | undefined), { legacy: 'reject', bus, onerror });

  /**
   * A 2026 tools/call is resolved before dispatch, so that `Mcp-Param-*` headers can be checked against the
   * tool's own `x-mcp-header` declarations (SEP-2243: 400 on disagreement) and the handler need not resolve
   * the tool again.
   */
  async function precheckModern(request: Request, body: unknown, caller: Caller, authInfo: AuthInfo): Promise<Response | undefined> {
    if (request.method !== 'POST' || (body as { method?: unknown } | undefined)?.method !== 'tools/call') return undefined;
    const call = toolsCall.safeParse(body);
    if (!call.success) return undefined;
    const tool = await deps.core.resolveTool(caller, call.data.params.name).catch(() => undefined);
    // An unknown tool is the handler's to refuse, in the protocol's own words.
    if (!tool) return undefined;
    const declarations = paramDeclarations(tool.tool.inputSchema);
    const mismatch = declarations.length ? paramHeaderMismatch(declarations, call.data.params.arguments, request.headers) : undefined;
    if (mismatch) return jsonRpcError(400, HEADER_MISMATCH, `Bad Request: the request headers and body disagree: ${mismatch}`, call.data.id);
    authInfo.extra = { ...authInfo.extra, resolvedTool: tool };
    return undefined;
  }
  const stateless = legacyStatelessFallback((ctx) => build(callerOf(ctx.authInfo), accessOf(ctx.authInfo), 'legacy'), onerror);

  const publicHost = new URL(deps.publicUrl).hostname;
  const hosts = [...new Set([publicHost, ...localhostAllowedHostnames(), ...deps.allowedHosts])];
  const origins = [...new Set([publicHost, ...localhostAllowedOrigins(), ...deps.allowedHosts])];

  async function serveLegacy(request: Request, body: Parsed, caller: Caller, authInfo: AuthInfo): Promise<Response> {
    const sessionId = request.headers.get('mcp-session-id');
    const parsed = body.ok ? { parsedBody: body.value } : {};
    if (sessionId) {
      // A session opened on another node (or on this one before a restart) is rebuilt from its id.
      const session = sessions.get(sessionId) ?? (await sessions.restore(request, sessionId, caller, authInfo, (subscriptions) => build(caller, accessOf(authInfo), 'legacy', subscriptions)));
      // Another person's session id is answered exactly like an unknown one.
      if (!session || session.caller.userId !== caller.userId) return jsonRpcError(404, -32001, 'Session not found: it ended or belongs to another sign-in. Initialize a new session.');
      return session.transport.handleRequest(request, { authInfo, ...parsed });
    }
    if (body.ok && isInitializeRequest(body.value)) return sessions.open(request, caller, authInfo, body.value, (subscriptions) => build(caller, accessOf(authInfo), 'legacy', subscriptions));
    // A 2025 client that keeps no session (or a plain HTTP script): served statelessly, no mid-call questions.
    return stateless(request, { authInfo, ...parsed });
  }

  /**
   * The body, read and parsed once for every layer (era routing, the SEP-2243 check, the SDK). A body that is
   * not JSON is handed on as it came, for the SDK to answer with its parse error.
   */
  async function readBody(request: Request): Promise<{ request: Request; body: Parsed }> {
    if (request.method !== 'POST') return { request, body: { ok: false } };
    const raw = await request.text();
    const rebuilt = () => new Request(request.url, { method: 'POST', headers: request.headers, body: raw });
    if (raw.length > MAX_BODY) return { request: rebuilt(), body: { ok: false } };
    try {
      return { request, body: { ok: true, value: JSON.parse(raw) as unknown } };
    } catch {
      return { request: rebuilt(), body: { ok: false } };
    }
  }

  app.all('/mcp', async (c) => {
    const raw = c.req.raw;
    // DNS-rebinding guard: a browser page on another site must not reach a local Switchboard.
    const rejected = hostHeaderValidationResponse(raw, hosts) ?? originValidationResponse(raw, origins);
    if (rejected) return rejected;
    const principal = await deps.authenticate(raw, c.get('requestId'));
    if (principal instanceof Response) return principal;
    const requested = c.req.header('x-switchboard-org') ?? c.req.query('org');
    const orgId = await deps.organizationFor(principal.userId, requested);
    const caller: Caller = { userId: principal.userId, orgId, surface: 'mcp', requestId: c.get('requestId') };
    const verdict = await deps.rateLimit?.take(caller.userId, orgId);
    if (verdict && !verdict.ok) {
      const refused = jsonRpcError(429, RATE_LIMITED, `${rateLimitMessage(verdict)} (reference ${caller.requestId})`);
      refused.headers.set('retry-after', String(verdict.retryAfterSeconds));
      return refused;
    }
    // `?tools=auto|always|on_demand` on the URL: a person configures a client's mode where they paste the URL.
    const toolsParam = c.req.query('tools');
    const requestedMode = toolsParam === undefined ? undefined : parseMode(toolsParam);
    if (toolsParam !== undefined && !requestedMode) {
      return jsonRpcError(400, -32602, `The tools parameter of the /mcp URL must be one of ${TOOL_ACCESS_MODES.join(', ')} (it is "${toolsParam}"). Fix the URL in your client's settings, or remove the parameter to use your own setting.`);
    }
    const access: ToolAccessRequest = { client: clientOf(principal), requested: requestedMode };
    const authInfo: AuthInfo = { token: 'redacted', clientId: principal.clientId ?? 'personal-access-token', scopes: principal.scopes ?? [], extra: { caller, access } };
    if (Number(raw.headers.get('content-length') ?? 0) > MAX_BODY) return jsonRpcError(413, -32600, `The request body is larger than ${MAX_BODY / 1024 / 1024} MiB.`);
    const { request, body } = await readBody(raw);
    const parsed = body.ok ? { parsedBody: body.value } : {};
    if (await isLegacyRequest(request, body.ok ? body.value : undefined)) return serveLegacy(request, body, caller, authInfo);
    const refused = await precheckModern(request, body.ok ? body.value : undefined, caller, authInfo);
    if (refused) return refused;
    return asPerson(caller.userId, () => modern.fetch(request, { authInfo, ...parsed }));
  });

  const principalOf = async (authorization: string | undefined, reference: string): Promise<FrontPrincipal | undefined> => {
    const principal = await deps.authenticateHeader(authorization, reference);
    return principal instanceof Response ? undefined : principal;
  };
  const front =
    deps.forwardCalls === false
      ? (req: IncomingMessage, res: ServerResponse, next: NodeHandler) => next(req, res)
      : createRelayFront({
          core: deps.core,
          forwarding,
          authenticate: principalOf,
          organizationFor: deps.organizationFor,
          hosts,
          origins,
          sessions,
          maxBody: MAX_BODY,
          rateLimit: deps.rateLimit,
          ...(deps.onRelayed ? { onAnswered: deps.onRelayed } : {}),
          ...(deps.onRelayError ? { onError: deps.onRelayError } : {}),
        });

  const eventFor = (kind: 'tools' | 'resources' | 'prompts'): ServerEvent => ({ kind: `${kind}_list_changed` });
  listChanged = (kind, userId) => {
    if (userId) bus.publishTo(userId, eventFor(kind));
    else bus.publish(eventFor(kind));
    for (const session of userId ? sessions.forPerson(userId) : sessions.all()) {
      const send = kind === 'tools' ? session.server.sendToolListChanged() : kind === 'resources' ? session.server.sendResourceListChanged() : session.server.sendPromptListChanged();
      void send.catch(() => {});
    }
  };
  return {
    listChanged,
    resourceUpdated(userId, uri) {
      bus.publishTo(userId, { kind: 'resource_updated', uri });
      for (const session of sessions.forPerson(userId)) {
        if (session.subscriptions.has(uri)) void session.server.sendResourceUpdated({ uri }).catch(() => {});
      }
    },
    front,
    async close() {
      await sessions.close();
      await modern.close();
    },
  };
}
