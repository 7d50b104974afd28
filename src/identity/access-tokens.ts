import type { Kysely } from 'kysely';
import type { AccessTokenRow, DB } from '../db/schema.ts';
import { tokenValueSchema } from '../config/schema.ts';
import { conflict, invalidInput, notFound } from '../shared/app-error.ts';
import { newId, randomToken, sha256Hex } from '../shared/crypto.ts';
import type { Actor } from './actor.ts';

export const TOKEN_PREFIX = 'sbp_';

export interface AccessToken {
  id: string;
  name: string;
  hint: string;
  source: AccessTokenRow['source'];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const toAccessToken = (row: AccessTokenRow): AccessToken => ({
  id: row.id,
  name: row.name,
  hint: row.hint,
  source: row.source,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
});

/**
 * Tokens carry 240 random bits, so a plain SHA-256 is enough to store them: unlike passwords they
 * cannot be guessed, and a fast hash keeps every authenticated request cheap.
 */
export const hashToken = (token: string): string => sha256Hex(token);
const hintFor = (token: string): string => `${TOKEN_PREFIX}…${token.slice(-4)}`;

export interface CreatedToken {
  token: AccessToken;
  /** The secret itself: returned once, never stored, never shown again. */
  secret: string;
}

export interface CreateTokenInput {
  userId: string;
  name: string;
  source: AccessTokenRow['source'];
  expiresAt?: Date | null | undefined;
  /** A value chosen by the operator (bootstrap files, tests); generated when absent. */
  value?: string | undefined;
}

export async function createAccessToken(db: Kysely<DB>, input: CreateTokenInput): Promise<CreatedToken> {
  const name = input.name.trim();
  if (!name || name.length > 100) throw invalidInput('A token needs a name of 1-100 characters that says what uses it, such as "Claude Desktop".');
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw invalidInput('The expiry date is in the past; choose a later one.');
  let secret: string;
  if (input.value !== undefined) {
    const parsed = tokenValueSchema.safeParse(input.value);
    if (!parsed.success) throw invalidInput(`The token value ${parsed.error.issues[0]?.message}.`);
    secret = parsed.data;
  } else {
    secret = `${TOKEN_PREFIX}${randomToken(30)}`;
  }
  const row = await db
    .insertInto('access_tokens')
    .values({ id: newId(), user_id: input.userId, name, token_hash: hashToken(secret), hint: hintFor(secret), source: input.source, expires_at: input.expiresAt ?? null })
    .onConflict((oc) => oc.column('token_hash').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw conflict('That token value is already in use; choose another.');
  return { token: toAccessToken(row), secret };
}

export async function listAccessTokens(db: Kysely<DB>, userId: string): Promise<AccessToken[]> {
  const rows = await db.selectFrom('access_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
  return rows.map(toAccessToken);
}

/** A person revokes their own tokens; the operator revokes anyone's. Revoking twice is harmless. */
export async function revokeAccessToken(db: Kysely<DB>, actor: Actor, tokenId: string): Promise<AccessToken> {
  if (!/^[0-9a-f-]{36}$/i.test(tokenId)) throw notFound(`No token has the id ${tokenId}; list your tokens to find its id.`);
  let query = db.updateTable('access_tokens').set({ revoked_at: new Date() }).where('id', '=', tokenId).where('revoked_at', 'is', null);
  if (actor.kind === 'user') query = query.where('user_id', '=', actor.userId);
  const row = await query.returningAll().executeTakeFirst();
  if (row) return toAccessToken(row);
  let lookup = db.selectFrom('access_tokens').selectAll().where('id', '=', tokenId);
  if (actor.kind === 'user') lookup = lookup.where('user_id', '=', actor.userId);
  const existing = await lookup.executeTakeFirst();
  if (!existing) throw notFound(`No token has the id ${tokenId}; list your tokens to find its id.`);
  return toAccessToken(existing);
}

export async function revokeAccessTokenBySecret(db: Kysely<DB>, secret: string): Promise<AccessToken> {
  const row = await db.selectFrom('access_tokens').select('id').where('token_hash', '=', hashToken(secret)).executeTakeFirst();
  if (!row) throw notFound('No token matches that value; it may never have existed here.');
  return revokeAccessToken(db, { kind: 'operator' }, row.id);
}

export interface TokenOwner {
  userId: string;
  tokenId: string;
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** Returns the owner of a live token, or undefined for an unknown, revoked or expired one. */
export async function authenticateAccessToken(db: Kysely<DB>, secret: string, now = new Date()): Promise<TokenOwner | undefined> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 260) return undefined;
  const row = await db
    .selectFrom('access_tokens')
    .innerJoin('users', 'users.id', 'access_tokens.user_id')
    .select(['access_tokens.id', 'access_tokens.user_id', 'access_tokens.revoked_at', 'access_tokens.expires_at', 'access_tokens.last_used_at', 'users.disabled_at'])
    .where('access_tokens.token_hash', '=', hashToken(secret))
    .executeTakeFirst();
  if (!row || row.revoked_at || row.disabled_at || (row.expires_at && row.expires_at <= now)) return undefined;
  // Record use at a one-minute resolution: a write per request would make reads expensive.
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.updateTable('access_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
  }
  return { userId: row.user_id, tokenId: row.id };
}
