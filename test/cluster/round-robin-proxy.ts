import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small load balancer for the cluster tests: each request goes to the next backend in turn (no affinity of any
 * kind), streamed both ways. A backend that refuses the connection is skipped for this request — nothing was sent to
 * it, so trying the next one is safe, as nginx's `proxy_next_upstream error` does — and a request that was already
 * sent to a backend that then died fails with 502, as it would behind any balancer.
 */
export interface RoundRobinProxy {
  url: string;
  /** Requests each backend answered, by its index. */
  served: number[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(backends: string[]): Promise<RoundRobinProxy> {
  let next = 0;
  const served = backends.map(() => 0);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const first = next++ % backends.length;
      const attempt = (tries: number) => {
        const index = (first + tries) % backends.length;
        const target = new URL(backends[index]!);
        const upstream = httpRequest(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
          (answer: IncomingMessage) => {
            served[index]!++;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on('error', () => res.destroy());
          },
        );
        upstream.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'ECONNREFUSED' && tries + 1 < backends.length) return attempt(tries + 1);
          if (!res.headersSent) {
            res.writeHead(502, { 'content-type': 'text/plain' });
            res.end(`bad gateway: ${err.message}`);
          } else res.destroy();
        });
        res.on('close', () => upstream.destroy());
        upstream.end(body);
      };
      attempt(0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
