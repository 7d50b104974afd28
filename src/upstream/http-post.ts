import http from 'node:http';
import https from 'node:https';

/**
 * One POST to a connector over pooled keep-alive sockets, answered as a web Response. The forwarding path of a
 * tool call uses it instead of `fetch`, whose per-request machinery cost more CPU than the rest of the relay.
 * The body arrives as a stream, so a connector's event stream is relayed as it comes.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' }),
};

export function httpPost(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Response> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  const agent = agents[target.protocol as 'http:' | 'https:'];
  if (!agent) return Promise.reject(new Error(`unsupported URL scheme ${target.protocol}`));
  return new Promise((resolve, reject) => {
    const req = transport.request(target, { method: 'POST', agent, signal, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (value === undefined) continue;
        for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(name, v);
      }
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          res.on('data', (chunk: Buffer) => controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
          res.on('end', () => controller.close());
          res.on('error', (err) => controller.error(err));
        },
        cancel() {
          res.destroy();
        },
      });
      resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : stream, { status: res.statusCode ?? 502, headers: responseHeaders }));
    });
    // Pooled sockets must not keep a stopping process alive.
    req.on('socket', (socket) => socket.unref());
    req.on('error', reject);
    req.end(body);
  });
}
