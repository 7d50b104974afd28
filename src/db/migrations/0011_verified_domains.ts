import { sql, type Kysely } from 'kysely';

/**
 * Verified domains and the enterprise restriction. An organization claims a domain (`org_domains`), proves it by a
 * DNS TXT record (or the operator confirms it by hand), and a domain is verified by at most one organization at a
 * time (a partial unique index, so two organizations verifying at the same moment cannot both succeed).
 * `organizations.restrict_verified_domains`: identities on the organization's (or its children's) verified domains
 * may be connected only by people inside the enterprise (see docs/enterprise.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('org_domains')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'timestamptz')
    .addColumn('method', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('org_domains_pkey', ['org_id', 'domain'])
    .addCheckConstraint('org_domains_method', sql`(verified_at is null and method is null) or (verified_at is not null and method in ('dns', 'manual'))`)
    .execute();
  await sql`create unique index org_domains_verified_domain on org_domains (domain) where verified_at is not null`.execute(db);
  await db.schema.alterTable('organizations').addColumn('restrict_verified_domains', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('organizations').dropColumn('restrict_verified_domains').execute();
  await db.schema.dropTable('org_domains').execute();
}
