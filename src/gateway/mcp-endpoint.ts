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
import type { Caller, GatewayCore, GatewayTool } from './core.ts';
import { HEADER_MISMATCH, paramDeclarations, paramHeaderMismatch } from './param-headers.ts';
import { LegacySessions } from './legacy-sessions.ts';
import { buildGatewayServer, type GatewayRequestState } from './mcp-server.ts';
import { asPerson, PersonEventBus } from './person-event-bus.ts';

/** Who is calling /mcp, as established by the endpoint's authentication. */
export interface McpPrincipal {
  userId: string;
  via: 'token' | 'oauth';
  clientId?: string;
  scopes?: string[];
}

/** Authenticates an /mcp request, or answers it (401 with the challenge that starts OAuth discovery). */
export type McpAuthenticator = (request: Request) => Promise<McpPrincipal | Response>;

export interface McpEndpointDeps {
  core: GatewayCore;
  authenticate: McpAuthenticator;
  /** The person's organization for this request: an explicit choice (checked) or their default. */
  organizationFor: (userId: string, requested: string | undefined) => Promise<string | undefined>;
  version: string;
  publicUrl: string;
  /** Host names accepted besides PUBLIC_URL's and localhost's. */
  allowedHosts: string[];
  /** Seals 2026 `requestState` so every node can read what another node minted. */
  secretKey: Buffer;
  sessionIdleMs: number;
  onError?: (err: Error) => void;
}

export interface McpEndpoint {
  /** Tells one person's clients (or everyone's) to list again. */
  listChanged(kind: 'tools' | 'resources' | 'prompts', userId?: string): void;
  /** A resource a person subscribed to changed at its connector (`uri` as the person's clients know it). */
  resourceUpdated(userId: string, uri: string): void;
  close(): Promise<void>;
}

function callerOf(authInfo: AuthInfo | undefined): Caller {
  const caller = authInfo?.extra?.caller as Caller | undefined;
  if (!caller) throw new ProtocolError(-32603, 'The request reached the MCP server without an authenticated caller.');
  return caller;
}

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
  const sessions = new LegacySessions({ idleMs: deps.sessionIdleMs });
  const build = (caller: Caller, era: 'modern' | 'legacy', subscriptions?: Set<string>, resolvedTool?: GatewayTool) =>
    buildGatewayServer({ core: deps.core, caller, version: deps.version, era, requestState, ...(subscriptions ? { subscriptions } : {}), ...(resolvedTool ? { resolvedTool } : {}) });
  const onerror = (err: Error) => deps.onError?.(err);
  const modern = createMcpHandler((ctx) => build(callerOf(ctx.authInfo), 'modern', undefined, ctx.authInfo?.extra?.resolvedTool as GatewayTool | undefined), { legacy: 'reject', bus, onerror });

  /**
   * A 2026 tools/call is resolved before dispatch, so that `Mcp-Param-*` headers can be checked against the
   * tool's own `x-mcp-header` declarations (SEP-2243: 400 on disagreement) and the handler need not resolve
   * the tool again.
   */
  async function precheckModern(request: Request, caller: Caller, authInfo: AuthInfo): Promise<Response | undefined> {
    if (request.method !== 'POST') return undefined;
    const call = toolsCall.safeParse(await request.clone().json().catch(() => undefined));
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
  const stateless = legacyStatelessFallback((ctx) => build(callerOf(ctx.authInfo), 'legacy'), onerror);

  const publicHost = new URL(deps.publicUrl).hostname;
  const hosts = [...new Set([publicHost, ...localhostAllowedHostnames(), ...deps.allowedHosts])];
  const origins = [...new Set([publicHost, ...localhostAllowedOrigins(), ...deps.allowedHosts])];

  async function serveLegacy(request: Request, caller: Caller, authInfo: AuthInfo): Promise<Response> {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId) {
      const session = sessions.get(sessionId);
      // Another person's session id is answered exactly like an unknown one.
      if (!session || session.caller.userId !== caller.userId) return jsonRpcError(404, -32001, 'Session not found: it ended or belongs to another sign-in. Initialize a new session.');
      return session.transport.handleRequest(request, { authInfo });
    }
    if (request.method === 'POST') {
      const body: unknown = await request
        .clone()
        .json()
        .catch(() => undefined);
      if (isInitializeRequest(body)) return sessions.open(request, caller, authInfo, body, (subscriptions) => build(caller, 'legacy', subscriptions));
    }
    // A 2025 client that keeps no session (or a plain HTTP script): served statelessly, no mid-call questions.
    return stateless(request, { authInfo });
  }

  app.all('/mcp', async (c) => {
    const request = c.req.raw;
    // DNS-rebinding guard: a browser page on another site must not reach a local Switchboard.
    const rejected = hostHeaderValidationResponse(request, hosts) ?? originValidationResponse(request, origins);
    if (rejected) return rejected;
    const principal = await deps.authenticate(request);
    if (principal instanceof Response) return principal;
    const requested = c.req.header('x-switchboard-org') ?? c.req.query('org');
    const orgId = await deps.organizationFor(principal.userId, requested);
    const caller: Caller = { userId: principal.userId, orgId, surface: 'mcp', requestId: c.get('requestId') };
    const authInfo: AuthInfo = { token: 'redacted', clientId: principal.clientId ?? 'personal-access-token', scopes: principal.scopes ?? [], extra: { caller } };
    if (await isLegacyRequest(request)) return serveLegacy(request, caller, authInfo);
    const refused = await precheckModern(request, caller, authInfo);
    if (refused) return refused;
    return asPerson(caller.userId, () => modern.fetch(request, { authInfo }));
  });

  const eventFor = (kind: 'tools' | 'resources' | 'prompts'): ServerEvent => ({ kind: `${kind}_list_changed` });
  return {
    listChanged(kind, userId) {
      if (userId) bus.publishTo(userId, eventFor(kind));
      else bus.publish(eventFor(kind));
      for (const session of userId ? sessions.forPerson(userId) : sessions.all()) {
        const send = kind === 'tools' ? session.server.sendToolListChanged() : kind === 'resources' ? session.server.sendResourceListChanged() : session.server.sendPromptListChanged();
        void send.catch(() => {});
      }
    },
    resourceUpdated(userId, uri) {
      bus.publishTo(userId, { kind: 'resource_updated', uri });
      for (const session of sessions.forPerson(userId)) {
        if (session.subscriptions.has(uri)) void session.server.sendResourceUpdated({ uri }).catch(() => {});
      }
    },
    async close() {
      await sessions.close();
      await modern.close();
    },
  };
}
