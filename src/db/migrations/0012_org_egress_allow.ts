import { sql, type Kysely } from 'kysely';

/** An organization's own egress allow-list (CIDR ranges) for its custom connectors; see docs/networking.md. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('organizations').addColumn('egress_allow', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('organizations').dropColumn('egress_allow').execute();
}
