import type { Kysely } from 'kysely';
import type { UIMessage } from 'ai';
import type { DB } from '../db/schema.ts';
import { newId } from '../shared/crypto.ts';
import { notFound } from '../shared/app-error.ts';
import type { ToolAccessMode } from './tool-access.ts';

/**
 * Conversations and their messages (migration 0014). Every function takes the person's id and reaches only
 * that person's conversations: someone else's conversation is answered exactly like one that does not exist.
 */

export const DEFAULT_TITLE = 'New conversation';
export const MAX_TITLE = 200;

export interface Conversation {
  id: string;
  userId: string;
  /** The organization whose policy the conversation's tool calls run under (null: none, no connectors). */
  orgId: string | null;
  orgSlug: string | null;
  title: string;
  /** The conversation's tool access override; null: the person's default mode. */
  toolAccess: ToolAccessMode | null;
  /** Connector slug → false for connectors switched off in this conversation. */
  connectors: Record<string, boolean>;
  discovered: string[];
  createdAt: Date;
  updatedAt: Date;
}

type Db = Kysely<DB>;

const NOT_YOURS = 'No conversation with this id is among yours. List your conversations with GET /api/v1/chat/conversations.';

function select(db: Db) {
  return db
    .selectFrom('chat_conversations')
    .leftJoin('organizations', 'organizations.id', 'chat_conversations.org_id')
    .select([
      'chat_conversations.id',
      'chat_conversations.user_id',
      'chat_conversations.org_id',
      'organizations.slug as org_slug',
      'chat_conversations.title',
      'chat_conversations.tool_access',
      'chat_conversations.connectors',
      'chat_conversations.discovered',
      'chat_conversations.created_at',
      'chat_conversations.updated_at',
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof select>['executeTakeFirstOrThrow']>>;

const toConversation = (r: Row): Conversation => ({
  id: r.id,
  userId: r.user_id,
  orgId: r.org_id,
  orgSlug: r.org_slug ?? null,
  title: r.title,
  toolAccess: r.tool_access,
  connectors: r.connectors ?? {},
  discovered: Array.isArray(r.discovered) ? r.discovered : [],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function createConversation(db: Db, userId: string, input: { orgId: string | undefined; title?: string | undefined }): Promise<Conversation> {
  const id = newId();
  const title = input.title?.trim();
  await db
    .insertInto('chat_conversations')
    .values({ id, user_id: userId, org_id: input.orgId ?? null, title: title || DEFAULT_TITLE, titled: Boolean(title), tool_access: null })
    .execute();
  return getConversation(db, userId, id);
}

/** The person's conversations, most recently active first. */
export async function listConversations(db: Db, userId: string, options: { limit?: number } = {}): Promise<Conversation[]> {
  const rows = await select(db).where('chat_conversations.user_id', '=', userId).orderBy('chat_conversations.updated_at', 'desc').orderBy('chat_conversations.id').limit(options.limit ?? 200).execute();
  return rows.map(toConversation);
}

export async function getConversation(db: Db, userId: string, id: string): Promise<Conversation> {
  const row = await select(db).where('chat_conversations.id', '=', id).where('chat_conversations.user_id', '=', userId).executeTakeFirst();
  if (!row) throw notFound(NOT_YOURS);
  return toConversation(row);
}

export async function renameConversation(db: Db, userId: string, id: string, title: string): Promise<Conversation> {
  const result = await db
    .updateTable('chat_conversations')
    .set({ title: title.trim().slice(0, MAX_TITLE) || DEFAULT_TITLE, titled: true, updated_at: new Date() })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound(NOT_YOURS);
  return getConversation(db, userId, id);
}

export async function deleteConversation(db: Db, userId: string, id: string): Promise<void> {
  const result = await db.deleteFrom('chat_conversations').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFound(NOT_YOURS);
}

/** Sets the fields given: the tool access override (null: back to the person's default) and connector toggles (merged). */
export async function updateConversationSettings(
  db: Db,
  userId: string,
  id: string,
  input: { toolAccess?: ToolAccessMode | null | undefined; connectors?: Record<string, boolean> | undefined },
): Promise<Conversation> {
  const current = await getConversation(db, userId, id);
  const connectors = { ...current.connectors };
  for (const [slug, on] of Object.entries(input.connectors ?? {})) {
    // Only "off" is stored: a connector not named is on, including ones connected later.
    if (on) delete connectors[slug];
    else connectors[slug] = false;
  }
  await db
    .updateTable('chat_conversations')
    .set({
      ...(input.toolAccess !== undefined ? { tool_access: input.toolAccess } : {}),
      connectors: JSON.stringify(connectors),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .execute();
  return getConversation(db, userId, id);
}

export async function getMessages(db: Db, conversationId: string): Promise<UIMessage[]> {
  const rows = await db.selectFrom('chat_messages').select('message').where('conversation_id', '=', conversationId).orderBy('position').execute();
  return rows.map((r) => r.message as unknown as UIMessage);
}

/**
 * Replaces the messages from `from` on (the ones a turn added or changed) and records the conversation's
 * discoveries and automatic title. One transaction: a reader sees the turn before or after, never half of it.
 */
export async function saveMessages(db: Db, conversationId: string, messages: readonly UIMessage[], from: number, update: { discovered?: string[]; title?: string } = {}): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('chat_messages').where('conversation_id', '=', conversationId).where('position', '>=', from).execute();
    const rows = messages.slice(from).map((m, i) => ({ conversation_id: conversationId, position: from + i, id: m.id, role: m.role, message: JSON.stringify(m) }));
    if (rows.length > 0) await trx.insertInto('chat_messages').values(rows).execute();
    const title = update.title?.trim().slice(0, MAX_TITLE);
    await trx
      .updateTable('chat_conversations')
      .set({
        updated_at: new Date(),
        ...(update.discovered ? { discovered: JSON.stringify(update.discovered) } : {}),
      })
      .where('id', '=', conversationId)
      .execute();
    // The first words of the first message name a conversation the person has not named.
    if (title) await trx.updateTable('chat_conversations').set({ title, titled: true }).where('id', '=', conversationId).where('titled', '=', false).execute();
  });
}
