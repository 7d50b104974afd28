import type { Redis } from 'ioredis';
import type { ThrottleSettings } from '../config/schema.ts';

/** Consecutive failures of one key and when the latest happened. */
export interface FailureRecord {
  failures: number;
  lastFailureAt: number;
}

/** Where failure counts live: in the process for one node, in Redis when several nodes share the work. */
export interface ThrottleStore {
  get(key: string): Promise<FailureRecord | undefined>;
  /** Atomically counts one more failure; the record expires `ttlMs` after the latest one. */
  recordFailure(key: string, now: number, ttlMs: number): Promise<FailureRecord>;
  clear(key: string): Promise<void>;
}

export class MemoryThrottleStore implements ThrottleStore {
  readonly #records = new Map<string, FailureRecord & { expiresAt: number }>();

  async get(key: string): Promise<FailureRecord | undefined> {
    const record = this.#records.get(key);
    if (!record) return undefined;
    if (record.expiresAt <= Date.now()) {
      this.#records.delete(key);
      return undefined;
    }
    return { failures: record.failures, lastFailureAt: record.lastFailureAt };
  }

  async recordFailure(key: string, now: number, ttlMs: number): Promise<FailureRecord> {
    const previous = await this.get(key);
    const record = { failures: (previous?.failures ?? 0) + 1, lastFailureAt: now, expiresAt: Date.now() + ttlMs };
    this.#records.set(key, record);
    if (this.#records.size > 100_000) this.#evictExpired();
    return { failures: record.failures, lastFailureAt: now };
  }

  async clear(key: string): Promise<void> {
    this.#records.delete(key);
  }

  #evictExpired(): void {
    const now = Date.now();
    for (const [key, record] of this.#records) if (record.expiresAt <= now) this.#records.delete(key);
  }
}

const RECORD_FAILURE = `
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('HSET', KEYS[1], 'last', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return failures`;

export class RedisThrottleStore implements ThrottleStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'sb:login-throttle:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async get(key: string): Promise<FailureRecord | undefined> {
    const record = await this.#redis.hgetall(this.#prefix + key);
    if (!record.failures || !record.last) return undefined;
    return { failures: Number(record.failures), lastFailureAt: Number(record.last) };
  }

  async recordFailure(key: string, now: number, ttlMs: number): Promise<FailureRecord> {
    const failures = (await this.#redis.eval(RECORD_FAILURE, 1, this.#prefix + key, String(now), String(Math.ceil(ttlMs)))) as number;
    return { failures: Number(failures), lastFailureAt: now };
  }

  async clear(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }
}

export interface ThrottleVerdict {
  allowed: boolean;
  /** Whole seconds until the next attempt is allowed, when refused. */
  retryAfterSeconds: number;
}

/**
 * Locks an account after `maxFailures` consecutive failed sign-ins, for `lockoutSeconds`, doubling
 * with each further failure up to `maxLockoutSeconds`; and a client address after `ipMaxFailures`
 * failures across accounts (password spraying). A success clears the account's count.
 */
export class LoginThrottle {
  readonly #store: ThrottleStore;
  readonly #settings: ThrottleSettings;
  readonly #now: () => number;

  constructor(store: ThrottleStore, settings: ThrottleSettings, now: () => number = Date.now) {
    this.#store = store;
    this.#settings = settings;
    this.#now = now;
  }

  #lockedUntil(record: FailureRecord | undefined, threshold: number): number {
    if (!record || record.failures < threshold) return 0;
    const { lockoutSeconds, maxLockoutSeconds } = this.#settings;
    const seconds = Math.min(lockoutSeconds * 2 ** Math.min(record.failures - threshold, 30), maxLockoutSeconds);
    return record.lastFailureAt + seconds * 1000;
  }

  async check(account: string, ip: string | undefined): Promise<ThrottleVerdict> {
    const now = this.#now();
    const [acct, addr] = await Promise.all([this.#store.get(`acct:${account}`), ip ? this.#store.get(`ip:${ip}`) : undefined]);
    const until = Math.max(this.#lockedUntil(acct, this.#settings.maxFailures), this.#lockedUntil(addr, this.#settings.ipMaxFailures));
    return until > now ? { allowed: false, retryAfterSeconds: Math.ceil((until - now) / 1000) } : { allowed: true, retryAfterSeconds: 0 };
  }

  async recordFailure(account: string, ip: string | undefined): Promise<void> {
    const now = this.#now();
    const ttl = (this.#settings.windowSeconds + this.#settings.maxLockoutSeconds) * 1000;
    await Promise.all([this.#store.recordFailure(`acct:${account}`, now, ttl), ip ? this.#store.recordFailure(`ip:${ip}`, now, ttl) : undefined]);
  }

  async recordSuccess(account: string): Promise<void> {
    await this.#store.clear(`acct:${account}`);
  }
}
