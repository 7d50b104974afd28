import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { flowCtx } from './oauth-provider.ts';
import { preregisteredSecretCtx } from './preregistered-client.ts';
import { Vault } from './vault.ts';

/**
 * After a data-key rotation: re-seals every stored secret under the active data key, then drops the
 * retired keys nothing uses any more. Each table is one transaction; running it again is harmless.
 */
export async function reencryptAll(db: Kysely<DB>, vault: Vault): Promise<{ resealed: number; droppedKeys: number[] }> {
  let resealed = 0;
  const active = vault.activeKeyId;
  const reseal = (box: string | null, context: string): string | null => {
    if (box === null || Vault.keyIdOf(box) === active) return box;
    resealed++;
    return vault.encrypt(vault.decrypt(box, context), context);
  };

  await db.transaction().execute(async (trx) => {
    for (const row of await trx.selectFrom('connections').selectAll().forUpdate().execute()) {
      const ctx = (field: string) => `connection:${row.id}:${field}`;
      await trx
        .updateTable('connections')
        .set({
          access_token_enc: reseal(row.access_token_enc, ctx('access_token')),
          refresh_token_enc: reseal(row.refresh_token_enc, ctx('refresh_token')),
          headers_enc: reseal(row.headers_enc, ctx('headers')),
        })
        .where('id', '=', row.id)
        .execute();
    }
  });
  await db.transaction().execute(async (trx) => {
    for (const row of await trx.selectFrom('oauth_clients').selectAll().forUpdate().execute()) {
      await trx
        .updateTable('oauth_clients')
        .set({ client_info_enc: reseal(row.client_info_enc, `oauth_client:${row.issuer}:${row.redirect_uri}`)! })
        .where('issuer', '=', row.issuer)
        .where('redirect_uri', '=', row.redirect_uri)
        .execute();
    }
    for (const row of await trx.selectFrom('connector_oauth_clients').selectAll().forUpdate().execute()) {
      await trx
        .updateTable('connector_oauth_clients')
        .set({ client_secret_enc: reseal(row.client_secret_enc, preregisteredSecretCtx(row.connector_slug)) })
        .where('connector_slug', '=', row.connector_slug)
        .execute();
    }
    // Flows live ten minutes; re-sealing them still lets an authorization in progress finish.
    for (const row of await trx.selectFrom('connection_flows').selectAll().forUpdate().execute()) {
      await trx.updateTable('connection_flows').set({ code_verifier_enc: reseal(row.code_verifier_enc, flowCtx(row.state)) }).where('state', '=', row.state).execute();
    }
  });
  const droppedKeys = await vault.dropUnusedKeys(new Set([active]));
  return { resealed, droppedKeys };
}
