import { sql, type Kysely } from 'kysely';

// Kysely<unknown>: this migration must not depend on today's TypeScript schema.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connector_listings')
    .addColumn('slug', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('tagline', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('use_cases', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('logo_url', 'text')
    .addColumn('docs_url', 'text')
    .addColumn('mcp_url', 'text', (c) => c.notNull())
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('auth_kind', 'text', (c) => c.notNull())
    .addColumn('auth_headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('plans', 'jsonb', (c) => c.notNull())
    .addColumn('clients', 'jsonb', (c) => c.notNull())
    .addColumn('interactive', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('origin', 'text')
    // Null means "not known", which the directory shows differently from an empty list.
    .addColumn('tools', 'jsonb')
    .addColumn('tools_recorded_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('connector_listings_transport', sql`transport in ('streamable-http', 'sse')`)
    .addCheckConstraint('connector_listings_auth_kind', sql`auth_kind in ('oauth', 'headers', 'none')`)
    .addCheckConstraint('connector_listings_source', sql`source in ('seed', 'demo', 'bootstrap', 'import')`)
    .execute();
  // Imports find the listing an already-imported registry remote became by its origin (`name#remote`).
  await sql`create index connector_listings_origin on connector_listings (source, origin) where origin is not null`.execute(db);
  await db.schema.createIndex('connector_listings_category').on('connector_listings').column('category').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('connector_listings').ifExists().execute();
}
