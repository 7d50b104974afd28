import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryLeaseLocks, RedisLeaseLocks, type LeaseLocks } from '../../src/shared/lease-lock.ts';
import { needs } from '../helpers/services.ts';

const redisNeeded = needs('REDIS_URL');
const redis = redisNeeded.skip ? undefined : new Redis(process.env.REDIS_URL!);
afterAll(async () => {
  await redis?.quit();
});

const kinds: Array<[string, () => LeaseLocks, boolean]> = [
  ['memory', () => new MemoryLeaseLocks(), false],
  [`Redis ${redisNeeded.reason}`, () => new RedisLeaseLocks(redis!, `sb:test-lease:${Math.random()}:`), redisNeeded.skip],
];

describe.each(kinds)('lease locks (%s)', (_name, make, skip) => {
  it.skipIf(skip)('one holder at a time; free again once released', async () => {
    const locks = make();
    const first = await locks.acquire('c1', 5_000);
    expect(first).toBeDefined();
    expect(await locks.acquire('c1', 5_000)).toBeUndefined();
    expect(await locks.acquire('c2', 5_000)).toBeDefined();
    await first!.release();
    expect(await locks.acquire('c1', 5_000)).toBeDefined();
  });

  it.skipIf(skip)('a lease its holder stopped renewing expires; the old holder can neither renew nor release the new one', async () => {
    const locks = make();
    const old = (await locks.acquire('c', 80))!;
    expect(await old.renew()).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    const next = await locks.acquire('c', 5_000);
    expect(next).toBeDefined();
    expect(await old.renew()).toBe(false);
    await old.release();
    expect(await locks.acquire('c', 5_000)).toBeUndefined();
  });
});
