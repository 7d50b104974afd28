import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The person's MCP client on the other side of the call in progress. A connector may ask for input
 * (elicitation, sampling, roots) or send log lines while one of its tools runs; the upstream session is
 * shared by all of the person's calls to that connector, so what it sends is routed to the downstream
 * request it belongs to through the async context of that call.
 */
export interface DownstreamPeer {
  /** Forwards a connector's request to the person's client; rejects when that client cannot be asked. */
  request(method: string, params: Record<string, unknown> | undefined): Promise<Record<string, unknown>>;
  /** Forwards a notification that belongs to the call (log lines). */
  notify(method: string, params: Record<string, unknown> | undefined): Promise<void>;
}

const current = new AsyncLocalStorage<DownstreamPeer>();

export function withDownstream<T>(peer: DownstreamPeer | undefined, fn: () => Promise<T>): Promise<T> {
  return peer ? current.run(peer, fn) : fn();
}

export function currentDownstream(): DownstreamPeer | undefined {
  return current.getStore();
}
