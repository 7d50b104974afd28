import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

function listenOnce(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Listens on `port`, or on a port the OS picks when `port` is 0 or already taken, so two processes on one
 * machine never fight over a demo port. Resolves with the port actually bound.
 */
export async function listenWithFallback(server: Server, port: number, host: string): Promise<number> {
  try {
    await listenOnce(server, port, host);
  } catch (error) {
    if (port === 0 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    await listenOnce(server, 0, host);
  }
  return (server.address() as AddressInfo).port;
}

/** The origin clients use for a server bound to `host`: a wildcard bind is reached on loopback. */
export function originFor(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1';
}
