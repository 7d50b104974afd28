import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, sql } from 'kysely';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { DB } from '../../src/db/schema.ts';

export const usingPostgres = Boolean(process.env.DATABASE_URL);

let template: Promise<PGlite> | undefined;

async function pgliteTemplate(): Promise<PGlite> {
  const pglite = new PGlite();
  await pglite.waitReady;
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  await migrateToLatest(db);
  return pglite;
}

/**
 * A fresh, migrated, empty database: a PostgreSQL database copied from the migrated template when
 * DATABASE_URL is set, else a clone of a migrated in-memory PGlite. Same code under test either way.
 */
export async function testDatabase(): Promise<Database & { url?: string }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const { url: dbUrl, drop } = await createPostgresDatabase(url);
    const database = await openDatabase({ kind: 'postgres', url: dbUrl, poolSize: 4 });
    return { ...database, url: dbUrl, close: async () => { await database.close(); await drop(); } };
  }
  template ??= pgliteTemplate();
  const pglite = (await (await template).clone()) as PGlite;
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    describe: 'PGlite clone (test)',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: async () => {
      await db.destroy();
    },
  };
}

/** A new PostgreSQL database copied from the migrated template; `drop` removes it. */
export async function createPostgresDatabase(baseUrl: string, options: { empty?: boolean } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `sbtest_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(options.empty ? `create database "${name}"` : `create database "${name}" template sbtest_template`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}

/** For tests that want to watch a migration run from nothing. */
export async function emptyDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const created = await createPostgresDatabase(url, { empty: true });
    const database = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 2 });
    return { ...database, close: async () => { await database.close(); await created.drop(); } };
  }
  return openDatabase({ kind: 'pglite-memory' });
}

export { migrateToLatest };

/**
 * Storage for a `switchboard` process started by a test: a new data folder, and on PostgreSQL a new
 * empty database (so the process runs the migrations itself). `drop` removes the database.
 */
export async function processStorage(prefix = 'sb-proc-'): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const env: Record<string, string> = { SWITCHBOARD_DATA_DIR: mkdtempSync(path.join(tmpdir(), prefix)) };
  if (!process.env.DATABASE_URL) return { env, drop: async () => {} };
  const created = await createPostgresDatabase(process.env.DATABASE_URL, { empty: true });
  return { env: { ...env, DATABASE_URL: created.url }, drop: created.drop };
}
