import { promises as dnsPromises } from 'node:dns';
import { domainToASCII } from 'node:url';
import type { Kysely, Transaction } from 'kysely';
import { recordAdminEvent } from '../audit/events.ts';
import type { DB } from '../db/schema.ts';
import type { Role } from '../config/schema.ts';
import { AppError, conflict, forbidden, invalidInput, notFound } from '../shared/app-error.ts';
import { randomToken } from '../shared/crypto.ts';
import type { Actor } from './actor.ts';
import { lockOrganization, roleOf, type Organization } from './organizations.ts';
import { isOwner } from './roles.ts';

/**
 * Verified domains and the enterprise restriction (docs/enterprise.md).
 *
 * An organization claims a domain and proves it controls it by publishing `switchboard-verification=<token>` as a
 * TXT record at the domain itself; the operator may confirm a domain by hand instead (`--manual`). A domain is
 * verified by at most one organization. An organization whose `restrict_verified_domains` is on (the enterprise)
 * makes every identity on a domain verified by it or by one of its descendant organizations (a verified domain
 * covers its subdomains) connectable only by people inside the enterprise: members of it or of its descendants.
 */

export const TXT_PREFIX = 'switchboard-verification=';
export const ENTERPRISE_IDENTITY_MESSAGE = 'This corporate identity belongs to an Enterprise that manages access through their own account';

export type ResolveTxt = (hostname: string) => Promise<string[][]>;

export interface OrgDomain {
  domain: string;
  verified: boolean;
  verifiedAt: Date | null;
  method: 'dns' | 'manual' | null;
  /** The TXT record to publish at `domain` (not a secret: DNS is public). */
  txtRecord: string;
  createdAt: Date;
}

export interface EnterpriseSetting {
  restrictVerifiedDomains: boolean;
  /** Whether this organization may turn the restriction on: it has child organizations or a verified domain. */
  eligible: boolean;
}

type Db = Kysely<DB> | Transaction<DB>;

const txtRecordFor = (token: string) => `${TXT_PREFIX}${token}`;

const toOrgDomain = (row: { domain: string; token: string; verified_at: Date | null; method: 'dns' | 'manual' | null; created_at: Date }): OrgDomain => ({
  domain: row.domain,
  verified: row.verified_at !== null,
  verifiedAt: row.verified_at,
  method: row.method,
  txtRecord: txtRecordFor(row.token),
  createdAt: row.created_at,
});

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lower case, IDNs in their ASCII form, no trailing dot; at least two labels, never an IP address. */
export function normalizeDomain(input: string): string {
  const trimmed = input.trim().toLowerCase().replace(/\.$/, '');
  const ascii = trimmed ? domainToASCII(trimmed) : '';
  const labels = ascii.split('.');
  if (!ascii || ascii.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$/.test(labels.at(-1)!)) {
    throw invalidInput(`"${input}" is not a domain name; give one like example.com (no scheme, path or email).`);
  }
  return ascii;
}

/** The domain of an email address, normalized; undefined when it has none. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  try {
    return normalizeDomain(email.slice(at + 1));
  } catch {
    return undefined;
  }
}

/** The domain and every parent domain of at least two labels: eng.bigcorp.com → eng.bigcorp.com, bigcorp.com. */
function coveringDomains(domain: string): string[] {
  const labels = domain.split('.');
  const out: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) out.push(labels.slice(i).join('.'));
  return out;
}

async function orgFor(db: Db, actor: Actor, slug: string): Promise<{ org: { id: string; slug: string; name: string }; role: Role | undefined }> {
  const org = await db.selectFrom('organizations').select(['id', 'slug', 'name']).where('slug', '=', slug).executeTakeFirst();
  const role = org && actor.kind === 'user' ? await roleOf(db, org.id, actor.userId) : undefined;
  if (!org || (actor.kind === 'user' && role === undefined)) throw notFound(`No organization has the slug "${slug}" among yours.`);
  return { org, role };
}

/** A transaction with the organization locked and the actor checked to be an owner (the operator always may). */
async function asOwner<T>(db: Kysely<DB>, actor: Actor, slug: string, what: string, body: (trx: Transaction<DB>, org: Organization) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const org = await lockOrganization(trx, slug);
    if (actor.kind === 'user') {
      const role = await roleOf(trx, org.id, actor.userId);
      if (role === undefined) throw notFound(`No organization has the slug "${slug}" among yours.`);
      if (!isOwner(role)) throw forbidden(`Only owners of ${org.name} can ${what}; ask an owner.`);
    }
    return body(trx, org);
  });
}

/** The organization's domains, verified or not (members read). */
export async function listDomains(db: Kysely<DB>, actor: Actor, slug: string): Promise<OrgDomain[]> {
  const { org } = await orgFor(db, actor, slug);
  const rows = await db.selectFrom('org_domains').selectAll().where('org_id', '=', org.id).orderBy('domain').execute();
  return rows.map(toOrgDomain);
}

async function verifiedElsewhere(db: Db, orgId: string, domain: string): Promise<boolean> {
  const row = await db.selectFrom('org_domains').select('org_id').where('domain', '=', domain).where('verified_at', 'is not', null).where('org_id', '!=', orgId).executeTakeFirst();
  return row !== undefined;
}

const takenMessage = (domain: string) => `${domain} is already verified by another organization. A domain belongs to one organization; its owners must remove it there first.`;

/**
 * Claims a domain (owners). Returns it with the TXT record to publish at the domain; adding a domain the
 * organization already has returns it unchanged (same token).
 */
export async function addDomain(db: Kysely<DB>, actor: Actor, slug: string, input: string): Promise<OrgDomain> {
  const domain = normalizeDomain(input);
  return asOwner(db, actor, slug, 'add domains', async (trx, org) => {
    const existing = await trx.selectFrom('org_domains').selectAll().where('org_id', '=', org.id).where('domain', '=', domain).executeTakeFirst();
    if (existing) return toOrgDomain(existing);
    if (await verifiedElsewhere(trx, org.id, domain)) throw conflict(takenMessage(domain));
    const row = await trx.insertInto('org_domains').values({ org_id: org.id, domain, token: randomToken(24) }).returningAll().executeTakeFirstOrThrow();
    await recordAdminEvent(trx, org.id, { kind: 'policy', action: 'domain_added', actor, subject: domain });
    return toOrgDomain(row);
  });
}

export interface VerifyOptions {
  /** The operator's override: verified without a DNS lookup (the CLI's `--manual`). People cannot use it. */
  manual?: boolean;
  /** Injectable for tests; defaults to `dns.promises.resolveTxt`. */
  resolveTxt?: ResolveTxt;
}

/**
 * Verifies a domain (owners): looks for the TXT record at the domain, or, for the operator with `manual`, takes
 * their word for it (adding the domain first when the organization has not). Verifying a verified domain again
 * returns it unchanged. A domain verified by another organization is a conflict.
 */
export async function verifyDomain(db: Kysely<DB>, actor: Actor, slug: string, input: string, options: VerifyOptions = {}): Promise<OrgDomain> {
  const domain = normalizeDomain(input);
  if (options.manual && actor.kind !== 'operator') throw forbidden('Only the Switchboard operator can verify a domain by hand; publish the TXT record and verify it by DNS.');
  // Checked before the lookup (which may take seconds) and again in the transaction below.
  const { org, role } = await orgFor(db, actor, slug);
  if (actor.kind === 'user' && !isOwner(role)) throw forbidden(`Only owners of ${org.name} can verify domains; ask an owner.`);
  let row = await db.selectFrom('org_domains').selectAll().where('org_id', '=', org.id).where('domain', '=', domain).executeTakeFirst();
  if (!row && !options.manual) throw notFound(`${domain} is not among the domains of ${org.name}; add it first to get the TXT record to publish.`);
  if (row?.verified_at) return toOrgDomain(row);
  if (await verifiedElsewhere(db, org.id, domain)) throw conflict(takenMessage(domain));
  if (!options.manual) await checkTxt(domain, txtRecordFor(row!.token), options.resolveTxt ?? dnsPromises.resolveTxt);
  const method = options.manual ? 'manual' : 'dns';
  try {
    return await asOwner(db, actor, slug, 'verify domains', async (trx, locked) => {
      if (await verifiedElsewhere(trx, locked.id, domain)) throw conflict(takenMessage(domain));
      const now = new Date();
      row = await trx
        .insertInto('org_domains')
        .values({ org_id: locked.id, domain, token: row?.token ?? randomToken(24), verified_at: now, method })
        .onConflict((oc) => oc.columns(['org_id', 'domain']).doUpdateSet({ verified_at: now, method }))
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAdminEvent(trx, locked.id, { kind: 'policy', action: 'domain_verified', actor, subject: domain, details: { method } });
      return toOrgDomain(row);
    });
  } catch (err) {
    // Another organization verified it between our check and our write: the unique index decided.
    if ((err as { code?: unknown }).code === '23505') throw conflict(takenMessage(domain));
    throw err;
  }
}

async function checkTxt(domain: string, expected: string, resolveTxt: ResolveTxt): Promise<void> {
  let records: string[][];
  try {
    records = await resolveTxt(domain);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'NXDOMAIN') {
      throw new AppError(422, 'domain_not_verified', `${domain} has no TXT records. Publish the TXT record "${expected}" at ${domain}, wait for DNS to update, and verify again.`);
    }
    throw new AppError(502, 'dns_unavailable', `The DNS lookup of ${domain} failed (${String(code ?? (err as Error).message)}). Try again in a moment.`, { cause: err });
  }
  // A TXT record may come in several strings; they form one value.
  if (!records.some((chunks) => chunks.join('').trim() === expected)) {
    throw new AppError(422, 'domain_not_verified', `${domain} has no TXT record "${expected}". Publish it at ${domain} (not at a subdomain), wait for DNS to update, and verify again.`);
  }
}

/** Removes a domain, verified or not (owners); an identity on it is no longer restricted. */
export async function removeDomain(db: Kysely<DB>, actor: Actor, slug: string, input: string): Promise<void> {
  const domain = normalizeDomain(input);
  await asOwner(db, actor, slug, 'remove domains', async (trx, org) => {
    const row = await trx.deleteFrom('org_domains').where('org_id', '=', org.id).where('domain', '=', domain).returning(['verified_at']).executeTakeFirst();
    if (!row) throw notFound(`${domain} is not among the domains of ${org.name}.`);
    await recordAdminEvent(trx, org.id, { kind: 'policy', action: 'domain_removed', actor, subject: domain, details: { wasVerified: row.verified_at !== null } });
  });
}

async function eligible(db: Db, orgId: string): Promise<boolean> {
  const child = await db.selectFrom('organizations').select('id').where('parent_id', '=', orgId).executeTakeFirst();
  if (child) return true;
  const verified = await db.selectFrom('org_domains').select('domain').where('org_id', '=', orgId).where('verified_at', 'is not', null).executeTakeFirst();
  return verified !== undefined;
}

/** The enterprise restriction of an organization (members read). */
export async function getEnterpriseSetting(db: Kysely<DB>, actor: Actor, slug: string): Promise<EnterpriseSetting> {
  const { org } = await orgFor(db, actor, slug);
  const row = await db.selectFrom('organizations').select('restrict_verified_domains').where('id', '=', org.id).executeTakeFirstOrThrow();
  return { restrictVerifiedDomains: row.restrict_verified_domains, eligible: await eligible(db, org.id) };
}

/**
 * Turns the restriction on or off (owners). On needs an enterprise: an organization with child organizations
 * (a parent) or with a verified domain of its own. Off is always allowed.
 */
export async function setEnterpriseRestriction(db: Kysely<DB>, actor: Actor, slug: string, restrict: boolean): Promise<EnterpriseSetting> {
  return asOwner(db, actor, slug, 'change the enterprise restriction', async (trx, org) => {
    const isEligible = await eligible(trx, org.id);
    if (restrict && !isEligible) {
      throw invalidInput(`${org.name} has no child organizations and no verified domain, so there is nothing to restrict. Verify a domain first (or have the operator place organizations under it).`);
    }
    const before = await trx.selectFrom('organizations').select('restrict_verified_domains').where('id', '=', org.id).executeTakeFirstOrThrow();
    if (before.restrict_verified_domains !== restrict) {
      await trx.updateTable('organizations').set({ restrict_verified_domains: restrict, updated_at: new Date() }).where('id', '=', org.id).execute();
      await recordAdminEvent(trx, org.id, { kind: 'policy', action: 'enterprise_restriction_set', actor, subject: org.slug, details: { restrictVerifiedDomains: restrict } });
    }
    return { restrictVerifiedDomains: restrict, eligible: isEligible };
  });
}

export interface EnterpriseRefusal {
  /** The verified domain that matched (never the person's address). */
  domain: string;
  enterpriseOrgId: string;
}

/**
 * Whether a person may connect an account whose identity is `email`. Undefined when they may; otherwise the
 * verified domain and the enterprise that restricts it. Every verified domain covering the email's domain counts
 * (eng.bigcorp.com is covered by bigcorp.com); for each, the enterprise is the nearest organization, from the one
 * that verified the domain up through its parents, with the restriction on. The person is inside when they are a
 * member of the enterprise or of any organization below it.
 */
export async function enterpriseRefusalFor(db: Kysely<DB>, userId: string, email: string): Promise<EnterpriseRefusal | undefined> {
  const domain = emailDomain(email);
  if (!domain) return undefined;
  const matches = await db.selectFrom('org_domains').select(['org_id', 'domain']).where('domain', 'in', coveringDomains(domain)).where('verified_at', 'is not', null).execute();
  if (matches.length === 0) return undefined;
  const memberOf = new Set((await db.selectFrom('memberships').select('org_id').where('user_id', '=', userId).execute()).map((r) => r.org_id));
  for (const match of matches) {
    const enterprise = await restrictingAncestor(db, match.org_id);
    if (!enterprise) continue;
    const inside = await subtree(db, enterprise);
    if (![...inside].some((id) => memberOf.has(id))) return { domain: match.domain, enterpriseOrgId: enterprise };
  }
  return undefined;
}

async function restrictingAncestor(db: Db, orgId: string): Promise<string | undefined> {
  let cursor: string | null = orgId;
  for (let depth = 0; cursor !== null && depth <= 64; depth++) {
    const row: { id: string; parent_id: string | null; restrict_verified_domains: boolean } | undefined = await db
      .selectFrom('organizations')
      .select(['id', 'parent_id', 'restrict_verified_domains'])
      .where('id', '=', cursor)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.restrict_verified_domains) return row.id;
    cursor = row.parent_id;
  }
  return undefined;
}

/** The organization and all its descendants. */
async function subtree(db: Db, orgId: string): Promise<Set<string>> {
  const all = new Set([orgId]);
  let frontier = [orgId];
  for (let depth = 0; frontier.length > 0 && depth <= 64; depth++) {
    const children = await db.selectFrom('organizations').select('id').where('parent_id', 'in', frontier).execute();
    frontier = children.map((c) => c.id).filter((id) => !all.has(id));
    for (const id of frontier) all.add(id);
  }
  return all;
}

/** The refusal a person sees (status 403): nothing of the connection was stored. */
export const enterpriseIdentityError = () => new AppError(403, 'enterprise_identity', ENTERPRISE_IDENTITY_MESSAGE);
