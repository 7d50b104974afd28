import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { SEED_CATALOG } from './seed-catalog.ts';
import { upsertListing, type UpsertOutcome } from './store.ts';

export interface SeedReport {
  created: number;
  updated: number;
  unchanged: number;
  /** Slugs another source owns (e.g. the operator declared their own `linear`): left as they are. */
  kept: string[];
  /** Seed listings no longer in the catalog: kept in the database, reported so someone can decide. */
  retired: string[];
}

/**
 * Brings the seed listings in line with SEED_CATALOG: creates missing ones, updates the ones whose entry
 * changed in code, and deletes nothing. Safe to run at every start and on several nodes at once.
 */
export async function syncSeedCatalog(db: Kysely<DB>, log?: Logger): Promise<SeedReport> {
  const report: SeedReport = { created: 0, updated: 0, unchanged: 0, kept: [], retired: [] };
  await db.transaction().execute(async (trx) => {
    for (const entry of SEED_CATALOG) {
      const result = await upsertListing(trx, { ...entry, source: 'seed' });
      const outcome: UpsertOutcome = result.outcome;
      if (outcome === 'kept') report.kept.push(entry.slug);
      else report[outcome]++;
    }
    const slugs = SEED_CATALOG.map((e) => e.slug);
    const stale = await trx.selectFrom('connector_listings').select('slug').where('source', '=', 'seed').where('slug', 'not in', slugs).orderBy('slug').execute();
    report.retired = stale.map((r) => r.slug);
  });
  if (report.retired.length > 0) {
    log?.warn({ retired: report.retired }, 'directory: seed listings no longer in the catalog were kept; remove them deliberately if they should go');
  }
  log?.info({ created: report.created, updated: report.updated, unchanged: report.unchanged, kept: report.kept }, 'directory: seed catalog applied');
  return report;
}
