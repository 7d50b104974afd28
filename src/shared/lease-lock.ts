import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * "Someone is working on this" across every node: a lease that its holder renews while it works and releases when
 * done, so a node that dies holds nothing for longer than one lease. In memory for one node, in Redis for many.
 */
export interface Lease {
  /** Extends the lease by its length again; false when it was lost (expired and taken by someone else). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export interface LeaseLocks {
  /** The lease, or undefined while someone else holds it. */
  acquire(key: string, leaseMs: number): Promise<Lease | undefined>;
}

export class MemoryLeaseLocks implements LeaseLocks {
  readonly #held = new Map<string, { owner: string; until: number }>();

  async acquire(key: string, leaseMs: number): Promise<Lease | undefined> {
    const now = Date.now();
    const current = this.#held.get(key);
    if (current && current.until > now) return undefined;
    const owner = randomUUID();
    this.#held.set(key, { owner, until: now + leaseMs });
    return {
      renew: async () => {
        const entry = this.#held.get(key);
        if (entry?.owner !== owner) return false;
        entry.until = Date.now() + leaseMs;
        return true;
      },
      release: async () => {
        if (this.#held.get(key)?.owner === owner) this.#held.delete(key);
      },
    };
  }
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class RedisLeaseLocks implements LeaseLocks {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async acquire(key: string, leaseMs: number): Promise<Lease | undefined> {
    const owner = randomUUID();
    const name = this.#prefix + key;
    if ((await this.#redis.set(name, owner, 'PX', leaseMs, 'NX')) !== 'OK') return undefined;
    return {
      renew: async () => Number(await this.#redis.eval(RENEW, 1, name, owner, String(leaseMs))) === 1,
      release: async () => {
        await this.#redis.eval(RELEASE, 1, name, owner);
      },
    };
  }
}
