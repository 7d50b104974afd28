import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { invalidInput } from '../shared/app-error.ts';
import type { Vault } from './vault.ts';

export const preregisteredSecretCtx = (slug: string) => `connector_oauth_client:${slug}:secret`;

/**
 * An OAuth client registered by hand at a connector's authorization server (for services without
 * dynamic registration or metadata documents, such as many SaaS APIs). It takes precedence over
 * both; the secret is sealed by the vault.
 */
export async function setPreregisteredClient(db: Kysely<DB>, vault: Vault, slug: string, clientId: string, clientSecret: string | undefined): Promise<void> {
  if (!clientId.trim() || clientId.length > 500) throw invalidInput('The client id must be 1-500 characters.');
  if (clientSecret !== undefined && (clientSecret.length === 0 || clientSecret.length > 2000)) throw invalidInput('The client secret must be 1-2000 characters.');
  const values = { client_id: clientId.trim(), client_secret_enc: clientSecret ? vault.encrypt(clientSecret, preregisteredSecretCtx(slug)) : null, updated_at: new Date() };
  await db
    .insertInto('connector_oauth_clients')
    .values({ connector_slug: slug, ...values })
    .onConflict((oc) => oc.column('connector_slug').doUpdateSet(values))
    .execute();
}

export async function removePreregisteredClient(db: Kysely<DB>, slug: string): Promise<boolean> {
  const result = await db.deleteFrom('connector_oauth_clients').where('connector_slug', '=', slug).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
