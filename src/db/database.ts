import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { AppError } from '../shared/app-error.ts';
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

/** Set on an error of the connection to PostgreSQL itself (see `isDatabaseUnavailable`). */
const UNAVAILABLE = Symbol('switchboard.databaseUnavailable');
const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** pg's own words for a connection that broke or never came (no SQLSTATE: PostgreSQL never answered). */
const TRANSPORT_MESSAGES = /^Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Connection ended/i;

/**
 * Whether an error is the database being unreachable (refused, reset, timed out, shutting down or starting up: a
 * restart or a failover), rather than anything about the request. Such errors are tagged where they happen, on the
 * pool's connections, so that a connector's own ECONNREFUSED is never taken for one.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { [UNAVAILABLE]?: boolean })[UNAVAILABLE]) return true;
  }
  return false;
}

/** What a request that needed the database gets while it is unreachable (HTTP 503, and when to try again). */
export const databaseUnavailable = (cause?: unknown) =>
  new AppError(503, 'database_unavailable', "Switchboard can't reach its database right now (it may be restarting), so it could not finish this request. Try again in a few seconds; if it keeps failing, tell your operator.", {
    retryAfterSeconds: 5,
    cause,
  });

function tagIfUnavailable(err: unknown, connecting: boolean): unknown {
  if (!err || typeof err !== 'object') return err;
  const { code, message } = err as { code?: unknown; message?: unknown };
  // 08xxx: connection exception; 57P01-57P03: the server is shutting down or starting up (a restart).
  const sqlstate = typeof code === 'string' && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03');
  const transport = (typeof code === 'string' && TRANSPORT_CODES.has(code)) || (typeof message === 'string' && TRANSPORT_MESSAGES.test(message));
  if (connecting || sqlstate || transport) Object.defineProperty(err, UNAVAILABLE, { value: true });
  return err;
}

/** The pool as the dialect sees it, with connection failures tagged (`isDatabaseUnavailable`). */
function tagging(pool: pg.Pool): pg.Pool {
  // One stand-in per pooled client, so the dialect keeps recognising a client it has seen.
  const standIns = new WeakMap<pg.PoolClient, pg.PoolClient>();
  const connect = async () => {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw tagIfUnavailable(err, true);
    }
    const known = standIns.get(client);
    if (known) return known;
    // A client whose connection breaks while it is checked out (a query in flight when PostgreSQL restarts) fails
    // that query, and also emits 'error': the pool listens only while the client is idle, and an 'error' nobody
    // listens to ends the process. The query's own failure is what reports it.
    client.on('error', () => {});
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    const standIn = new Proxy(client, {
      get(target, key, receiver) {
        if (key !== 'query') return Reflect.get(target, key, receiver);
        return (...args: unknown[]) => {
          const result = query(...args);
          return result instanceof Promise ? result.catch((err: unknown) => Promise.reject(tagIfUnavailable(err, false))) : result;
        };
      },
    });
    standIns.set(client, standIn);
    return standIn;
  };
  return new Proxy(pool, { get: (target, key, receiver) => (key === 'connect' ? connect : Reflect.get(target, key, receiver)) });
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 10, connectionTimeoutMillis: 5000 });
    // An idle client that loses its server (restart, failover) emits 'error'; without a listener that kills the process.
    pool.on('error', () => {});
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: tagging(pool) }) });
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
