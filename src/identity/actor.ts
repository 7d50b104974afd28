/**
 * Who asks for a change. People act through the API under the role rules; the operator acts through
 * the CLI and the bootstrap file with shell access to the server, so role rules do not bind them.
 */
export type Actor = { kind: 'operator' } | { kind: 'user'; userId: string };

export const OPERATOR: Actor = { kind: 'operator' };
export const asUser = (userId: string): Actor => ({ kind: 'user', userId });
