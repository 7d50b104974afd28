import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

/**
 * One POST to a connector over pooled keep-alive sockets. The forwarding path of a tool call uses it instead of
 * `fetch`, whose per-request machinery (web Request, Response and streams) cost more CPU than the rest of the
 * relay. The answer stays a Node stream: read whole for JSON, relayed as it comes for an event stream.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' }),
};

export interface PostAnswer {
  status: number;
  contentType: string;
  body: IncomingMessage;
}

export function httpPost(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostAnswer> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  const agent = agents[target.protocol as 'http:' | 'https:'];
  if (!agent) return Promise.reject(new Error(`unsupported URL scheme ${target.protocol}`));
  return new Promise((resolve, reject) => {
    const req = transport.request(target, { method: 'POST', agent, signal, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      resolve({ status: res.statusCode ?? 502, contentType: res.headers['content-type'] ?? '', body: res });
    });
    // Pooled sockets must not keep a stopping process alive.
    req.on('socket', (socket) => socket.unref());
    req.on('error', reject);
    req.end(body);
  });
}

/** The whole answer as text, at most `limit` bytes (a connector cannot make the gateway buffer without bound). */
export async function readText(body: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new Error(`the answer is larger than ${Math.round(limit / 1024 / 1024)} MiB`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Drains an answer that is not used, so its socket goes back to the pool. */
export function discard(body: IncomingMessage): void {
  body.resume();
}
