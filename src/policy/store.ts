import type { Kysely, Transaction } from 'kysely';
import { recordAdminEvent, recordPersonalEvent } from '../audit/events.ts';
import type { z } from 'zod';
import type { Plan, Role } from '../config/schema.ts';
import { describeIssue, formatPath } from '../config/errors.ts';
import type { DB } from '../db/schema.ts';
import { getListing } from '../directory/store.ts';
import type { Actor } from '../identity/actor.ts';
import { roleOf } from '../identity/organizations.ts';
import { isOwner } from '../identity/roles.ts';
import { forbidden, invalidInput, notFound } from '../shared/app-error.ts';
import type { PolicyChange, PolicyChangeBus } from './changes.ts';
import { decide, type OrgRuleSet, type PolicyDecision, type PolicyInput } from './decide.ts';
import {
  canonicalOrgRules,
  canonicalPersonRules,
  EMPTY_ORG_RULES,
  EMPTY_PERSON_RULES,
  orgRulesSchema,
  personRulesSchema,
  type OrgRulesInput,
  type PersonRuleSet,
  type PersonRulesInput,
} from './rules.ts';

type Db = Kysely<DB> | Transaction<DB>;

// ---------------------------------------------------------------------------------------------------
// Reading: everything decide() needs for one person in one organization.

export interface PolicyContext {
  userId: string;
  org: { id: string; slug: string; name: string; plan: Plan };
  role: Role;
  /** Slugs of the connectors the organization enabled. */
  enabled: ReadonlySet<string>;
  /** The organization's rules, by connector slug (absent: no rules). */
  orgRules: ReadonlyMap<string, OrgRuleSet>;
  /** The person's own rules and off switch, by connector slug (absent: none, switched on). */
  personRules: ReadonlyMap<string, PersonRuleSet>;
}

/** The listing fields decide() reads; a directory `Listing` fits as is. */
export interface PolicyConnector {
  slug: string;
  name: string;
  authKind: 'oauth' | 'headers' | 'none';
  plans: readonly string[];
}

/**
 * Loads the policy state of one person in one organization: four small queries, run together. The
 * gateway loads it per request (changes apply at once) and decides each tool with `decideFor`.
 * A person who is not a member is told the organization does not exist among theirs (404).
 */
export async function loadPolicyContext(db: Db, userId: string, orgId: string): Promise<PolicyContext> {
  const [org, enabled, orgRules, personRules] = await Promise.all([
    db
      .selectFrom('organizations')
      .innerJoin('memberships', (j) => j.onRef('memberships.org_id', '=', 'organizations.id').on('memberships.user_id', '=', userId))
      .select(['organizations.id', 'organizations.slug', 'organizations.name', 'organizations.plan', 'memberships.role'])
      .where('organizations.id', '=', orgId)
      .executeTakeFirst(),
    db.selectFrom('org_connectors').select('connector_slug').where('org_id', '=', orgId).execute(),
    db.selectFrom('org_connector_rules').select(['connector_slug', 'categories', 'tools', 'overrides']).where('org_id', '=', orgId).execute(),
    db.selectFrom('user_connector_rules').select(['connector_slug', 'categories', 'tools', 'disabled']).where('user_id', '=', userId).execute(),
  ]);
  if (!org) throw notFound('That organization is not among yours: you are not a member of it.');
  return {
    userId,
    org: { id: org.id, slug: org.slug, name: org.name, plan: org.plan },
    role: org.role,
    enabled: new Set(enabled.map((r) => r.connector_slug)),
    orgRules: new Map(orgRules.map((r) => [r.connector_slug, { categories: r.categories, tools: r.tools, overrides: r.overrides }])),
    personRules: new Map(personRules.map((r) => [r.connector_slug, { categories: r.categories, tools: r.tools, disabled: r.disabled }])),
  };
}

/** The input of decide() for one tool of one connector, from a loaded context. */
export function policyInput(ctx: PolicyContext, connector: PolicyConnector, tool: PolicyInput['tool']): PolicyInput {
  const person = ctx.personRules.get(connector.slug) ?? EMPTY_PERSON_RULES;
  return {
    org: { name: ctx.org.name, plan: ctx.org.plan, rules: ctx.orgRules.get(connector.slug) ?? EMPTY_ORG_RULES },
    connector: { slug: connector.slug, name: connector.name, auth: connector.authKind, plans: connector.plans },
    enabled: ctx.enabled.has(connector.slug),
    personDisabled: person.disabled,
    person: { categories: person.categories, tools: person.tools },
    tool,
  };
}

/** decide() for one tool, from a loaded context: what the gateway calls for `tools/list` and `tools/call`. */
export const decideFor = (ctx: PolicyContext, connector: PolicyConnector, tool: PolicyInput['tool']): PolicyDecision => decide(policyInput(ctx, connector, tool));

// ---------------------------------------------------------------------------------------------------
// Enablement.

export interface Enablement {
  connector: string;
  connectorName: string;
  authKind: 'oauth' | 'headers' | 'none';
  /** Null when the operator enabled it (bootstrap file or CLI). */
  enabledBy: { userId: string; email: string } | null;
  enabledAt: Date;
}

/** Connectors the organization enabled; any member may list them. */
export async function listEnabledConnectors(db: Kysely<DB>, actor: Actor, orgSlug: string): Promise<Enablement[]> {
  const org = await orgFor(db, actor, orgSlug, 'read');
  return enablements(db, org.id);
}

async function enablements(db: Db, orgId: string, connector?: string): Promise<Enablement[]> {
  let query = db
    .selectFrom('org_connectors')
    .innerJoin('connector_listings', 'connector_listings.slug', 'org_connectors.connector_slug')
    .leftJoin('users', 'users.id', 'org_connectors.enabled_by')
    .select(['org_connectors.connector_slug', 'connector_listings.name', 'connector_listings.auth_kind', 'org_connectors.enabled_at', 'users.id as user_id', 'users.email'])
    .where('org_connectors.org_id', '=', orgId);
  if (connector !== undefined) query = query.where('org_connectors.connector_slug', '=', connector);
  const rows = await query.orderBy('org_connectors.connector_slug').execute();
  return rows.map((r) => ({
    connector: r.connector_slug,
    connectorName: r.name,
    authKind: r.auth_kind,
    enabledBy: r.user_id && r.email ? { userId: r.user_id, email: r.email } : null,
    enabledAt: r.enabled_at,
  }));
}

/** "Add to your team": owners (and the operator). Enabling grants nobody access to an account: each member still connects their own. */
export async function enableConnector(db: Kysely<DB>, actor: Actor, orgSlug: string, connectorSlug: string, bus?: PolicyChangeBus): Promise<{ changed: boolean; enablement: Enablement }> {
  const { changed, orgId, enablement } = await db.transaction().execute(async (trx) => {
    const org = await orgFor(trx, actor, orgSlug, 'add connectors to');
    const listing = await getListing(trx, connectorSlug);
    // Another organization's custom connector does not exist for this one.
    if (listing.ownerOrgId !== null && listing.ownerOrgId !== org.id) throw notFound(`No connector has the slug "${connectorSlug}".`);
    if (actor.kind === 'user' && !listing.plans.includes(org.plan)) {
      throw forbidden(`${listing.name} is not available on ${org.name}'s ${org.plan} plan (it is available on: ${listing.plans.join(', ')}). Ask the primary owner about the plan.`);
    }
    const changed = await ensureEnabled(trx, org.id, connectorSlug, actor.kind === 'user' ? actor.userId : null);
    if (changed) await recordAdminEvent(trx, org.id, { kind: 'enablement', action: 'enabled', actor, connector: connectorSlug, subject: connectorSlug });
    const [enablement] = await enablements(trx, org.id, connectorSlug);
    return { changed, orgId: org.id, enablement: enablement! };
  });
  if (changed) await notify(bus, { kind: 'enablement', orgId, connector: connectorSlug });
  return { changed, enablement };
}

/** Removes the connector from the organization (owners). Members' connections stay, unused; the rules stay for a later re-enable. */
export async function disableConnector(db: Kysely<DB>, actor: Actor, orgSlug: string, connectorSlug: string, bus?: PolicyChangeBus): Promise<{ changed: boolean }> {
  const { changed, orgId } = await db.transaction().execute(async (trx) => {
    const org = await orgFor(trx, actor, orgSlug, 'remove connectors from');
    const deleted = await trx.deleteFrom('org_connectors').where('org_id', '=', org.id).where('connector_slug', '=', connectorSlug).executeTakeFirst();
    if (deleted.numDeletedRows === 0n) await getListing(trx, connectorSlug); // an unknown slug is a 404, an un-enabled one is a no-op
    else await recordAdminEvent(trx, org.id, { kind: 'enablement', action: 'disabled', actor, connector: connectorSlug, subject: connectorSlug });
    return { changed: deleted.numDeletedRows > 0n, orgId: org.id };
  });
  if (changed) await notify(bus, { kind: 'enablement', orgId, connector: connectorSlug });
  return { changed };
}

/** Operator-level (no role check, no notice): used by the bootstrap inside its transaction. Returns whether a row was added. */
export async function ensureEnabled(trx: Db, orgId: string, connectorSlug: string, enabledBy: string | null): Promise<boolean> {
  const inserted = await trx
    .insertInto('org_connectors')
    .values({ org_id: orgId, connector_slug: connectorSlug, enabled_by: enabledBy })
    .onConflict((oc) => oc.columns(['org_id', 'connector_slug']).doNothing())
    .returning('org_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

// ---------------------------------------------------------------------------------------------------
// Organization rules.

export interface OrgRules extends OrgRuleSet {
  connector: string;
  /** Null when the operator set them, or nobody has. */
  updatedBy: string | null;
  updatedAt: Date | null;
}

/** Any member may read the rules that bind them. */
export async function getOrgRules(db: Kysely<DB>, actor: Actor, orgSlug: string, connectorSlug: string): Promise<OrgRules> {
  const org = await orgFor(db, actor, orgSlug, 'read');
  await getListing(db, connectorSlug);
  return orgRulesOf(db, org.id, connectorSlug);
}

async function orgRulesOf(db: Db, orgId: string, connectorSlug: string, lock = false): Promise<OrgRules> {
  let query = db.selectFrom('org_connector_rules').selectAll().where('org_id', '=', orgId).where('connector_slug', '=', connectorSlug);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) return { connector: connectorSlug, ...EMPTY_ORG_RULES, updatedBy: null, updatedAt: null };
  return { connector: connectorSlug, ...canonicalOrgRules({ categories: row.categories, tools: row.tools, overrides: row.overrides }), updatedBy: row.updated_by, updatedAt: row.updated_at };
}

/** Replaces the organization's rules for a connector (owners and the operator). Setting the same rules again changes nothing and publishes nothing. */
export async function setOrgRules(db: Kysely<DB>, actor: Actor, orgSlug: string, connectorSlug: string, input: OrgRulesInput, bus?: PolicyChangeBus): Promise<{ changed: boolean; rules: OrgRules }> {
  const rules = parseRules(orgRulesSchema, input, `the rules for "${connectorSlug}"`);
  const result = await db.transaction().execute(async (trx) => {
    const org = await orgFor(trx, actor, orgSlug, 'set rules for connectors in');
    await getListing(trx, connectorSlug);
    const changed = await writeOrgRules(trx, org.id, connectorSlug, rules, actor.kind === 'user' ? actor.userId : null);
    const stored = await orgRulesOf(trx, org.id, connectorSlug);
    if (changed) {
      const { categories, tools, overrides } = stored;
      await recordAdminEvent(trx, org.id, { kind: 'policy', action: 'org_rules_set', actor, connector: connectorSlug, subject: connectorSlug, details: { rules: { categories, tools, overrides } } });
    }
    return { changed, orgId: org.id, rules: stored };
  });
  if (result.changed) await notify(bus, { kind: 'policy', orgId: result.orgId, connector: connectorSlug });
  return { changed: result.changed, rules: result.rules };
}

/**
 * Operator-level (no role check, no notice), for the bootstrap: each declared key is set to the declared
 * value, keys not declared keep what they have (so rules owners set through the API survive a restart).
 */
export async function mergeOrgRules(trx: Transaction<DB>, orgId: string, connectorSlug: string, declared: Partial<OrgRuleSet>): Promise<{ outcome: 'created' | 'updated' | 'unchanged' }> {
  const current = await orgRulesOf(trx, orgId, connectorSlug, true);
  const existed = current.updatedAt !== null;
  const merged: OrgRuleSet = {
    categories: { ...current.categories, ...declared.categories },
    tools: { ...current.tools, ...declared.tools },
    overrides: { ...current.overrides, ...declared.overrides },
  };
  const changed = await writeOrgRules(trx, orgId, connectorSlug, merged, null);
  return { outcome: !changed ? 'unchanged' : existed ? 'updated' : 'created' };
}

async function writeOrgRules(trx: Transaction<DB>, orgId: string, connectorSlug: string, rules: OrgRuleSet, by: string | null): Promise<boolean> {
  const next = canonicalOrgRules(rules);
  const current = await trx
    .selectFrom('org_connector_rules')
    .select(['categories', 'tools', 'overrides'])
    .where('org_id', '=', orgId)
    .where('connector_slug', '=', connectorSlug)
    .forUpdate()
    .executeTakeFirst();
  if (current && JSON.stringify(canonicalOrgRules(current)) === JSON.stringify(next)) return false;
  if (!current && isEmptyOrgRules(next)) return false;
  const values = { categories: JSON.stringify(next.categories), tools: JSON.stringify(next.tools), overrides: JSON.stringify(next.overrides), updated_by: by, updated_at: new Date() };
  await trx
    .insertInto('org_connector_rules')
    .values({ org_id: orgId, connector_slug: connectorSlug, ...values })
    .onConflict((oc) => oc.columns(['org_id', 'connector_slug']).doUpdateSet(values))
    .execute();
  return true;
}

const isEmptyOrgRules = (r: OrgRuleSet) => Object.keys(r.categories).length + Object.keys(r.tools).length + Object.keys(r.overrides).length === 0;

// ---------------------------------------------------------------------------------------------------
// A person's own rules.

export interface PersonRules extends PersonRuleSet {
  connector: string;
  updatedAt: Date | null;
}

export async function getPersonRules(db: Db, userId: string, connectorSlug: string): Promise<PersonRules> {
  await getListing(db, connectorSlug);
  return personRulesOf(db, userId, connectorSlug);
}

async function personRulesOf(db: Db, userId: string, connectorSlug: string): Promise<PersonRules> {
  const row = await db.selectFrom('user_connector_rules').selectAll().where('user_id', '=', userId).where('connector_slug', '=', connectorSlug).executeTakeFirst();
  if (!row) return { connector: connectorSlug, ...EMPTY_PERSON_RULES, updatedAt: null };
  return { connector: connectorSlug, ...canonicalPersonRules({ categories: row.categories, tools: row.tools, disabled: row.disabled }), updatedAt: row.updated_at };
}

/**
 * Replaces a person's own rules and off switch for a connector. Only ever for themselves (the caller
 * passes the authenticated person's id); they apply in every organization and can only narrow what the
 * organization allows, because decide() takes the most restrictive setting.
 */
export async function setPersonRules(db: Kysely<DB>, userId: string, connectorSlug: string, input: PersonRulesInput, bus?: PolicyChangeBus): Promise<{ changed: boolean; rules: PersonRules }> {
  const next = canonicalPersonRules(parseRules(personRulesSchema, input, `your rules for "${connectorSlug}"`));
  const result = await db.transaction().execute(async (trx) => {
    await getListing(trx, connectorSlug);
    const current = await trx
      .selectFrom('user_connector_rules')
      .select(['categories', 'tools', 'disabled'])
      .where('user_id', '=', userId)
      .where('connector_slug', '=', connectorSlug)
      .forUpdate()
      .executeTakeFirst();
    const same = current
      ? JSON.stringify(canonicalPersonRules(current)) === JSON.stringify(next)
      : JSON.stringify(next) === JSON.stringify(EMPTY_PERSON_RULES);
    if (!same) {
      const values = { categories: JSON.stringify(next.categories), tools: JSON.stringify(next.tools), disabled: next.disabled, updated_at: new Date() };
      await trx
        .insertInto('user_connector_rules')
        .values({ user_id: userId, connector_slug: connectorSlug, ...values })
        .onConflict((oc) => oc.columns(['user_id', 'connector_slug']).doUpdateSet(values))
        .execute();
      await recordPersonalEvent(trx, userId, { kind: 'policy', action: 'person_rules_set', actor: { kind: 'user', userId }, connector: connectorSlug, subject: connectorSlug, details: { rules: next } });
    }
    return { changed: !same, rules: await personRulesOf(trx, userId, connectorSlug) };
  });
  if (result.changed) await notify(bus, { kind: 'policy', orgId: null, connector: connectorSlug, userId });
  return result;
}

// ---------------------------------------------------------------------------------------------------

/**
 * The organization, with the actor's right checked: any member may read; owners, the primary owner and
 * the operator may change. Someone else's organization answers like a missing one (slugs are not for probing).
 */
export async function orgFor(db: Db, actor: Actor, orgSlug: string, action: 'read' | string) {
  const org = await db.selectFrom('organizations').select(['id', 'slug', 'name', 'plan']).where('slug', '=', orgSlug).executeTakeFirst();
  if (!org) throw notFound(`No organization has the slug "${orgSlug}"; check the spelling, or list your organizations with GET /api/v1/me.`);
  if (actor.kind === 'operator') return org;
  const role = await roleOf(db, org.id, actor.userId);
  if (role === undefined) throw notFound(`No organization has the slug "${orgSlug}" among yours.`);
  // The role rule: connectors and their rules are owners' business (src/identity/roles.ts isOwner).
  if (action !== 'read' && !isOwner(role)) throw forbidden(`Only owners of ${org.name} can ${action} the organization; ask an owner.`);
  return org;
}

function parseRules<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${describeIssue(i, input)}`);
  throw invalidInput(`${what[0]!.toUpperCase()}${what.slice(1)} are not valid: ${issues.join('; ')}.`, {
    fields: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
  });
}

async function notify(bus: PolicyChangeBus | undefined, change: PolicyChange): Promise<void> {
  if (bus) await bus.publish(change);
}
