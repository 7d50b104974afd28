/**
 * The floor of `bench/gateway.ts`, run as its own process: a proxy that does nothing but copy bytes — each request
 * piped to the upstream over keep-alive sockets and the answer piped back, headers and all, no parsing, no
 * authentication, no policy, no audit. Not a product and not a peer: it measures what any HTTP hop in front of the
 * upstream costs on this box in the same run, so Switchboard's own share of the overhead can be read apart from the
 * hop's. Prints `{"url": …}` (its origin) as one line once it listens; BENCH_UPSTREAM_URL names the upstream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.env.BENCH_UPSTREAM_URL ?? '');
if (!upstream.port) throw new Error('bench/gateway-floor.ts is started by bench/gateway.ts (needs BENCH_UPSTREAM_URL).');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const server = http.createServer((req, res) => {
  const forwarded = http.request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, agent }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  forwarded.on('error', () => res.destroy());
  res.on('close', () => {
    if (!res.writableFinished) forwarded.destroy();
  });
  req.pipe(forwarded);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
