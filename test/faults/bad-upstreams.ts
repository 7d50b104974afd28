import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Misbehaving MCP servers for the fault tests (issue 8), written as raw `node:http` servers so that they can do
 * what no SDK server would: answer with a broken socket, HTML, the wrong id, a stream that never ends.
 *
 * Each one is a proper MCP server for everything but one tool: it answers the 2026-07-28 `server/discover`
 * probe (or, as a 2025-11-25-only server, refuses it so the client falls back to `initialize`), `initialize`,
 * `notifications/initialized`, `ping` and `tools/list`, and its tool `healthy` answers. So the gateway lists its
 * tools as usual, and the fault hits only a call to its tool `fault`.
 *
 * With `hold`, a call to `fault` waits until the test releases it (`nextCall()`), so the test can do other
 * things while the call is in progress, then let the fault happen.
 */
export type Fault =
  /** Answers the first bytes of a JSON result, then destroys the socket (the process died mid-answer). */
  | 'crash'
  /** Opens an event stream, sends one progress notification, then destroys the socket. */
  | 'crash-stream'
  /** Accepts the request and never answers. */
  | 'hang'
  /** HTTP 500 with an HTML error page (what a proxy or framework in front of the server sends). */
  | 'http500-html'
  /** HTTP 500 with no body at all. */
  | 'http500-empty'
  /** `application/json` whose body is not JSON. */
  | 'not-json'
  /** JSON, but not a JSON-RPC message. */
  | 'not-jsonrpc'
  /** A well-formed JSON-RPC result, for another request id. */
  | 'wrong-id'
  /** A JSON-RPC response whose result is not a tool result (`content` is not a list). */
  | 'wrong-shape'
  /** An event stream of keep-alive comments, forever, and never the result. */
  | 'stream-comments'
  /** An event stream of progress notifications, forever, and never the result. */
  | 'stream-progress';

export const FAULTS: readonly Fault[] = ['crash', 'crash-stream', 'hang', 'http500-html', 'http500-empty', 'not-json', 'not-jsonrpc', 'wrong-id', 'wrong-shape', 'stream-comments', 'stream-progress'];

export interface BadUpstreamOptions {
  /** `modern` answers `server/discover` (2026-07-28); `legacy` is a 2025-11-25 server that only knows `initialize`. */
  era: 'modern' | 'legacy';
  /** What a call to the tool `fault` does; without one, `fault` answers like `healthy`. */
  fault?: Fault | undefined;
  /** Hold each call to `fault` until the test releases it (see `nextCall`). */
  hold?: boolean;
  /** Interval of the keep-alive comments or progress notifications of the `stream-*` faults (default 100 ms). */
  streamEveryMs?: number;
}

export interface BadUpstream {
  url: string;
  name: string;
  era: 'modern' | 'legacy';
  /** JSON-RPC requests received, by method (and `tools/call:<tool>`). */
  received: Record<string, number>;
  /** Calls to `fault` whose answer is still open (hang, streams), or held. */
  open(): number;
  /** Resolves when the next call to `fault` arrives; its result lets a held call go on to misbehave. */
  nextCall(): Promise<() => void>;
  /** The server is gone: open sockets destroyed, new connections refused (the port stays free for `restart`). */
  stop(): Promise<void>;
  /** Back on the same port, healthy as before. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';

const TOOLS = [
  { name: 'healthy', title: 'Healthy', description: 'Answers at once.', inputSchema: { type: 'object', properties: {} }, annotations: { readOnlyHint: true } },
  { name: 'fault', title: 'Fault', description: 'Misbehaves in the way this server was started with.', inputSchema: { type: 'object', properties: {} }, annotations: { readOnlyHint: true } },
];

type Message = { jsonrpc?: unknown; id?: string | number; method?: string; params?: Record<string, unknown> };

export async function startBadUpstream(name: string, options: BadUpstreamOptions): Promise<BadUpstream> {
  const received: Record<string, number> = {};
  const count = (key: string) => (received[key] = (received[key] ?? 0) + 1);
  const openCalls = new Set<ServerResponse>();
  const everyMs = options.streamEveryMs ?? 100;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  };
  const result = (res: ServerResponse, id: Message['id'], value: Record<string, unknown>) =>
    json(res, 200, { jsonrpc: '2.0', id, result: options.era === 'modern' ? { resultType: 'complete', ...value } : value });
  const rpcError = (res: ServerResponse, id: Message['id'], code: number, message: string) => json(res, 200, { jsonrpc: '2.0', id: id ?? null, error: { code, message } });

  // Calls to `fault` that arrived, each with its release, and the tests waiting for one: matched in order.
  const arrived: Array<() => void> = [];
  const waiting: Array<(release: () => void) => void> = [];
  const releases = new Set<() => void>();
  /** Tells the test the call is here; resolves when the test lets it go on (at once without `hold`). */
  const arrive = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const release = () => {
        releases.delete(release);
        resolve();
      };
      releases.add(release);
      if (!options.hold) release();
      const listener = waiting.shift();
      if (listener) listener(release);
      else arrived.push(release);
    });

  async function misbehave(req: IncomingMessage, res: ServerResponse, message: Message): Promise<void> {
    openCalls.add(res);
    res.once('close', () => openCalls.delete(res));
    await arrive();
    if (res.destroyed) return;
    const id = message.id;
    const progressToken = (message.params?._meta as { progressToken?: string | number } | undefined)?.progressToken ?? `fault-${String(id)}`;
    switch (options.fault) {
      case 'crash':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"half an ans`);
        // Let the first bytes leave, then drop the connection as a dying process does: the body never ends.
        setTimeout(() => req.socket.destroy(), 50);
        return;
      case 'crash-stream':
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, progress: 1, total: 2 } })}\n\n`);
        setTimeout(() => req.socket.destroy(), 50);
        return;
      case 'hang':
        return; // never answers; the socket stays open
      case 'http500-html': {
        const page = '<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>The server encountered an unexpected condition.</p></body></html>';
        res.writeHead(500, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(page)) });
        res.end(page);
        return;
      }
      case 'http500-empty':
        res.writeHead(500, { 'content-length': '0' });
        res.end();
        return;
      case 'not-json': {
        const body = '<html>this is not JSON at all';
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
        return;
      }
      case 'not-jsonrpc':
        json(res, 200, { status: 'ok', data: [1, 2, 3] });
        return;
      case 'wrong-id':
        result(res, typeof id === 'number' ? id + 1000 : `${String(id)}-not-yours`, { content: [{ type: 'text', text: 'an answer to some other request' }] });
        return;
      case 'wrong-shape':
        result(res, id, { content: { type: 'text', text: 'an object where the list of content blocks belongs' } });
        return;
      case 'stream-comments':
      case 'stream-progress': {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        let n = 0;
        const tick = () => {
          if (res.destroyed || res.writableEnded) return clearInterval(timer);
          n++;
          if (options.fault === 'stream-comments') res.write(': keep-alive\n\n');
          else res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, progress: n } })}\n\n`);
        };
        const timer = setInterval(tick, everyMs);
        tick();
        res.once('close', () => clearInterval(timer));
        return;
      }
      default:
        result(res, id, { content: [{ type: 'text', text: `${name}: fault did nothing` }] });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === 'GET') {
      // No standalone stream (2025), like a stateless SDK server.
      res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Method not allowed.' } }));
    }
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    let message: Message;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Message;
    } catch {
      return rpcError(res, undefined, -32700, 'Parse error');
    }
    const method = message.method ?? '';
    const tool = method === 'tools/call' ? String(message.params?.name) : undefined;
    count(tool ? `tools/call:${tool}` : method);
    // Notifications get 202 and nothing else.
    if (message.id === undefined) return void res.writeHead(202).end();
    switch (method) {
      case 'server/discover':
        if (options.era === 'legacy') return rpcError(res, message.id, -32601, 'Method not found: server/discover');
        return result(res, message.id, { supportedVersions: [MODERN], capabilities: { tools: {} }, _meta: { 'io.modelcontextprotocol/serverInfo': { name, version: '1.0.0' } } });
      case 'initialize': {
        const asked = (message.params?.protocolVersion as string | undefined) ?? LEGACY;
        return json(res, 200, { jsonrpc: '2.0', id: message.id, result: { protocolVersion: asked.startsWith('2025-') ? asked : LEGACY, capabilities: { tools: {} }, serverInfo: { name, version: '1.0.0' } } });
      }
      case 'ping':
        return result(res, message.id, {});
      case 'tools/list':
        // A 2026 list is cacheable, and says for how long and for whom.
        return result(res, message.id, options.era === 'modern' ? { tools: TOOLS, ttlMs: 0, cacheScope: 'private' } : { tools: TOOLS });
      case 'tools/call':
        if (tool === 'healthy') return result(res, message.id, { content: [{ type: 'text', text: `${name}: healthy` }] });
        if (tool === 'fault') return misbehave(req, res, message);
        return rpcError(res, message.id, -32602, `Unknown tool: ${tool}`);
      default:
        return rpcError(res, message.id, -32601, `Method not found: ${method}`);
    }
  }

  const http: HttpServer = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  // A connection the gateway keeps alive must not outlive stop(): track every socket.
  const sockets = new Set<Socket>();
  http.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  let listening = true;

  const stop = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    name,
    era: options.era,
    received,
    open: () => openCalls.size,
    nextCall: () =>
      new Promise<() => void>((resolve) => {
        const release = arrived.shift();
        if (release) resolve(release);
        else waiting.push(resolve);
      }),
    stop,
    restart: async () => {
      if (listening) return;
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, '127.0.0.1', () => {
          http.off('error', reject);
          resolve();
        });
      });
      listening = true;
    },
    close: async () => {
      for (const release of [...releases]) release();
      await stop();
    },
  };
}
