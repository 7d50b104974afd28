import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';

/**
 * Runs Node-style (req, res) code — oidc-provider is a Koa application — from a web-standard Request, and turns
 * what it wrote into a web Response. So the authorization server works inside the Hono app whatever serves it
 * (`@hono/node-server` with or without bindings, or `app.request` in tests).
 *
 * The request is presented as if it arrived at PUBLIC_URL: its Host and scheme are PUBLIC_URL's (the URLs
 * oidc-provider writes into metadata and redirects are built from them), and `originalUrl`/`url` follow the
 * Express mounting convention so the provider sees paths relative to its mount point.
 */

export class CapturedResponse extends Writable {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  finished = false;
  readonly #headers = new Map<string, number | string | string[]>();
  readonly #chunks: Buffer[] = [];
  readonly done: Promise<void>;

  constructor() {
    super();
    this.done = new Promise((resolve, reject) => {
      this.once('finish', () => resolve());
      this.once('error', reject);
    });
  }

  setHeader(name: string, value: number | string | readonly string[]): this {
    this.#headers.set(name.toLowerCase(), typeof value === 'object' ? [...value] : value);
    return this;
  }
  getHeader(name: string): number | string | string[] | undefined {
    return this.#headers.get(name.toLowerCase());
  }
  getHeaders(): Record<string, number | string | string[]> {
    return Object.fromEntries(this.#headers);
  }
  getHeaderNames(): string[] {
    return [...this.#headers.keys()];
  }
  hasHeader(name: string): boolean {
    return this.#headers.has(name.toLowerCase());
  }
  removeHeader(name: string): void {
    this.#headers.delete(name.toLowerCase());
  }
  writeHead(status: number, reasonOrHeaders?: string | Record<string, string | string[]>, maybeHeaders?: Record<string, string | string[]>): this {
    this.statusCode = status;
    const headers = typeof reasonOrHeaders === 'object' ? reasonOrHeaders : maybeHeaders;
    for (const [name, value] of Object.entries(headers ?? {})) this.setHeader(name, value);
    this.headersSent = true;
    return this;
  }
  flushHeaders(): void {
    this.headersSent = true;
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.headersSent = true;
    this.#chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
    callback();
  }
  override _final(callback: (error?: Error | null) => void): void {
    this.headersSent = true;
    this.finished = true;
    callback();
  }

  /** The Set-Cookie lines written so far. */
  setCookies(): string[] {
    const value = this.#headers.get('set-cookie');
    return value === undefined ? [] : [value].flat().map(String);
  }

  toResponse(): Response {
    const headers = new Headers();
    for (const [name, value] of this.#headers) {
      if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
      for (const v of [value].flat()) headers.append(name, String(v));
    }
    const nullBody = this.statusCode === 204 || this.statusCode === 304 || (this.statusCode >= 100 && this.statusCode < 200);
    const body = nullBody ? null : Buffer.concat(this.#chunks);
    return new Response(body && body.length > 0 ? body : nullBody ? null : '', { status: this.statusCode, headers });
  }
}

export interface NodePair {
  req: IncomingMessage & { originalUrl?: string };
  res: CapturedResponse;
}

/**
 * A Node request/response pair for `request`. `mountPath` is removed from the path the Node code sees
 * (`req.url`), and kept in `req.originalUrl`.
 */
export async function nodePair(request: Request, publicUrl: string, options: { mountPath?: string; path?: string; remoteAddress?: string } = {}): Promise<NodePair> {
  const url = new URL(request.url);
  const pub = new URL(publicUrl);
  const fullPath = `${options.path ?? url.pathname}${url.search}`;
  const mount = options.mountPath ?? '';
  const socket = new Socket();
  Object.defineProperty(socket, 'encrypted', { value: pub.protocol === 'https:' });
  Object.defineProperty(socket, 'remoteAddress', { value: options.remoteAddress ?? '127.0.0.1' });
  const req = new IncomingMessage(socket) as NodePair['req'];
  req.method = request.method;
  req.originalUrl = fullPath;
  req.url = mount && fullPath.startsWith(mount) ? fullPath.slice(mount.length) || '/' : fullPath;
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  headers.host = pub.host;
  delete headers['x-forwarded-host'];
  delete headers['x-forwarded-proto'];
  // A body already read (an interaction form parsed by Hono) is not needed by the Node side.
  const body = request.method === 'GET' || request.method === 'HEAD' || request.bodyUsed ? undefined : Buffer.from(await request.arrayBuffer());
  if (body) {
    headers['content-length'] = String(body.length);
    delete headers['transfer-encoding'];
    req.push(body);
  }
  req.push(null);
  req.headers = headers;
  return { req, res: new CapturedResponse() };
}
