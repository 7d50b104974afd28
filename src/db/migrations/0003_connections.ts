import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('vault_keys')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('wrapped_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('retired_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('oauth_clients')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('registration', 'text', (c) => c.notNull())
    .addColumn('client_info_enc', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('oauth_clients_pk', ['issuer', 'redirect_uri'])
    .addCheckConstraint('oauth_clients_registration', sql`registration in ('dcr', 'cimd')`)
    .execute();

  await db.schema
    .createTable('connector_oauth_clients')
    .addColumn('connector_slug', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_enc', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('connections')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('connector_slug', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('auth_kind', 'text', (c) => c.notNull())
    .addColumn('access_token_enc', 'text')
    .addColumn('refresh_token_enc', 'text')
    .addColumn('token_type', 'text')
    .addColumn('scope', 'text')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('issuer', 'text')
    .addColumn('discovery_state', 'text')
    .addColumn('headers_enc', 'text')
    .addColumn('status_reason', 'text')
    .addColumn('refresh_lease_until', 'timestamptz')
    .addColumn('refresh_lease_owner', 'text')
    .addColumn('last_refreshed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('connections_user_connector', ['user_id', 'connector_slug'])
    .addCheckConstraint('connections_status', sql`status in ('connected', 'expired')`)
    .addCheckConstraint('connections_auth_kind', sql`auth_kind in ('oauth', 'headers', 'none')`)
    .execute();

  await db.schema
    .createTable('connection_flows')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('connector_slug', 'text', (c) => c.notNull())
    .addColumn('code_verifier_enc', 'text')
    .addColumn('discovery_state', 'text')
    .addColumn('scope', 'text')
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['connection_flows', 'connections', 'connector_oauth_clients', 'oauth_clients', 'vault_keys']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
