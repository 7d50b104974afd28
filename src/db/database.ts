import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.ts';
import type { DB } from './schema.ts';

export type { DB };

export interface Database {
  db: Kysely<DB>;
  kind: 'pglite' | 'postgres';
  /** Where the data lives, without credentials: for logs and `/readyz`. */
  describe: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite'; dataDir: string }
  | { kind: 'pglite-memory' };

export function targetFor(databaseUrl: string | undefined, dataDir: string): DatabaseTarget {
  return databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite', dataDir };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10, connectionTimeoutMillis: 5000 });
    // An idle client that loses its server (restart, failover) emits 'error'; without a listener that kills the process.
    pool.on('error', () => {});
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const database: Database = {
      db,
      kind: 'postgres',
      describe: redactUrl(target.url),
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
    try {
      await database.ping();
    } catch (err) {
      await db.destroy();
      throw new Error(`Cannot reach PostgreSQL at ${database.describe}: ${(err as Error).message}. Check DATABASE_URL and that the server is running.`, { cause: err });
    }
    return database;
  }

  const release = target.kind === 'pglite' ? lockDataDir(target.dataDir) : () => {};
  let pglite: PGlite;
  try {
    pglite = target.kind === 'pglite' ? new PGlite(path.join(target.dataDir, 'pgdata')) : new PGlite();
    await pglite.waitReady;
  } catch (err) {
    release();
    throw err;
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    describe: target.kind === 'pglite' ? `PGlite in ${path.join(target.dataDir, 'pgdata')}` : 'PGlite in memory',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      try {
        await db.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        release();
      }
    },
  };
}
