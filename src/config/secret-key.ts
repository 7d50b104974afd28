import { createHmac, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.ts';

export const SECRET_KEY_FILE = 'secret.key';

export interface ResolvedSecretKey {
  key: Buffer;
  /** `env` when SWITCHBOARD_SECRET_KEY was set, `file` when read from or generated into the data folder. */
  source: 'env' | 'file';
  generated: boolean;
  file?: string;
}

/** Accepts 32 bytes as 64 hex characters or as base64 / base64url (43-44 characters). */
export function parseSecretKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const buf = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (buf.length === 32) return buf;
  }
  return undefined;
}

const HOW_TO = 'Generate one with `openssl rand -base64 32`.';

/**
 * The key that wraps every data key of the credential vault. Production sets SWITCHBOARD_SECRET_KEY;
 * without it a key is generated once into the data folder so the embedded default just works.
 */
export function resolveSecretKey(envValue: string | undefined, dataDir: string): ResolvedSecretKey {
  if (envValue !== undefined) {
    const key = parseSecretKey(envValue);
    if (!key) {
      throw new ConfigError('Switchboard cannot start: SWITCHBOARD_SECRET_KEY is not a valid key.', [
        { field: 'SWITCHBOARD_SECRET_KEY', where: 'environment', message: `must be 32 random bytes written as 64 hex characters or as base64 (44 characters). ${HOW_TO}` },
      ]);
    }
    return { key, source: 'env', generated: false };
  }
  const file = path.join(dataDir, SECRET_KEY_FILE);
  let existing: string | undefined;
  try {
    existing = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing !== undefined) {
    const key = parseSecretKey(existing);
    if (!key) {
      throw new ConfigError(`Switchboard cannot start: ${file} does not hold a valid key.`, [
        { field: SECRET_KEY_FILE, where: file, message: `must hold 32 bytes as base64 or hex. Restore it from a backup, or set SWITCHBOARD_SECRET_KEY. ${HOW_TO}` },
      ]);
    }
    return { key, source: 'file', generated: false, file };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx' refuses to overwrite a key another process wrote a moment ago.
  try {
    writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return resolveSecretKey(undefined, dataDir);
    throw err;
  }
  return { key, source: 'file', generated: true, file };
}

const KEY_CHECK_SETTING = 'secret_key_check';

/** A fingerprint of the key that reveals nothing about it (HMAC of a fixed label). */
export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('switchboard secret key check v1').digest('hex');
}

/**
 * Refuses to start with a different key than the database was first used with: every secret sealed
 * under the old key would be unreadable, so a mismatch is a configuration mistake, caught early.
 */
export async function checkKeyMatchesDatabase(db: Kysely<DB>, key: Buffer): Promise<'recorded' | 'matched'> {
  const fingerprint = keyFingerprint(key);
  const inserted = await db
    .insertInto('system_settings')
    .values({ key: KEY_CHECK_SETTING, value: fingerprint })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .executeTakeFirst();
  if (inserted) return 'recorded';
  const row = await db.selectFrom('system_settings').select('value').where('key', '=', KEY_CHECK_SETTING).executeTakeFirstOrThrow();
  if (row.value !== fingerprint) {
    throw new ConfigError('Switchboard cannot start: the secret key does not match the one this database was set up with.', [
      {
        field: 'SWITCHBOARD_SECRET_KEY',
        where: 'environment or data folder',
        message: 'set SWITCHBOARD_SECRET_KEY to the original key (see docs/security.md, "Rotating the secret key", to change keys safely). Stored credentials cannot be read under another key.',
      },
    ]);
  }
  return 'matched';
}
