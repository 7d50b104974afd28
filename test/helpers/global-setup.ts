import pg from 'pg';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { REQUIRE_SERVICES } from './services.ts';

export const TEMPLATE_DB = 'sbtest_template';

/** With DATABASE_URL: one migrated template database; each test database is a fast copy of it. */
export default async function setup(): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    if (REQUIRE_SERVICES) throw new Error('REQUIRE_SERVICES=1 but DATABASE_URL is not set: the suite must run against PostgreSQL here.');
    return async () => {};
  }
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const stale = await admin.query<{ datname: string }>("select datname from pg_database where datname like 'sbtest\\_%'");
  for (const { datname } of stale.rows) await admin.query(`drop database if exists "${datname}" with (force)`);
  await admin.query(`create database "${TEMPLATE_DB}"`);
  const templateUrl = new URL(url);
  templateUrl.pathname = `/${TEMPLATE_DB}`;
  const database = await openDatabase({ kind: 'postgres', url: templateUrl.toString() });
  await migrateToLatest(database.db);
  await database.close();
  await admin.end();
  return async () => {
    const cleanup = new pg.Client({ connectionString: url });
    await cleanup.connect();
    const left = await cleanup.query<{ datname: string }>("select datname from pg_database where datname like 'sbtest\\_%'");
    for (const { datname } of left.rows) await cleanup.query(`drop database if exists "${datname}" with (force)`);
    await cleanup.end();
  };
}
