import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { LoginThrottle, MemoryThrottleStore, RedisThrottleStore, type ThrottleStore } from '../../src/identity/login-throttle.ts';
import { verifyPasswordLogin } from '../../src/identity/password-login.ts';
import { createUser } from '../../src/identity/users.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { THROTTLE } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { needs } from '../helpers/services.ts';

let database: Database;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database.close();
});

const redisNeed = needs('REDIS_URL');
let redis: Redis | undefined;
afterAll(async () => {
  await redis?.quit();
});

let seq = 0;
const stores: Array<[string, () => ThrottleStore, boolean, string]> = [
  ['in-process store', () => new MemoryThrottleStore(), false, ''],
  [
    'Redis store',
    () => {
      redis ??= new Redis(process.env.REDIS_URL!);
      return new RedisThrottleStore(redis, `sb:test:${process.pid}:${Date.now()}:${++seq}:`);
    },
    redisNeed.skip,
    redisNeed.reason,
  ],
];

async function attempt(throttle: LoginThrottle, email: string, password: string, ip = '203.0.113.7'): Promise<'ok' | number | string> {
  try {
    await verifyPasswordLogin(database.db, throttle, { email, password, ip });
    return 'ok';
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return err.status === 429 ? `locked ${err.retryAfterSeconds}s` : err.status;
  }
}

for (const [label, makeStore, skip, reason] of stores) {
  describe.skipIf(skip)(`login throttling with the ${label}${reason ? ` (${reason})` : ''}`, () => {
    it('locks an account after 5 failures, refuses even the right password while locked, and reopens after the lockout', async () => {
      let now = Date.parse('2030-01-01T00:00:00Z');
      const throttle = new LoginThrottle(makeStore(), THROTTLE, () => now);
      const email = `lock-${label.length}-${++seq}@acme.test`;
      await createUser(database.db, { email, password: 'correct horse' });
      for (let i = 0; i < 5; i++) expect(await attempt(throttle, email, 'wrong')).toBe(401);
      expect(await attempt(throttle, email, 'correct horse')).toBe('locked 60s');
      now += 30_000;
      expect(await attempt(throttle, email, 'correct horse')).toBe('locked 30s');
      now += 30_001;
      expect(await attempt(throttle, email, 'correct horse')).toBe('ok');
    });

    it('doubles the lockout with each further failure, up to the maximum', async () => {
      let now = Date.parse('2030-01-01T00:00:00Z');
      const throttle = new LoginThrottle(makeStore(), THROTTLE, () => now);
      const email = `double-${++seq}@acme.test`;
      await createUser(database.db, { email, password: 'correct horse' });
      for (let i = 0; i < 5; i++) await attempt(throttle, email, 'wrong');
      const lockouts: Array<string | number> = [];
      for (let round = 0; round < 6; round++) {
        const verdict = await throttle.check(email, undefined);
        lockouts.push(verdict.retryAfterSeconds);
        now += verdict.retryAfterSeconds * 1000 + 1;
        expect(await attempt(throttle, email, 'wrong')).toBe(401);
      }
      expect(lockouts).toEqual([60, 120, 240, 480, 900, 900]);
    });

    it('a success clears the count', async () => {
      const now = Date.parse('2030-01-01T00:00:00Z');
      const throttle = new LoginThrottle(makeStore(), THROTTLE, () => now);
      const email = `reset-${++seq}@acme.test`;
      await createUser(database.db, { email, password: 'correct horse' });
      for (let i = 0; i < 4; i++) await attempt(throttle, email, 'wrong');
      expect(await attempt(throttle, email, 'correct horse')).toBe('ok');
      for (let i = 0; i < 4; i++) expect(await attempt(throttle, email, 'wrong')).toBe(401);
      expect(await attempt(throttle, email, 'correct horse')).toBe('ok');
    });

    it('counts unknown accounts too, so probing emails is throttled the same way', async () => {
      const throttle = new LoginThrottle(makeStore(), THROTTLE, () => Date.parse('2030-01-01T00:00:00Z'));
      for (let i = 0; i < 5; i++) expect(await attempt(throttle, 'nobody@acme.test', 'x')).toBe(401);
      expect(await attempt(throttle, 'nobody@acme.test', 'x')).toBe('locked 60s');
    });

    it('locks a client address that sprays many accounts, without locking those accounts for others', async () => {
      const throttle = new LoginThrottle(makeStore(), { ...THROTTLE, ipMaxFailures: 8 }, () => Date.parse('2030-01-01T00:00:00Z'));
      const victim = `victim-${++seq}@acme.test`;
      await createUser(database.db, { email: victim, password: 'correct horse' });
      for (let i = 0; i < 8; i++) expect(await attempt(throttle, `spray${i}-${seq}@acme.test`, 'x', '198.51.100.9')).toBe(401);
      expect(await attempt(throttle, victim, 'correct horse', '198.51.100.9')).toBe('locked 60s');
      expect(await attempt(throttle, victim, 'correct horse', '192.0.2.1')).toBe('ok');
    });
  });
}

it('answers an unknown email exactly like a wrong password', async () => {
  const throttle = new LoginThrottle(new MemoryThrottleStore(), THROTTLE);
  await createUser(database.db, { email: 'known@acme.test', password: 'correct horse' });
  const messages = await Promise.all(
    ['known@acme.test', 'unknown@acme.test'].map((email) =>
      verifyPasswordLogin(database.db, throttle, { email, password: 'wrong', ip: undefined }).catch((e: AppError) => `${e.status} ${e.code} ${e.message}`),
    ),
  );
  expect(messages[0]).toMatch(/^401 invalid_credentials/);
  expect(messages[0]).toBe(messages[1]);
});
