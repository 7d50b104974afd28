import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { notFound } from '../shared/app-error.ts';

/** An MCP client a person authorized (one entry per client, however many times they authorized it). */
export interface AuthorizedClient {
  clientId: string;
  clientName: string;
  /** When the person first authorized it (of the authorizations still in force). */
  authorizedAt: Date;
  /** When one of its access tokens was last accepted by /mcp (one-minute resolution); null if never. */
  lastUsedAt: Date | null;
}

export async function listAuthorizedClients(db: Kysely<DB>, userId: string): Promise<AuthorizedClient[]> {
  const rows = await db
    .selectFrom('mcp_auth_models')
    .select((eb) => [
      'client_id',
      eb.fn.max('client_name').as('client_name'),
      eb.fn.min('created_at').as('authorized_at'),
      eb.fn.max('last_used_at').as('last_used_at'),
    ])
    .where('model', '=', 'Grant')
    .where('account_id', '=', userId)
    .where('client_id', 'is not', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
    .groupBy('client_id')
    .orderBy('authorized_at', 'desc')
    .execute();
  return rows.map((r) => ({
    clientId: r.client_id!,
    clientName: r.client_name ?? r.client_id!,
    authorizedAt: new Date(r.authorized_at),
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
  }));
}

/**
 * Ends every authorization the person gave this client, at once: the grants and every code, access token and
 * refresh token issued under them are deleted, so the next request with any of them is refused on every node.
 */
export async function revokeAuthorizedClient(db: Kysely<DB>, userId: string, clientId: string): Promise<{ grants: number }> {
  return db.transaction().execute(async (trx) => {
    const grants = await trx.selectFrom('mcp_auth_models').select('grant_id').where('model', '=', 'Grant').where('account_id', '=', userId).where('client_id', '=', clientId).execute();
    const grantIds = grants.map((g) => g.grant_id).filter((id): id is string => id !== null);
    if (grantIds.length === 0) throw notFound(`You have not authorized an MCP client with the id ${clientId}; list your clients to find its id.`);
    await trx.deleteFrom('mcp_auth_models').where('grant_id', 'in', grantIds).execute();
    // Anything of this client and person not tied to those grants (there should be none) goes too.
    await trx.deleteFrom('mcp_auth_models').where('account_id', '=', userId).where('client_id', '=', clientId).where('model', '!=', 'Client').execute();
    return { grants: grantIds.length };
  });
}

/** Records that a token of this grant was accepted, at a one-minute resolution. */
export async function touchGrant(db: Kysely<DB>, grantId: string, now = new Date()): Promise<boolean> {
  const row = await db.selectFrom('mcp_auth_models').select(['last_used_at', 'expires_at']).where('model', '=', 'Grant').where('grant_id', '=', grantId).executeTakeFirst();
  if (!row || (row.expires_at && row.expires_at <= now)) return false;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable('mcp_auth_models').set({ last_used_at: now }).where('model', '=', 'Grant').where('grant_id', '=', grantId).execute();
  }
  return true;
}
