/**
 * Preload (`node --import ./bench/loopback-only.ts …`) for a benchmarked server that has no option to choose its
 * address (supergateway listens on every interface): a `listen` without a host, or on a wildcard host, binds
 * 127.0.0.1 instead, so the bench's servers are reachable from this machine only.
 */
import net from 'node:net';

const listen = net.Server.prototype.listen;
const WILDCARD = new Set(['', '0.0.0.0', '::', undefined]);
net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
  const [first, second] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    if (typeof second !== 'string' || WILDCARD.has(second)) args.splice(1, typeof second === 'string' ? 1 : 0, '127.0.0.1');
  } else if (first && typeof first === 'object' && !('path' in first && (first as { path?: unknown }).path)) {
    const options = first as net.ListenOptions;
    if (WILDCARD.has(options.host)) args[0] = { ...options, host: '127.0.0.1' };
  }
  return (listen as (...a: unknown[]) => net.Server).apply(this, args);
} as typeof net.Server.prototype.listen;
