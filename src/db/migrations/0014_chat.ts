import { sql, type Kysely } from 'kysely';

/**
 * The web chat's conversations (docs/chat.md). A conversation belongs to one person and acts in one of their
 * organizations; it keeps its own tool access override, which of the person's connectors are on in it, and the
 * tools earlier searches found. Its messages are the AI SDK's UI messages, stored whole (JSON) in order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('chat_conversations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // A person without an organization can still chat (without connectors); leaving the organization keeps the history.
    .addColumn('org_id', 'uuid', (c) => c.references('organizations.id').onDelete('set null'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('titled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('tool_access', 'text', (c) => c.check(sql`tool_access in ('auto', 'always', 'on_demand')`))
    // Connector slug → false (switched off in this conversation); a connector not named is on.
    .addColumn('connectors', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('discovered', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('chat_conversations_user_idx').on('chat_conversations').columns(['user_id', 'updated_at']).execute();
  await db.schema
    .createTable('chat_messages')
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('chat_conversations.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'assistant', 'system')`))
    .addColumn('message', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('chat_messages_pk', ['conversation_id', 'position'])
    .addUniqueConstraint('chat_messages_id_unique', ['conversation_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('chat_messages').ifExists().execute();
  await db.schema.dropTable('chat_conversations').ifExists().execute();
}
