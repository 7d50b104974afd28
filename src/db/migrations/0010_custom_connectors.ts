import { sql, type Kysely } from 'kysely';

/**
 * Custom connectors: listings people add by URL. Each belongs to one organization (`owner_org_id`), is seen only
 * by its members and goes when the organization does. One URL once per organization (a unique index, so two
 * people adding it at the same moment cannot both succeed).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('connector_listings')
    .addColumn('owner_org_id', 'uuid', (c) => c.references('organizations.id').onDelete('cascade'))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await sql`alter table connector_listings drop constraint connector_listings_source`.execute(db);
  await sql`alter table connector_listings add constraint connector_listings_source check (source in ('seed', 'demo', 'bootstrap', 'import', 'custom'))`.execute(db);
  await sql`alter table connector_listings add constraint connector_listings_custom_owner check ((source = 'custom') = (owner_org_id is not null))`.execute(db);
  await sql`create unique index connector_listings_custom_url on connector_listings (owner_org_id, mcp_url) where owner_org_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists connector_listings_custom_url`.execute(db);
  await sql`delete from connector_listings where source = 'custom'`.execute(db);
  await sql`alter table connector_listings drop constraint connector_listings_custom_owner`.execute(db);
  await sql`alter table connector_listings drop constraint connector_listings_source`.execute(db);
  await sql`alter table connector_listings add constraint connector_listings_source check (source in ('seed', 'demo', 'bootstrap', 'import'))`.execute(db);
  await db.schema.alterTable('connector_listings').dropColumn('owner_org_id').dropColumn('created_by').execute();
}
