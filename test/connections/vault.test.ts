import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkKeyMatchesDatabase } from '../../src/config/secret-key.ts';
import type { Database } from '../../src/db/database.ts';
import { rewrapForNewSecretKey, Vault, VaultError } from '../../src/connections/vault.ts';
import { testDatabase } from '../helpers/db.ts';

let database: Database;
beforeEach(async () => {
  database = await testDatabase();
});
afterEach(async () => {
  await database.close();
});

describe('credential vault', () => {
  it('seals with AES-256-GCM: the stored form never contains the secret, and it opens again', async () => {
    const vault = await Vault.open(database.db, randomBytes(32));
    const secret = 'upstream-access-token-1234567890';
    const box = vault.encrypt(secret, 'connection:1:access_token');
    expect(box).toMatch(/^sbv1:\d+:[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(box).not.toContain(secret);
    expect(Buffer.from(box.split('.')[1]!, 'base64url').toString('latin1')).not.toContain(secret);
    expect(vault.encrypt(secret, 'connection:1:access_token')).not.toBe(box);
    expect(vault.decrypt(box, 'connection:1:access_token')).toBe(secret);
  });

  it('refuses a sealed value moved to another row or field, or altered', async () => {
    const vault = await Vault.open(database.db, randomBytes(32));
    const box = vault.encrypt('s3cret', 'connection:1:access_token');
    expect(() => vault.decrypt(box, 'connection:2:access_token')).toThrow(VaultError);
    expect(() => vault.decrypt(box, 'connection:1:refresh_token')).toThrow(VaultError);
    // Flip one bit of the sealed bytes (editing the text's last characters could land in base64's unused bits).
    const at = box.lastIndexOf('.') + 1;
    const body = Buffer.from(box.slice(at), 'base64url');
    body[body.length - 1]! ^= 0x01;
    const tampered = box.slice(0, at) + body.toString('base64url');
    expect(tampered).not.toBe(box);
    expect(() => vault.decrypt(tampered, 'connection:1:access_token')).toThrow(/could not be decrypted|damaged/);
  });

  it('stores data keys only wrapped, and does not open under another secret key', async () => {
    const key = randomBytes(32);
    const vault = await Vault.open(database.db, key);
    const row = await database.db.selectFrom('vault_keys').selectAll().executeTakeFirstOrThrow();
    expect(row.wrapped_key).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const box = vault.encrypt('persisted', 'ctx');
    const again = await Vault.open(database.db, key);
    expect(again.decrypt(box, 'ctx')).toBe('persisted');
    await expect(Vault.open(database.db, randomBytes(32))).rejects.toThrow(/not the key the vault was sealed with/);
  });

  it('rotating the secret key re-wraps the data keys: old secrets open under the new key only', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    await checkKeyMatchesDatabase(database.db, oldKey);
    const box = (await Vault.open(database.db, oldKey)).encrypt('token-before-rotation', 'ctx');
    await expect(rewrapForNewSecretKey(database.db, randomBytes(32), newKey)).rejects.toThrow(/nothing was changed/);
    expect(await rewrapForNewSecretKey(database.db, oldKey, newKey)).toBe(1);
    expect((await Vault.open(database.db, newKey)).decrypt(box, 'ctx')).toBe('token-before-rotation');
    await expect(Vault.open(database.db, oldKey)).rejects.toThrow(VaultError);
    // The start-up key check follows the rotation.
    expect(await checkKeyMatchesDatabase(database.db, newKey)).toBe('matched');
    await expect(checkKeyMatchesDatabase(database.db, oldKey)).rejects.toThrow(/does not match/);
  });

  it('rotating the data key seals new secrets with it while old ones still open, and unused keys can go', async () => {
    const key = randomBytes(32);
    const vault = await Vault.open(database.db, key);
    const before = vault.encrypt('old', 'ctx');
    const firstId = vault.activeKeyId;
    const newId = await vault.rotateDataKey(key);
    expect(newId).not.toBe(firstId);
    const after = vault.encrypt('new', 'ctx');
    expect(Vault.keyIdOf(after)).toBe(newId);
    expect(vault.decrypt(before, 'ctx')).toBe('old');
    expect(await vault.dropUnusedKeys(new Set([firstId]))).toEqual([]);
    const reopened = await Vault.open(database.db, key);
    expect(reopened.activeKeyId).toBe(newId);
    expect(reopened.decrypt(before, 'ctx')).toBe('old');
    expect(await vault.dropUnusedKeys(new Set([newId]))).toEqual([firstId]);
    expect(() => vault.decrypt(before, 'ctx')).toThrow(/does not hold/);
  });
});

describe('re-encryption after a data-key rotation', () => {
  it('re-seals stored tokens and headers under the new data key, keeps them readable, and drops the old key', async () => {
    const { ConnectionStore } = await import('../../src/connections/store.ts');
    const { reencryptAll } = await import('../../src/connections/reencrypt.ts');
    const { person } = await import('../helpers/fixtures.ts');
    const key = randomBytes(32);
    const vault = await Vault.open(database.db, key);
    const store = new ConnectionStore(database.db, vault);
    const p = await person(database.db, 'rotate@acme.test');
    const oauth = { slug: 'svc', name: 'Svc', url: 'https://svc.example/mcp', auth: 'oauth' as const };
    const keyed = { slug: 'keyed', name: 'Keyed', url: 'https://keyed.example/mcp', auth: 'headers' as const, headerNames: ['X-Api-Key'] };
    await store.saveTokens(p.user.id, oauth, { access_token: 'at-1', refresh_token: 'rt-1', token_type: 'Bearer', expires_in: 3600 }, { refreshed: false });
    await store.saveStatic(p.user.id, keyed, { 'X-Api-Key': 'k-1' });
    const oldId = vault.activeKeyId;
    await vault.rotateDataKey(key);
    const { resealed, droppedKeys } = await reencryptAll(database.db, vault);
    expect(resealed).toBe(3);
    expect(droppedKeys).toEqual([oldId]);
    const reopened = new ConnectionStore(database.db, await Vault.open(database.db, key));
    const rows = await database.db.selectFrom('connections').selectAll().where('user_id', '=', p.user.id).orderBy('connector_slug').execute();
    expect(rows.map((r) => [r.access_token_enc, r.headers_enc].filter(Boolean).map((b) => Vault.keyIdOf(b!)))).toEqual([[vault.activeKeyId], [vault.activeKeyId]]);
    expect(reopened.headers(rows[0]!)).toEqual({ 'X-Api-Key': 'k-1' });
    expect(reopened.tokens(rows[1]!)).toMatchObject({ access_token: 'at-1', refresh_token: 'rt-1' });
    expect((await reencryptAll(database.db, vault)).resealed).toBe(0);
  });
});
