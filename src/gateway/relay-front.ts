import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateHostHeader, validateOriginHeader, type AuthInfo } from '@modelcontextprotocol/server';
import { requestReference } from '../shared/crypto.ts';
import type { Caller, GatewayCore } from './core.ts';
import { forwardToolCall, MODERN, type ForwardDeps, type RelayedCall, type ToolsCallMessage } from './forward-call.ts';
import type { LegacySessions } from './legacy-sessions.ts';
import { HEADER_MISMATCH, paramDeclarations, paramHeaderMismatch } from './param-headers.ts';
import { ON_DEMAND_TOOL_NAMES } from './on-demand-tools.ts';
import { parseMode } from './tool-access-mode.ts';
import type { RateLimiter } from '../shared/rate-limit.ts';

/**
 * The front of `/mcp` on the Node server itself, before the web framework: a `tools/call` that can be relayed
 * straight to its connector (forward-call.ts) is served here, without building web-standard Request and Response
 * objects, a framework context or an SDK server for it. That overhead cost more CPU than the rest of a relayed
 * call. Everything else — and any call this front is not sure about — goes on to the `/mcp` route (mcp-endpoint.ts)
 * with its body intact, where the SDK answers it, errors included. So the front never has to produce a protocol
 * error of its own: it relays, or it hands on.
 *
 * It applies what the route applies: the DNS-rebinding guard, the same bearer check, the person's organization,
 * the policy (through `GatewayCore.resolveTool` and `forwardable`), the SEP-2243 header check, and it audits the
 * call (in forward-call.ts).
 *
 * Tool access modes (docs/tool-access.md) change what is listed, not what may be called: a connector's tool is
 * relayed here whatever the mode, listed or not, as long as the policy allows it. Switchboard's own On demand
 * tools are never relayed: they go on to the route.
 */

/** A Node request handler: the framework's, to which this front hands on. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A request the front answered itself: `relayed` unless it refused it (a header/body mismatch). */
export interface RelayAnswer {
  status: number;
  seconds: number;
  era: 'modern' | 'legacy';
  relayed: boolean;
}

/** Who the bearer check says is calling, or the reason to hand on. */
export interface FrontPrincipal {
  userId: string;
  clientId?: string | undefined;
  scopes?: string[] | undefined;
}

export interface RelayFrontDeps {
  core: GatewayCore;
  forwarding: ForwardDeps;
  /** The `/mcp` bearer check on the Authorization header; `undefined` hands the request on (for its 401). */
  authenticate: (authorization: string | undefined, reference: string) => Promise<FrontPrincipal | undefined>;
  organizationFor: (userId: string, requested: string | undefined) => Promise<string | undefined>;
  hosts: string[];
  origins: string[];
  sessions: LegacySessions;
  maxBody: number;
  /** Counts each request the front answers itself (the route counts what it hands on). */
  rateLimit?: RateLimiter | undefined;
  /** Each relayed request once answered (metrics). */
  onAnswered?: (answer: RelayAnswer) => void;
  onError?: (err: Error, reference: string) => void;
}

/** The JSON-RPC error code of a request refused by a rate limit (server-defined range), with HTTP 429. */
export const RATE_LIMITED = -32029;

/** 2025 protocol versions whose sessions may have their calls relayed (the SDK's legacy ones). */
const LEGACY_VERSIONS = new Set(['2025-11-25', '2025-06-18', '2025-03-26']);

export function createRelayFront(deps: RelayFrontDeps): (req: IncomingMessage, res: ServerResponse, next: NodeHandler) => void {
  const allowedHost = memo((host: string) => validateHostHeader(host, deps.hosts).ok);
  const allowedOrigin = memo((origin: string) => validateOriginHeader(origin, deps.origins).ok);

  /** Whether the request could be a relayable call, from its first line and headers alone. */
  function candidate(req: IncomingMessage): boolean {
    if (req.method !== 'POST') return false;
    const url = req.url ?? '';
    if (url !== '/mcp' && !url.startsWith('/mcp?')) return false;
    const h = req.headers;
    const version = h['mcp-protocol-version'];
    if (version === MODERN) {
      if (h['mcp-method'] !== 'tools/call' || typeof h['mcp-name'] !== 'string') return false;
      // Switchboard's own On demand tools (search_tools, call_tool, suggest_connectors) are served by the route.
      if (ON_DEMAND_TOOL_NAMES.has(h['mcp-name'])) return false;
    } else if (typeof version !== 'string' || !LEGACY_VERSIONS.has(version) || typeof h['mcp-session-id'] !== 'string') return false;
    const length = Number(h['content-length']);
    if (!(length > 0 && length <= deps.maxBody)) return false;
    const accept = h.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
    // The media type itself, as the route's SDK checks it (`application/jsonx` is not JSON).
    if ((h['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase() !== 'application/json') return false;
    // A `?tools=` the route would refuse (400) is the route's to answer.
    if (url.includes('tools=') && !validToolsParam(url)) return false;
    if (!allowedHost(h.host ?? '')) return false;
    return h.origin === undefined || allowedOrigin(h.origin);
  }

  async function relay(req: IncomingMessage, res: ServerResponse, next: NodeHandler, reference: string, started: number): Promise<void> {
    const h = req.headers;
    const principal = await deps.authenticate(h.authorization, reference);
    // Not accepted: the route answers with its 401 and challenge (the body is still unread).
    if (!principal) return next(req, res);
    const raw = await readBody(req, deps.maxBody);
    const message = parseCall(raw);
    if (!message || ON_DEMAND_TOOL_NAMES.has(message.params.name)) return handOn(req, res, next, raw);

    let call: Omit<RelayedCall, 'tool' | 'connector'>;
    const authInfo: AuthInfo = { token: 'redacted', clientId: principal.clientId ?? 'personal-access-token', scopes: principal.scopes ?? [], extra: {} };
    if (h['mcp-protocol-version'] === MODERN) {
      if (message.params._meta?.['io.modelcontextprotocol/protocolVersion'] !== MODERN || h['mcp-name'] !== message.params.name) return handOn(req, res, next, raw);
      const requested = header(h['x-switchboard-org']) ?? orgQuery(req.url ?? '');
      // An organization that is not the person's is the route's to refuse (403), like any request it doubts.
      const orgId = await deps.organizationFor(principal.userId, requested).then((id) => ({ id }), () => undefined);
      if (!orgId) return handOn(req, res, next, raw);
      const caller: Caller = { userId: principal.userId, orgId: orgId.id, surface: 'mcp', requestId: reference };
      call = { message, headers: h, caller, authInfo, era: 'modern', answerHeaders: { 'x-request-id': reference } };
    } else {
      const sessionId = h['mcp-session-id'] as string;
      const session = deps.sessions.get(sessionId);
      // An unknown session, or another person's, is the route's to answer (404, the same for both).
      if (!session || session.caller.userId !== principal.userId) return handOn(req, res, next, raw);
      const caller: Caller = { ...session.caller, requestId: reference };
      call = { message, headers: h, caller, authInfo, era: 'legacy', clientCapabilities: session.server.getClientCapabilities(), answerHeaders: { 'x-request-id': reference, 'mcp-session-id': sessionId } };
    }
    authInfo.extra = { caller: call.caller };

    const tool = await deps.core.resolveTool(call.caller, message.params.name).catch(() => undefined);
    if (!tool) return handOn(req, res, next, raw);
    const declarations = paramDeclarations(tool.tool.inputSchema);
    if (declarations.length > 0) {
      // A 2025 client sends no parameter headers, and the connector expects them: the SDK path adds them.
      if (call.era === 'legacy') return handOn(req, res, next, raw);
      const mismatch = paramHeaderMismatch(declarations, message.params.arguments, { get: (name) => header(h[name.toLowerCase()]) ?? null });
      if (mismatch) {
        res.writeHead(400, { 'content-type': 'application/json', 'x-request-id': reference });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: HEADER_MISMATCH, message: `Bad Request: the request headers and body disagree: ${mismatch}` } }));
        return deps.onAnswered?.({ status: 400, seconds: (performance.now() - started) / 1000, era: call.era, relayed: false });
      }
    }
    const connector = await deps.core.forwardable(call.caller, tool);
    if (!connector) return handOn(req, res, next, raw);
    // Over a limit: the route refuses it (a refusal counts nothing, so it refuses again), with its request log line.
    const verdict = await deps.rateLimit?.take(call.caller.userId, call.caller.orgId);
    if (verdict && !verdict.ok) return handOn(req, res, next, raw);

    const outcome = await forwardToolCall(deps.forwarding, { ...call, tool, connector }, res);
    if (outcome === 'ask-session') return handOn(req, res, next, raw);
    deps.onAnswered?.({ status: res.statusCode, seconds: (performance.now() - started) / 1000, era: call.era, relayed: true });
  }

  return (req, res, next) => {
    if (!candidate(req)) return next(req, res);
    const reference = requestReference();
    relay(req, res, next, reference, performance.now()).catch((err: unknown) => {
      // Nobody is left to answer.
      if (err instanceof ClientGone) return;
      deps.onError?.(err as Error, reference);
      if (res.headersSent) res.destroy();
      else if (!req.readableEnded) next(req, res);
      else {
        res.writeHead(500, { 'content-type': 'application/json', 'x-request-id': reference });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: `Switchboard could not serve this request (reference ${reference}). Try again; if it keeps failing, give the reference to your administrator.` } }));
      }
    });
  };
}

class ClientGone extends Error {
  constructor() {
    super('the client closed the request before its body ended');
  }
}

/** Hands a request on to the framework, with the body this front already read (see @hono/node-server's rawBody). */
function handOn(req: IncomingMessage, res: ServerResponse, next: NodeHandler, raw: Buffer): void {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
  next(req, res);
}

/** The body, up to `limit` bytes (events rather than async iteration: this runs on every relayed call). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Content-Length said otherwise; the route's own reading refuses it with the SDK's 413.
      if (size <= limit) chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.readableEnded) reject(new ClientGone());
    });
  });
}

/** A plain first `tools/call`: nothing the relay would have to interpret (input rounds, state, tasks). */
function parseCall(raw: Buffer): ToolsCallMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const m = value as Record<string, unknown>;
  if (m['jsonrpc'] !== '2.0' || m['method'] !== 'tools/call' || !(typeof m['id'] === 'string' || typeof m['id'] === 'number')) return undefined;
  const params = m['params'];
  if (!params || typeof params !== 'object' || Array.isArray(params)) return undefined;
  const p = params as Record<string, unknown>;
  if (typeof p['name'] !== 'string') return undefined;
  for (const key in p) if (key !== 'name' && key !== 'arguments' && key !== '_meta') return undefined;
  if (p['arguments'] !== undefined && (!p['arguments'] || typeof p['arguments'] !== 'object' || Array.isArray(p['arguments']))) return undefined;
  if (p['_meta'] !== undefined && (!p['_meta'] || typeof p['_meta'] !== 'object' || Array.isArray(p['_meta']))) return undefined;
  return value as ToolsCallMessage;
}

const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

function validToolsParam(url: string): boolean {
  const values = new URLSearchParams(url.slice(url.indexOf('?') + 1)).getAll('tools');
  return values.length <= 1 && values.every((v) => parseMode(v) !== undefined);
}

function orgQuery(url: string): string | undefined {
  const at = url.indexOf('?');
  return at === -1 ? undefined : (new URLSearchParams(url.slice(at + 1)).get('org') ?? undefined);
}

/** Host and Origin values repeat on every request of a client: each is checked once. */
function memo(check: (value: string) => boolean): (value: string) => boolean {
  const seen = new Map<string, boolean>();
  return (value) => {
    let ok = seen.get(value);
    if (ok === undefined) {
      ok = check(value);
      if (seen.size >= 1_000) seen.clear();
      seen.set(value, ok);
    }
    return ok;
  };
}
