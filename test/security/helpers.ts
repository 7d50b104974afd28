import { createHash, randomBytes } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startServer, type RunningServer, type StartOptions } from '../../src/server/start.ts';
import { processStorage } from '../helpers/db.ts';

/**
 * What the security tests share: a real Switchboard on a free port, a seeded PRNG, a raw HTTP client that
 * sends exactly the bytes and headers it is given, the shapes every error must have, an upstream that
 * reveals whose credentials reached it, and a browser for Switchboard's own sign-in and consent pages.
 */

// ---------------------------------------------------------------------------------------------------------
// A real server

export interface Switchboard {
  server: RunningServer;
  url: string;
  /** Its data folder (the generated secret key lives there when none is set). */
  dataDir: string;
  close(): Promise<void>;
}

export interface SwitchboardOptions {
  /** Extra environment (LOG_LEVEL, SWITCHBOARD_SECRET_KEY, rate limits…). */
  env?: Record<string, string>;
  /** Where the JSON log lines go (default: nowhere). */
  logDestination?: DestinationStream;
  /** Pass REDIS_URL through when the run has one (shared by other test runs: see each caller for why). */
  redis?: boolean;
  /** The chat's model (a mock such as test/helpers/chat-client.ts streamingModel), so conversations can take turns. */
  chatModel?: StartOptions['chatModel'];
}

/** `switchboard serve` in this process, on its own storage (a new PGlite folder, or a new PostgreSQL database). */
export async function startSwitchboard(prefix: string, options: SwitchboardOptions = {}): Promise<Switchboard> {
  const storage = await processStorage(prefix);
  const env: Record<string, string> = {
    ...storage.env,
    PORT: '0',
    SWITCHBOARD_DEMO: 'off',
    SWITCHBOARD_SANDBOX: 'off',
    LOG_LEVEL: 'info',
    // Test upstreams and demo services listen on loopback, which the egress guard refuses by default.
    SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32',
    ...(options.redis && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...options.env,
  };
  const config = loadConfig({ env });
  const output: StartOptions = options.logDestination ? { logDestination: options.logDestination } : { logger: createLogger('silent') };
  let server: RunningServer;
  try {
    server = await startServer(config, { ...output, ...(options.chatModel ? { chatModel: options.chatModel } : {}) });
  } catch (err) {
    await storage.drop();
    throw err;
  }
  return {
    server,
    url: server.url,
    dataDir: storage.env.SWITCHBOARD_DATA_DIR!,
    close: async () => {
      await server.close();
      await storage.drop();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// A seeded PRNG: the same seed gives the same corpus and the same sequence of calls, run after run.

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  /** `n` random bytes. */
  bytes(n: number): Buffer;
}

/** mulberry32: tiny, fast and good enough to choose test inputs (never for secrets). */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!,
    chance: (p) => next() < p,
    bytes: (n) => {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = int(0, 255);
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// A raw HTTP client

export interface RawRequest {
  method: string;
  /** Path and query, sent as they are (no normalisation). */
  path: string;
  /** Name/value pairs in order; repeated names are sent repeatedly. A `host` pair is added when missing. */
  headers: Array<[string, string]>;
  body?: Buffer | undefined;
  /** Send the body with chunked transfer encoding instead of Content-Length. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export class RequestTimeout extends Error {}

/**
 * Sends one request with node:http, which (unlike fetch) lets a test repeat headers, leave out content-type or
 * send invalid UTF-8. The answer counts even when the server answers before reading the whole body (413).
 */
export function rawRequest(baseUrl: string, req: RawRequest, options: { agent?: Agent | false; timeoutMs?: number; onStaleSocket?: () => void } = {}): Promise<RawResponse> {
  return attempt(baseUrl, req, options.agent ?? false, options.timeoutMs ?? 20_000).catch((err: unknown) => {
    // A keep-alive socket the server closed just as it was reused: send the request again on a new connection, as
    // HTTP clients do. The server closes such sockets, without saying so in the answer before, after answering a
    // request whose body it did not read (@hono/node-server drains it for 500 ms at most) and after 5 s idle. A
    // request that really breaks the server breaks it again on the new connection, and is reported then.
    if (!(err instanceof StaleSocket)) throw err;
    options.onStaleSocket?.();
    return attempt(baseUrl, req, false, options.timeoutMs ?? 20_000);
  });
}

class StaleSocket extends Error {}

function attempt(baseUrl: string, req: RawRequest, agent: Agent | false, timeoutMs: number): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const flat: string[] = [];
  const names = new Set(req.headers.map(([n]) => n.toLowerCase()));
  if (!names.has('host')) flat.push('host', url.host);
  for (const [name, value] of req.headers) flat.push(name, value);
  if (req.body && !req.chunked && !names.has('content-length')) flat.push('content-length', String(req.body.length));
  return new Promise((resolve, reject) => {
    let settled = false;
    let answered = false;
    const settle = (outcome: RawResponse | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const request = httpRequest({ hostname: url.hostname, port: url.port, method: req.method, path: req.path, headers: flat, agent, setHost: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => settle({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      // Cut mid-answer on a reused socket: the same race as below (the close came as the answer began).
      res.on('error', (err) => settle(request.reusedSocket ? new StaleSocket(err.message) : err));
    });
    // A hang is a finding of its own: whatever state the exchange was in, it is reported as a timeout.
    const timer = setTimeout(() => {
      settle(new RequestTimeout(`${req.method} ${req.path.slice(0, 80)}: no complete answer within ${timeoutMs} ms`));
      request.destroy();
    }, timeoutMs);
    request.on('error', (err) => {
      if (answered) return;
      if (request.reusedSocket && ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || /socket hang up/.test(err.message))) {
        settle(new StaleSocket(err.message));
        return;
      }
      // Writing the rest of a refused body fails once the server has answered and closed: wait for that answer.
      setTimeout(() => {
        if (!answered) settle(err);
      }, 500);
    });
    if (req.body) request.end(req.body);
    else request.end();
  });
}

/**
 * The same over a bare socket, for bodies the server may refuse before reading them: it keeps writing while the
 * answer arrives and reads that answer even if the server then drops the connection (node:http would lose it to
 * the EPIPE of the write).
 */
export function rawSocketRequest(baseUrl: string, req: RawRequest, options: { timeoutMs?: number } = {}): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const body = req.body ?? Buffer.alloc(0);
  const lines = [`${req.method} ${req.path} HTTP/1.1`, `host: ${url.host}`, 'connection: close'];
  for (const [name, value] of req.headers) lines.push(`${name}: ${value}`);
  lines.push(req.chunked ? 'transfer-encoding: chunked' : `content-length: ${body.length}`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RequestTimeout(`${req.method} ${req.path.slice(0, 80)}: no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // A refused body ends in EPIPE or ECONNRESET on our side: what arrived before counts.
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const parsed = parseHttpResponse(Buffer.concat(received));
      if (parsed) resolve(parsed);
      else reject(new Error(`${req.method} ${req.path.slice(0, 80)}: the connection closed without a complete answer`));
    });
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    const slice = 256 * 1024;
    for (let at = 0; at < body.length; at += slice) {
      const part = body.subarray(at, at + slice);
      socket.write(req.chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part);
    }
    if (req.chunked) socket.write('0\r\n\r\n');
  });
}

/** Status, headers and body of an HTTP/1.1 response (Content-Length or chunked), or undefined if incomplete. */
function parseHttpResponse(data: Buffer): RawResponse | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...headerLines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!status) return undefined;
  const headers: IncomingHttpHeaders = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = data.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const chunks: Buffer[] = [];
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      if (lineEnd < 0) return undefined;
      const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (size === 0) break;
      chunks.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    return { status, headers, body: Buffer.concat(chunks) };
  }
  const length = Number(headers['content-length'] ?? rest.length);
  if (rest.length < length) return undefined;
  return { status, headers, body: rest.subarray(0, length) };
}

// ---------------------------------------------------------------------------------------------------------
// Shapes

export interface JsonRpcError {
  jsonrpc: '2.0';
  error: { code: number; message: string; data?: unknown };
  id: string | number | null;
}

/** `{"jsonrpc":"2.0","error":{"code":integer,"message":string},"id":…}`, nothing else at the top. */
export function isJsonRpcError(value: unknown): value is JsonRpcError {
  if (!isObject(value)) return false;
  const keys = Object.keys(value).sort();
  if (keys.join(',') !== 'error,id,jsonrpc') return false;
  const error = value.error;
  return value.jsonrpc === '2.0' && isObject(error) && Number.isInteger(error.code) && typeof error.message === 'string' && (value.id === null || typeof value.id === 'string' || typeof value.id === 'number');
}

/** A JSON-RPC response of either kind: a result or an error, with its id. */
export function isJsonRpcResponse(value: unknown): boolean {
  if (isJsonRpcError(value)) return true;
  if (!isObject(value)) return false;
  return value.jsonrpc === '2.0' && 'result' in value && isObject(value.result) && 'id' in value && !('error' in value);
}

/** The API's one error shape, `{"error":{"code","message","reference"}}` (plus optional details). */
export function isApiError(value: unknown): value is { error: { code: string; message: string; reference: string } } {
  if (!isObject(value) || Object.keys(value).join(',') !== 'error') return false;
  const e = value.error;
  if (!isObject(e)) return false;
  const extra = Object.keys(e).filter((k) => !['code', 'message', 'reference', 'details'].includes(k));
  return extra.length === 0 && typeof e.code === 'string' && typeof e.message === 'string' && e.message.length > 0 && typeof e.reference === 'string' && /^req_[A-Za-z0-9_-]{12}$/.test(e.reference);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON-RPC messages of an /mcp answer: one JSON document, or the `data:` lines of an event stream. */
export function mcpMessages(contentType: string | undefined, body: Buffer): unknown[] | undefined {
  const text = body.toString('utf8');
  try {
    if ((contentType ?? '').startsWith('text/event-stream')) {
      return text
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trim())
        .filter((data) => data.length > 0)
        .flatMap((data) => [JSON.parse(data) as unknown].flat());
    }
    if ((contentType ?? '').startsWith('application/json')) return [JSON.parse(text) as unknown].flat();
  } catch {
    return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// An upstream that says whose credentials reached it

export interface IdentityUpstream {
  url: string;
  /** Calls that reached `whoami`, by the identity whose key they carried. */
  calls: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A real MCP server (SDK v2, both eras) behind an API key, like a SaaS connector: each key belongs to one
 * identity, and `whoami` answers `<identity>|<nonce>`. A call that carried someone else's key would answer
 * with someone else's identity, and a mixed-up answer with someone else's nonce.
 */
export async function startIdentityUpstream(keys: () => ReadonlyMap<string, string>): Promise<IdentityUpstream> {
  const calls = new Map<string, number>();
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'identity', version: '1.0.0' });
    server.registerTool('whoami', { description: 'Says whose API key this call carried, and echoes the nonce.', inputSchema: z.object({ nonce: z.string() }), annotations: { readOnlyHint: true } }, async ({ nonce }, ctx) => {
      const who = String(ctx.http?.authInfo?.extra?.['who'] ?? 'nobody');
      calls.set(who, (calls.get(who) ?? 0) + 1);
      return { content: [{ type: 'text', text: `${who}|${nonce}` }] };
    });
    return server;
  });
  const http: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const key = req.headers['x-api-key'];
    const who = typeof key === 'string' ? keys().get(key) : undefined;
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, ...(body.length ? { body } : {}) });
    const response = who
      ? await handler.fetch(request, { authInfo: { token: 'api-key', clientId: who, scopes: [], extra: { who } } })
      : new Response(JSON.stringify({ error: 'invalid_token' }), { status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' } });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body) res.write(chunk);
    res.end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    calls,
    close: async () => {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// OAuth against Switchboard's own authorization server

export const REDIRECT_URI = 'http://localhost:9/callback';
export const OTHER_REDIRECT_URI = 'http://localhost:9/other-callback';

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** Cookies of one origin, as a browser keeps them. */
export class Jar {
  readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }
  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

export interface BrowserTrip {
  /** Where the authorization server finally sent the browser (the client's redirect URI, not fetched). */
  callbackUrl: URL;
  pages: Array<'login' | 'consent'>;
}

/**
 * A person's browser at Switchboard's authorization server: follows redirects, signs in on the login page
 * (with its CSRF token and same-origin Origin, as a browser's form post has), allows on the consent page, and
 * stops at the first URL outside Switchboard.
 */
export async function browseSwitchboard(start: URL, publicUrl: string, person: { email: string; password: string }, jar = new Jar()): Promise<BrowserTrip> {
  const origin = new URL(publicUrl).origin;
  const pages: BrowserTrip['pages'] = [];
  let url = start;
  for (let hop = 0; hop < 20; hop++) {
    if (url.origin !== origin) return { callbackUrl: url, pages };
    const res = await fetch(url, { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`${res.status} at ${url.pathname}: ${html.slice(0, 400)}`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const login = html.includes('name="password"');
    pages.push(login ? 'login' : 'consent');
    const form = login ? new URLSearchParams({ csrf, email: person.email, password: person.password }) : new URLSearchParams({ csrf, decision: 'allow' });
    const posted = await fetch(new URL(`${url.pathname}/${login ? 'login' : 'consent'}`, origin), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded', origin },
      body: form,
    });
    jar.store(posted);
    const next = posted.headers.get('location');
    if (posted.status !== 303 || !next) throw new Error(`POST at ${url.pathname} answered ${posted.status}: ${(await posted.text()).slice(0, 400)}`);
    url = new URL(next, origin);
  }
  throw new Error('too many redirects');
}
