import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { sha256Hex } from '../shared/crypto.ts';

/** What oidc-provider's adapters store: a JSON object per id. */
export interface OidcPayload {
  [key: string]: unknown;
  jti?: string;
  grantId?: string;
  accountId?: string;
  clientId?: string;
  client_id?: string;
  uid?: string;
  exp?: number;
  consumed?: number;
}

export interface OidcAdapter {
  upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<OidcPayload | undefined>;
  findByUid(uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(userCode: string): Promise<OidcPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/**
 * Rows stay this long past their expiry, so an expired access token is still recognised and answered "expired"
 * rather than "unknown" (oidc-provider and authenticateMcpRequest check `exp` themselves); then the purge drops them.
 */
export const EXPIRY_GRACE_SECONDS = 300;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The row key: a hash, so a database dump holds no usable token, code, session or interaction value. */
export const idHash = (id: string): string => sha256Hex(id);

/**
 * oidc-provider's storage on Switchboard's database (table `mcp_auth_models`), shared by every node. The id is
 * stored only hashed, and `jti` (which equals the id for every model but Client) is taken out of the stored
 * payload and put back on read.
 */
export function databaseAdapter(db: Kysely<DB>, model: string): OidcAdapter {
  const keepsJti = model !== 'Client';
  const live = () => sql<boolean>`(expires_at is null or expires_at > now() - make_interval(secs => ${EXPIRY_GRACE_SECONDS}))`;
  const read = (row: { payload: Record<string, unknown>; consumed_at: Date | null } | undefined, id: string | undefined): OidcPayload | undefined => {
    if (!row) return undefined;
    const payload: OidcPayload = { ...row.payload };
    if (keepsJti && id !== undefined) payload.jti = id;
    if (row.consumed_at) payload.consumed = Math.floor(row.consumed_at.getTime() / 1000);
    return payload;
  };

  return {
    async upsert(id, payload, expiresIn) {
      const { jti, ...rest } = payload;
      const stored = keepsJti && jti === id ? rest : payload;
      const accountId = typeof payload.accountId === 'string' && UUID.test(payload.accountId) ? payload.accountId : null;
      const clientId = typeof payload.clientId === 'string' ? payload.clientId : model === 'Client' && typeof payload.client_id === 'string' ? payload.client_id : null;
      const values = {
        payload: JSON.stringify(stored),
        // A grant's own row carries its id here too (grant ids are references, not credentials), so one
        // `grant_id = …` finds a grant and everything issued under it.
        grant_id: model === 'Grant' ? id : typeof payload.grantId === 'string' ? payload.grantId : null,
        uid: typeof payload.uid === 'string' ? payload.uid : null,
        account_id: accountId,
        client_id: clientId,
        expires_at: typeof expiresIn === 'number' ? new Date(Date.now() + expiresIn * 1000) : null,
        updated_at: new Date(),
      };
      await db
        .insertInto('mcp_auth_models')
        .values({ model, id_hash: idHash(id), ...values })
        .onConflict((oc) => oc.columns(['model', 'id_hash']).doUpdateSet(values))
        .execute();
    },
    async find(id) {
      const row = await db.selectFrom('mcp_auth_models').select(['payload', 'consumed_at']).where('model', '=', model).where('id_hash', '=', idHash(id)).where(live()).executeTakeFirst();
      return read(row, id);
    },
    async findByUid(uid) {
      // Only sessions are looked up by uid; their id is then unknown here, so the payload's own copy is absent
      // and oidc-provider re-reads the session by id where it needs it.
      const row = await db.selectFrom('mcp_auth_models').select(['payload', 'consumed_at']).where('model', '=', model).where('uid', '=', uid).where(live()).executeTakeFirst();
      return read(row, undefined);
    },
    async findByUserCode() {
      return undefined; // the device flow is not enabled
    },
    async consume(id) {
      await db.updateTable('mcp_auth_models').set({ consumed_at: new Date() }).where('model', '=', model).where('id_hash', '=', idHash(id)).execute();
    },
    async destroy(id) {
      await db.deleteFrom('mcp_auth_models').where('model', '=', model).where('id_hash', '=', idHash(id)).execute();
    },
    async revokeByGrantId(grantId) {
      await db.deleteFrom('mcp_auth_models').where('model', '=', model).where('grant_id', '=', grantId).execute();
    },
  };
}

/** Drops rows past their expiry and grace period; returns how many. */
export async function purgeExpired(db: Kysely<DB>): Promise<number> {
  const result = await db
    .deleteFrom('mcp_auth_models')
    .where('expires_at', '<', sql<Date>`now() - make_interval(secs => ${EXPIRY_GRACE_SECONDS})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
