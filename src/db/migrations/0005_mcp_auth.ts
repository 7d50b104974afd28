import { sql, type Kysely } from 'kysely';

/**
 * Storage of Switchboard's own authorization server (src/mcp-auth): every oidc-provider model (clients,
 * grants, sessions, interactions, codes, access and refresh tokens) as one row keyed by a hash of its id,
 * so the token, code and session values themselves are never stored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mcp_auth_models')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('id_hash', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('account_id', 'uuid', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('client_id', 'text')
    .addColumn('client_name', 'text')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('consumed_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('mcp_auth_models_pk', ['model', 'id_hash'])
    .execute();
  await db.schema.createIndex('mcp_auth_models_grant').on('mcp_auth_models').column('grant_id').where(sql.ref('grant_id'), 'is not', null).execute();
  await db.schema.createIndex('mcp_auth_models_uid').on('mcp_auth_models').columns(['model', 'uid']).where(sql.ref('uid'), 'is not', null).execute();
  await db.schema.createIndex('mcp_auth_models_account').on('mcp_auth_models').columns(['account_id', 'model']).where(sql.ref('account_id'), 'is not', null).execute();
  await db.schema.createIndex('mcp_auth_models_expiry').on('mcp_auth_models').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mcp_auth_models').ifExists().execute();
}
