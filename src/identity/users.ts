import type { Kysely } from 'kysely';
import type { DB, UserRow } from '../db/schema.ts';
import { emailSchema, passwordSchema } from '../config/schema.ts';
import { conflict, invalidInput, notFound } from '../shared/app-error.ts';
import { newId } from '../shared/crypto.ts';
import { hashPassword } from './passwords.ts';

export interface User {
  id: string;
  email: string;
  name: string | null;
  hasPassword: boolean;
  disabled: boolean;
  createdAt: Date;
}

export const toUser = (row: UserRow): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  hasPassword: row.password_hash !== null,
  disabled: row.disabled_at !== null,
  createdAt: row.created_at,
});

export function normalizeEmail(email: string): string {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) throw invalidInput(`"${email}" is not an email address; give one such as olivia@example.com.`);
  return parsed.data;
}

function checkPassword(password: string): void {
  const parsed = passwordSchema.safeParse(password);
  if (!parsed.success) throw invalidInput(`The password ${parsed.error.issues[0]?.message ?? 'is not acceptable'}; choose another.`);
}

export interface CreateUserInput {
  email: string;
  name?: string | undefined;
  password?: string | undefined;
}

export async function createUser(db: Kysely<DB>, input: CreateUserInput): Promise<User> {
  const email = normalizeEmail(input.email);
  if (input.password !== undefined) checkPassword(input.password);
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
  const row = await db
    .insertInto('users')
    .values({ id: newId(), email, name: input.name ?? null, password_hash: passwordHash })
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw conflict(`An account with the email ${email} already exists; sign in with it, or choose another email.`);
  return toUser(row);
}

export async function findUserByEmail(db: Kysely<DB>, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
}

export async function getUser(db: Kysely<DB>, id: string): Promise<User> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('No such account; it may have been deleted.');
  return toUser(row);
}

export async function listUsers(db: Kysely<DB>): Promise<User[]> {
  const rows = await db.selectFrom('users').selectAll().orderBy('email').execute();
  return rows.map(toUser);
}

export async function setPassword(db: Kysely<DB>, userId: string, password: string): Promise<void> {
  checkPassword(password);
  const passwordHash = await hashPassword(password);
  const result = await db.updateTable('users').set({ password_hash: passwordHash, updated_at: new Date() }).where('id', '=', userId).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound('No such account; it may have been deleted.');
  // A new password ends every existing session: whoever knew the old one is signed out.
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}
