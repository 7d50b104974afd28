import type { Kysely } from 'kysely';
import type { DB, SessionRow } from '../db/schema.ts';
import { randomToken, safeEqual, sha256Hex } from '../shared/crypto.ts';

export interface SessionSettings {
  idleHours: number;
  maxHours: number;
}

export interface NewSession {
  /** The cookie value. Only its hash is stored. */
  secret: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface ActiveSession {
  userId: string;
  csrfToken: string;
  authMethod: SessionRow['auth_method'];
  expiresAt: Date;
}

const HOUR = 3_600_000;
const TOUCH_RESOLUTION_MS = 60_000;

export async function createSession(
  db: Kysely<DB>,
  settings: SessionSettings,
  input: { userId: string; authMethod: SessionRow['auth_method']; ip?: string | undefined; userAgent?: string | undefined },
  now = new Date(),
): Promise<NewSession> {
  const secret = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = new Date(now.getTime() + settings.maxHours * HOUR);
  await db
    .insertInto('sessions')
    .values({
      id_hash: sha256Hex(secret),
      user_id: input.userId,
      csrf_token: csrfToken,
      auth_method: input.authMethod,
      last_seen_at: now,
      expires_at: expiresAt,
      ip: input.ip ?? null,
      user_agent: input.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return { secret, csrfToken, expiresAt };
}

/** The live session for a cookie value; expired or idle sessions are deleted on sight. */
export async function resolveSession(db: Kysely<DB>, settings: SessionSettings, secret: string, now = new Date()): Promise<ActiveSession | undefined> {
  if (secret.length < 20 || secret.length > 100) return undefined;
  const idHash = sha256Hex(secret);
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.user_id', 'sessions.csrf_token', 'sessions.auth_method', 'sessions.expires_at', 'sessions.last_seen_at', 'users.disabled_at'])
    .where('sessions.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const idleDeadline = row.last_seen_at.getTime() + settings.idleHours * HOUR;
  if (row.disabled_at || row.expires_at <= now || idleDeadline <= now.getTime()) {
    await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    return undefined;
  }
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_RESOLUTION_MS) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  return { userId: row.user_id, csrfToken: row.csrf_token, authMethod: row.auth_method, expiresAt: row.expires_at };
}

export async function destroySession(db: Kysely<DB>, secret: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', sha256Hex(secret)).execute();
}

export function csrfMatches(session: ActiveSession, presented: string | undefined): boolean {
  return presented !== undefined && safeEqual(session.csrfToken, presented);
}

export async function purgeExpiredSessions(db: Kysely<DB>, now = new Date()): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

