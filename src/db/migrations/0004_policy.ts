import { sql, type Kysely } from 'kysely';

// Kysely<unknown>: this migration must not depend on today's TypeScript schema.
export async function up(db: Kysely<unknown>): Promise<void> {
  // An owner (or the operator: enabled_by null) added the connector to the organization.
  await db.schema
    .createTable('org_connectors')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('connector_slug', 'text', (c) => c.notNull().references('connector_listings.slug').onDelete('cascade'))
    .addColumn('enabled_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('enabled_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('org_connectors_pk', ['org_id', 'connector_slug'])
    .execute();

  // An organization's rules for one connector. The JSON objects map a category or a tool name to a value.
  await db.schema
    .createTable('org_connector_rules')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('connector_slug', 'text', (c) => c.notNull().references('connector_listings.slug').onDelete('cascade'))
    .addColumn('categories', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('tools', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('overrides', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('org_connector_rules_pk', ['org_id', 'connector_slug'])
    .execute();

  // A person's own rules for one connector (account-wide: they follow the person into every organization),
  // and their off switch.
  await db.schema
    .createTable('user_connector_rules')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('connector_slug', 'text', (c) => c.notNull().references('connector_listings.slug').onDelete('cascade'))
    .addColumn('categories', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('tools', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('user_connector_rules_pk', ['user_id', 'connector_slug'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['user_connector_rules', 'org_connector_rules', 'org_connectors']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
