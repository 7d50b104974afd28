import http, { type IncomingMessage } from 'node:http';
import { urlToHttpOptions } from 'node:url';
import https from 'node:https';

/**
 * One POST to a connector over pooled keep-alive sockets. The forwarding path of a tool call uses it instead of
 * `fetch`, whose per-request machinery (web Request, Response and streams) cost more CPU than the rest of the
 * relay. The answer stays a Node stream: read whole for JSON, relayed as it comes for an event stream.
 */
/** Keep-alive agents for connectors; a running server passes the egress guard's instead (see `Agents`). */
const defaultAgents: Agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' }),
};

/** The agents a POST goes through, by scheme: the egress guard's, whose lookup checks and pins every address. */
export interface Agents {
  'http:': http.Agent;
  'https:': http.Agent;
}

export interface PostAnswer {
  status: number;
  contentType: string;
  body: IncomingMessage;
}

interface Target {
  transport: typeof http | typeof https;
  scheme: 'http:' | 'https:';
  options: http.RequestOptions;
}

/** Parsed connector URLs: the same few are posted to on every call. */
const targets = new Map<string, Target>();

function targetOf(url: string): Target {
  let target = targets.get(url);
  if (target) return target;
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`unsupported URL scheme ${parsed.protocol}`);
  target = { transport: parsed.protocol === 'https:' ? https : http, scheme: parsed.protocol, options: urlToHttpOptions(parsed) };
  if (targets.size >= 1_000) targets.clear();
  targets.set(url, target);
  return target;
}

/**
 * Ends an exchange from outside (a deadline, the person's client going away). A plain object rather than an
 * AbortSignal: the relay makes one per call, and EventTarget listeners cost more than the rest of it.
 */
export class Cutoff {
  reason: Error | undefined;
  #current: { destroy(err?: Error): unknown } | undefined;

  cut(reason: Error): void {
    if (this.reason) return;
    this.reason = reason;
    this.#current?.destroy(reason);
  }

  /** The request now in flight (a retry replaces the first); destroyed at once if the cut came first. */
  attach(request: { destroy(err?: Error): unknown }): void {
    if (this.reason) request.destroy(this.reason);
    else this.#current = request;
  }
}

export function httpPost(url: string, headers: Record<string, string>, body: string, cutoff: Cutoff, agents: Agents = defaultAgents): Promise<PostAnswer> {
  let target: Target;
  try {
    target = targetOf(url);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve, reject) => {
    const req = target.transport.request({ ...target.options, method: 'POST', agent: agents[target.scheme], headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      resolve({ status: res.statusCode ?? 502, contentType: res.headers['content-type'] ?? '', body: res });
    });
    cutoff.attach(req);
    // Pooled sockets must not keep a stopping process alive.
    req.on('socket', (socket) => socket.unref());
    req.on('error', reject);
    req.end(body);
  });
}

/** The whole answer as text, at most `limit` bytes (a connector cannot make the gateway buffer without bound). */
export function readText(body: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        reject(new Error(`the answer is larger than ${Math.round(limit / 1024 / 1024)} MiB`));
      } else chunks.push(chunk);
    });
    body.once('end', () => resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')));
    body.once('error', reject);
    // A reset or an abort (our deadline) before the end.
    body.once('close', () => {
      if (!body.readableEnded) reject(new Error('the connection closed before the answer ended'));
    });
  });
}

/** Drains an answer that is not used, so its socket goes back to the pool. */
export function discard(body: IncomingMessage): void {
  body.resume();
}
