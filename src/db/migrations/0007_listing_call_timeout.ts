import type { Kysely } from 'kysely';

/** A per-connector limit on tool calls (seconds); null means the gateway's default. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connector_listings').addColumn('call_timeout_seconds', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connector_listings').dropColumn('call_timeout_seconds').execute();
}
