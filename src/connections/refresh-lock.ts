import { randomUUID } from 'node:crypto';
import { RedisLeaseLocks } from '../shared/lease-lock.ts';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../db/schema.ts';

/**
 * One refresh at a time per connection across every process. A provider that sees the same refresh
 * token twice may take it as replay and revoke the whole grant, so this is about correctness, not
 * just saving requests. Both implementations are leases: a crashed holder cannot block for longer
 * than the lease.
 */
export interface RefreshLock {
  /** Resolves with a release function, or undefined when someone else holds the lock. */
  tryAcquire(connectionId: string, leaseMs: number): Promise<(() => Promise<void>) | undefined>;
}

/** A lease in the connection row: works on PGlite and PostgreSQL without holding a transaction open over HTTP. */
export class DatabaseRefreshLock implements RefreshLock {
  readonly #db: Kysely<DB>;
  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async tryAcquire(connectionId: string, leaseMs: number) {
    const owner = randomUUID();
    const taken = await this.#db
      .updateTable('connections')
      .set({ refresh_lease_until: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`, refresh_lease_owner: owner })
      .where('id', '=', connectionId)
      .where((eb) => eb.or([eb('refresh_lease_until', 'is', null), eb('refresh_lease_until', '<', sql<Date>`now()`)]))
      .returning('id')
      .executeTakeFirst();
    if (!taken) return undefined;
    return async () => {
      await this.#db.updateTable('connections').set({ refresh_lease_until: null, refresh_lease_owner: null }).where('id', '=', connectionId).where('refresh_lease_owner', '=', owner).execute();
    };
  }
}

/** The same lease in Redis, when configured: no database write per refresh attempt. */
export class RedisRefreshLock implements RefreshLock {
  readonly #leases: RedisLeaseLocks;
  constructor(redis: Redis, prefix = 'sb:refresh-lock:') {
    this.#leases = new RedisLeaseLocks(redis, prefix);
  }

  async tryAcquire(connectionId: string, leaseMs: number) {
    const lease = await this.#leases.acquire(connectionId, leaseMs);
    return lease ? () => lease.release() : undefined;
  }
}
