import { sql } from 'kysely';
import type { Database } from './database.ts';

/** An advisory lock id of our own: "a node is applying the seed catalog and the bootstrap file". */
const STARTUP_LOCK = 7_346_210_512;

/**
 * Runs `work` while holding PostgreSQL's session advisory lock, so nodes starting together on one database apply the
 * seed catalog and the bootstrap one after the other (each is idempotent, but not safe to run concurrently: two
 * nodes inserting the same organization at once would both try). The lock is held by one pooled connection while
 * `work` uses the others. PGlite serves one process (its data folder is locked), so it needs none.
 */
export async function withStartupLock<T>(database: Database, work: () => Promise<T>): Promise<T> {
  if (database.kind !== 'postgres') return work();
  return database.db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${STARTUP_LOCK})`.execute(connection);
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(${STARTUP_LOCK})`.execute(connection);
    }
  });
}
