import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The reference id of the request being served, for audit events recorded deep inside domain functions
 * (policy, memberships, connections) that are not told about HTTP. The API's request-context middleware
 * sets it; an explicit `requestId` on an event wins over it.
 */
const current = new AsyncLocalStorage<string>();

export const withRequestId = <T>(requestId: string, fn: () => T): T => current.run(requestId, fn);
export const currentRequestId = (): string | undefined => current.getStore();
