import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { keyFingerprint } from '../config/secret-key.ts';

/**
 * Envelope encryption for every secret Switchboard stores (upstream tokens, client secrets, API-key
 * headers). Secrets are sealed with AES-256-GCM under a random data key; data keys are stored only
 * wrapped (AES-256-GCM again) under a key-encryption key derived from SWITCHBOARD_SECRET_KEY. So:
 * - rotating SWITCHBOARD_SECRET_KEY re-wraps a few data keys, not every secret;
 * - rotating the data key re-seals every secret, for when a data key may have leaked;
 * - each sealed value is bound to its context (AAD: table, row, field), so a ciphertext copied into
 *   another row or field does not decrypt.
 */

const VERSION = 'sbv1';

export class VaultError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VaultError';
  }
}

/** The key-encryption key: HKDF keeps it distinct from every other use of the secret key. */
export function deriveKek(secretKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.from('switchboard'), Buffer.from('vault key-encryption key v1'), 32));
}

function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${iv.toString('base64url')}.${body.toString('base64url')}`;
}

function open(key: Buffer, sealed: string, aad: string): Buffer {
  const [ivText, bodyText] = sealed.split('.');
  if (!ivText || !bodyText) throw new VaultError('A stored secret is damaged (wrong format).');
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (iv.length !== 12 || body.length < 16) throw new VaultError('A stored secret is damaged (wrong length).');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(body.subarray(body.length - 16));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  } catch (err) {
    throw new VaultError('A stored secret could not be decrypted: it was sealed under another key or for another place, or it was altered.', { cause: err });
  }
}

const wrapAad = (id: number) => `switchboard data key ${id}`;

export class Vault {
  readonly #db: Kysely<DB>;
  readonly #keys: Map<number, Buffer>;
  #activeId: number;

  private constructor(db: Kysely<DB>, keys: Map<number, Buffer>, activeId: number) {
    this.#db = db;
    this.#keys = keys;
    this.#activeId = activeId;
  }

  /** Unwraps every data key (creating the first one on a new database). */
  static async open(db: Kysely<DB>, secretKey: Buffer): Promise<Vault> {
    const kek = deriveKek(secretKey);
    let rows = await db.selectFrom('vault_keys').selectAll().orderBy('id').execute();
    if (rows.length === 0) {
      // Nodes starting together on a new database: one creates the key, the others wait for it and read it.
      await db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${FIRST_KEY_LOCK})`.execute(trx);
        const existing = await trx.selectFrom('vault_keys').select('id').limit(1).execute();
        if (existing.length === 0) await createDataKey(trx, kek);
      });
      rows = await db.selectFrom('vault_keys').selectAll().orderBy('id').execute();
    }
    const keys = new Map<number, Buffer>();
    for (const row of rows) {
      try {
        keys.set(row.id, open(kek, row.wrapped_key, wrapAad(row.id)));
      } catch (err) {
        throw new VaultError('The credential vault cannot be opened with this SWITCHBOARD_SECRET_KEY: it is not the key the vault was sealed with. Start with the original key (see docs/security.md, "Rotating the secret key").', { cause: err });
      }
    }
    const active = rows.filter((r) => r.retired_at === null).at(-1) ?? rows.at(-1)!;
    return new Vault(db, keys, active.id);
  }

  get activeKeyId(): number {
    return this.#activeId;
  }

  /** Seals a secret for one place (the context names table, row and field). */
  encrypt(plaintext: string, context: string): string {
    const key = this.#keys.get(this.#activeId)!;
    return `${VERSION}:${this.#activeId}:${seal(key, Buffer.from(plaintext, 'utf8'), context)}`;
  }

  decrypt(box: string, context: string): string {
    const [version, idText, sealed] = box.split(':');
    if (version !== VERSION || !idText || !sealed) throw new VaultError('A stored secret is damaged (unknown format).');
    const key = this.#keys.get(Number(idText));
    if (!key) throw new VaultError(`A stored secret was sealed with data key ${idText}, which this vault does not hold; restore it from a backup.`);
    return open(key, sealed, context).toString('utf8');
  }

  /** Which data key sealed a value (for re-encryption after a data-key rotation). */
  static keyIdOf(box: string): number {
    return Number(box.split(':')[1]);
  }

  /** Starts sealing new secrets with a fresh data key; older keys keep decrypting until re-encryption retires them. */
  async rotateDataKey(secretKey: Buffer): Promise<number> {
    const id = await createDataKey(this.#db, deriveKek(secretKey));
    const row = await this.#db.selectFrom('vault_keys').select('wrapped_key').where('id', '=', id).executeTakeFirstOrThrow();
    this.#keys.set(id, open(deriveKek(secretKey), row.wrapped_key, wrapAad(id)));
    this.#activeId = id;
    await this.#db.updateTable('vault_keys').set({ retired_at: new Date() }).where('id', '!=', id).where('retired_at', 'is', null).execute();
    return id;
  }

  /** Drops retired data keys that no stored secret uses any more. */
  async dropUnusedKeys(inUse: ReadonlySet<number>): Promise<number[]> {
    const retired = await this.#db.selectFrom('vault_keys').select('id').where('retired_at', 'is not', null).execute();
    const dropped = retired.map((r) => r.id).filter((id) => !inUse.has(id) && id !== this.#activeId);
    if (dropped.length > 0) await this.#db.deleteFrom('vault_keys').where('id', 'in', dropped).execute();
    for (const id of dropped) this.#keys.delete(id);
    return dropped;
  }
}

/** An advisory lock id of our own (any 64-bit number no other code uses): "creating the first vault key". */
const FIRST_KEY_LOCK = 7_346_210_511;

async function createDataKey(db: Kysely<DB>, kek: Buffer): Promise<number> {
  // The id goes into the wrapping AAD, so take it from the sequence first; the row appears only with its key sealed in
  // (another node opening the vault meanwhile must never read a half-made row).
  const { rows } = await sql<{ id: string }>`select nextval(pg_get_serial_sequence('vault_keys', 'id')) as id`.execute(db);
  const id = Number(rows[0]!.id);
  await db.insertInto('vault_keys').values({ id, wrapped_key: seal(kek, randomBytes(32), wrapAad(id)) }).execute();
  return id;
}

/**
 * Re-wraps every data key from the old secret key to the new one and records the new key's
 * fingerprint, in one transaction: either the database moves to the new key entirely, or not at all.
 */
export async function rewrapForNewSecretKey(db: Kysely<DB>, oldSecretKey: Buffer, newSecretKey: Buffer): Promise<number> {
  const oldKek = deriveKek(oldSecretKey);
  const newKek = deriveKek(newSecretKey);
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('vault_keys').selectAll().forUpdate().execute();
    for (const row of rows) {
      let dataKey: Buffer;
      try {
        dataKey = open(oldKek, row.wrapped_key, wrapAad(row.id));
      } catch (err) {
        throw new VaultError('The current secret key does not open this vault; nothing was changed. Give the key Switchboard runs with now as the current key.', { cause: err });
      }
      await trx.updateTable('vault_keys').set({ wrapped_key: seal(newKek, dataKey, wrapAad(row.id)) }).where('id', '=', row.id).execute();
    }
    await trx
      .insertInto('system_settings')
      .values({ key: 'secret_key_check', value: keyFingerprint(newSecretKey) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: keyFingerprint(newSecretKey), updated_at: new Date() }))
      .execute();
    return rows.length;
  });
}
