import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResult } from 'kysely/migration';
import type { DB } from './schema.ts';
import * as m0001 from './migrations/0001_foundation.ts';
import * as m0002 from './migrations/0002_directory.ts';
import * as m0003 from './migrations/0003_connections.ts';
import * as m0004 from './migrations/0004_policy.ts';
import * as m0005 from './migrations/0005_mcp_auth.ts';
import * as m0006 from './migrations/0006_audit.ts';
import * as m0007 from './migrations/0007_listing_call_timeout.ts';
import * as m0008 from './migrations/0008_connector_ui_setting.ts';
import * as m0009 from './migrations/0009_audit_admin_events.ts';
import * as m0010 from './migrations/0010_custom_connectors.ts';
import * as m0011 from './migrations/0011_verified_domains.ts';
import * as m0012 from './migrations/0012_org_egress_allow.ts';
import * as m0013 from './migrations/0013_tool_access.ts';
import * as m0014 from './migrations/0014_chat.ts';

/** Listed here rather than read from disk: the set of migrations is part of the build, not of the folder. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_directory': m0002,
  '0003_connections': m0003,
  '0004_policy': m0004,
  '0005_mcp_auth': m0005,
  '0006_audit': m0006,
  '0007_listing_call_timeout': m0007,
  '0008_connector_ui_setting': m0008,
  '0009_audit_admin_events': m0009,
  '0010_custom_connectors': m0010,
  '0011_verified_domains': m0011,
  '0012_org_egress_allow': m0012,
  '0013_tool_access': m0013,
  '0014_chat': m0014,
};

export interface MigrationReport {
  applied: string[];
  current: string | undefined;
}

export class MigrationError extends Error {
  constructor(migration: string | undefined, cause: unknown) {
    super(`Database migration ${migration ?? '(unknown)'} failed: ${cause instanceof Error ? cause.message : String(cause)}. Nothing after it was applied; fix the cause and start again.`, { cause });
    this.name = 'MigrationError';
  }
}

/**
 * Brings the schema up to date. Kysely takes an advisory lock on PostgreSQL, so several nodes starting
 * at once apply each migration exactly once.
 */
export async function migrateToLatest(db: Kysely<DB>): Promise<MigrationReport> {
  // The migrator works on whatever schema the database has, not on our typed view of it.
  const migrator = new Migrator({ db: db as unknown as Kysely<unknown>, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r: MigrationResult) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const failed = (results ?? []).find((r) => r.status === 'Error')?.migrationName;
    throw new MigrationError(failed, error);
  }
  const all = await migrator.getMigrations();
  const current = all.filter((m) => m.executedAt).at(-1)?.name;
  return { applied, current };
}
