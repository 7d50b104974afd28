import { sql, type Kysely } from 'kysely';

/**
 * Tool access modes (docs/tool-access.md): how many tool definitions an MCP client or the chat is given.
 * A person's default mode and pinned tools, their overrides per MCP client (an OAuth client id, or a personal
 * access token's id), and an organization's pinned tools (owners). Modes: auto, always, on_demand.
 */
const MODE_CHECK = sql`mode in ('auto', 'always', 'on_demand')`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_tool_access')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('mode', 'text', (c) => c.notNull().defaultTo('auto').check(MODE_CHECK))
    .addColumn('pinned', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createTable('user_tool_access_clients')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('client_kind', 'text', (c) => c.notNull().check(sql`client_kind in ('oauth', 'token')`))
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull().check(MODE_CHECK))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('user_tool_access_clients_pk', ['user_id', 'client_kind', 'client_id'])
    .execute();
  await db.schema
    .createTable('org_tool_access')
    .addColumn('org_id', 'uuid', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('pinned', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('org_tool_access').ifExists().execute();
  await db.schema.dropTable('user_tool_access_clients').ifExists().execute();
  await db.schema.dropTable('user_tool_access').ifExists().execute();
}
