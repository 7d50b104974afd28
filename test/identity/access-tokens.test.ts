import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { authenticateAccessToken, createAccessToken, hashToken, listAccessTokens, revokeAccessToken, revokeAccessTokenBySecret } from '../../src/identity/access-tokens.ts';
import { asUser, OPERATOR } from '../../src/identity/actor.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { testDatabase } from '../helpers/db.ts';
import { person } from '../helpers/fixtures.ts';

let database: Database;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database.close();
});

describe('personal access tokens', () => {
  it('look like sbp_… with enough entropy, and differ every time', async () => {
    const { user } = await person(database.db, 'shape@acme.test');
    const a = await createAccessToken(database.db, { userId: user.id, name: 'a', source: 'user' });
    const b = await createAccessToken(database.db, { userId: user.id, name: 'b', source: 'user' });
    expect(a.secret).toMatch(/^sbp_[A-Za-z0-9_-]{40}$/);
    expect(a.secret).not.toBe(b.secret);
    expect(a.token.hint).toBe(`sbp_…${a.secret.slice(-4)}`);
  });

  it('are stored only as a SHA-256 hash: no column anywhere holds the secret', async () => {
    const { user } = await person(database.db, 'hash@acme.test');
    const { secret, token } = await createAccessToken(database.db, { userId: user.id, name: 'laptop', source: 'user' });
    const row = await database.db.selectFrom('access_tokens').selectAll().where('id', '=', token.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(secret));
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    // Dump every text value of the table: the secret appears in none of them.
    const dump = await sql<{ t: string }>`select access_tokens::text as t from access_tokens`.execute(database.db);
    expect(dump.rows.length).toBeGreaterThan(0);
    for (const { t } of dump.rows) expect(t).not.toContain(secret);
    // And listing never includes it.
    expect(JSON.stringify(await listAccessTokens(database.db, user.id))).not.toContain(secret);
  });

  it('authenticate their owner until revoked, then never again', async () => {
    const { user } = await person(database.db, 'revoke@acme.test');
    const { secret, token } = await createAccessToken(database.db, { userId: user.id, name: 'ci', source: 'user' });
    expect(await authenticateAccessToken(database.db, secret)).toEqual({ userId: user.id, tokenId: token.id });
    const revoked = await revokeAccessToken(database.db, asUser(user.id), token.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await authenticateAccessToken(database.db, secret)).toBeUndefined();
    // Revoking again is harmless and keeps the first revocation time.
    expect((await revokeAccessToken(database.db, asUser(user.id), token.id)).revokedAt?.getTime()).toBe(revoked.revokedAt?.getTime());
  });

  it('can be revoked only by their owner (or the operator)', async () => {
    const alice = await person(database.db, 'alice@acme.test');
    const mallory = await person(database.db, 'mallory@acme.test');
    const { secret, token } = await createAccessToken(database.db, { userId: alice.user.id, name: 'x', source: 'user' });
    const err = await revokeAccessToken(database.db, asUser(mallory.user.id), token.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(404);
    expect(await authenticateAccessToken(database.db, secret)).toMatchObject({ userId: alice.user.id });
    await revokeAccessToken(database.db, OPERATOR, token.id);
    expect(await authenticateAccessToken(database.db, secret)).toBeUndefined();
  });

  it('can be revoked by value (operator) and refuse unknown values', async () => {
    const { user } = await person(database.db, 'byvalue@acme.test');
    const { secret } = await createAccessToken(database.db, { userId: user.id, name: 'x', source: 'cli' });
    await revokeAccessTokenBySecret(database.db, secret);
    expect(await authenticateAccessToken(database.db, secret)).toBeUndefined();
    await expect(revokeAccessTokenBySecret(database.db, 'sbp_unknown_value_123')).rejects.toMatchObject({ status: 404 });
  });

  it('stop working when expired', async () => {
    const { user } = await person(database.db, 'expiry@acme.test');
    const expiresAt = new Date(Date.now() + 3_600_000);
    const { secret } = await createAccessToken(database.db, { userId: user.id, name: 'short', source: 'user', expiresAt });
    expect(await authenticateAccessToken(database.db, secret, new Date(expiresAt.getTime() - 1000))).toBeDefined();
    expect(await authenticateAccessToken(database.db, secret, new Date(expiresAt.getTime() + 1000))).toBeUndefined();
    await expect(createAccessToken(database.db, { userId: user.id, name: 'past', source: 'user', expiresAt: new Date(Date.now() - 1000) })).rejects.toMatchObject({ status: 400 });
  });

  it('stop working when their owner is disabled', async () => {
    const p = await person(database.db, 'disabled@acme.test');
    await database.db.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', p.user.id).execute();
    expect(await authenticateAccessToken(database.db, p.token)).toBeUndefined();
  });

  it('record when they were last used', async () => {
    const { user } = await person(database.db, 'lastused@acme.test');
    const { secret, token } = await createAccessToken(database.db, { userId: user.id, name: 'x', source: 'user' });
    const at = new Date('2030-01-01T00:00:00Z');
    await authenticateAccessToken(database.db, secret, at);
    const [listed] = (await listAccessTokens(database.db, user.id)).filter((t) => t.id === token.id);
    expect(listed?.lastUsedAt?.toISOString()).toBe(at.toISOString());
  });

  it('refuse anything that is not a token without touching the database', async () => {
    expect(await authenticateAccessToken(database.db, 'Bearer nonsense')).toBeUndefined();
    expect(await authenticateAccessToken(database.db, `sbp_${'x'.repeat(400)}`)).toBeUndefined();
  });

  it('accept operator-chosen values (bootstrap) but not malformed ones, nor one already taken', async () => {
    const { user } = await person(database.db, 'chosen@acme.test');
    await createAccessToken(database.db, { userId: user.id, name: 'b', source: 'bootstrap', value: 'sbp_test_chosen_1' });
    expect(await authenticateAccessToken(database.db, 'sbp_test_chosen_1')).toMatchObject({ userId: user.id });
    await expect(createAccessToken(database.db, { userId: user.id, name: 'b', source: 'bootstrap', value: 'nope' })).rejects.toMatchObject({ status: 400 });
    await expect(createAccessToken(database.db, { userId: user.id, name: 'b', source: 'bootstrap', value: 'sbp_test_chosen_1' })).rejects.toMatchObject({ status: 409 });
  });
});
