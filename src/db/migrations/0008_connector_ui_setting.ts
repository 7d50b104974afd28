import { sql, type Kysely } from 'kysely';

/**
 * An organization's switch for a connector's interactive UI (MCP Apps). Its own table rather than a column of
 * `org_connectors`: removing a connector from the organization deletes that row, and the owner's choice should
 * survive a later re-enable, as the connector's rules do.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('org_connector_settings')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('connector_slug', 'text', (c) => c.notNull().references('connector_listings.slug').onDelete('cascade'))
    .addColumn('ui_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('org_connector_settings_pk', ['org_id', 'connector_slug'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('org_connector_settings').ifExists().execute();
}
