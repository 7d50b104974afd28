import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../shared/app-error.ts';
import { newId } from '../shared/crypto.ts';
import { hashToken, createAccessToken } from '../identity/access-tokens.ts';
import { recordAdminEvent } from '../audit/events.ts';
import { OPERATOR } from '../identity/actor.ts';
import { ensureMembership } from '../identity/memberships.ts';
import { hashPassword } from '../identity/passwords.ts';
import { applyBootstrapConnectors, type BootstrapConnectorsReport } from '../directory/bootstrap-connectors.ts';
import { findListing } from '../directory/store.ts';
import type { PolicyChange, PolicyChangeBus } from '../policy/changes.ts';
import { ensureEnabled, mergeOrgRules } from '../policy/store.ts';
import { ConfigError, formatPath } from './errors.ts';
import type { BootstrapDocument } from './schema.ts';

export interface BootstrapReport {
  organizations: { created: number; updated: number; unchanged: number };
  users: { created: number; updated: number; unchanged: number };
  memberships: { created: number; updated: number; unchanged: number };
  tokens: { created: number; unchanged: number; revoked: number };
  /** Directory listings (source `bootstrap`) for the `connectors:` entries. */
  connectors: BootstrapConnectorsReport;
  /** `connectors[].enabledFor`: connectors added to organizations (never removed by the file). */
  enablements: { created: number; unchanged: number };
  /** `policies:` entries: organization rules per connector. */
  policies: { created: number; updated: number; unchanged: number };
}

export interface BootstrapOptions {
  /** Told about every enablement and rule the file changed, after the transaction commits. */
  policyChanges?: PolicyChangeBus | undefined;
}

class BootstrapFieldError extends Error {
  readonly path: (string | number)[];
  constructor(path: (string | number)[], message: string) {
    super(message);
    this.path = path;
  }
}

const counter = () => ({ created: 0, updated: 0, unchanged: 0 });

/**
 * Makes the database hold what the file declares: creates what is missing, updates declared fields
 * that differ, and deletes nothing (an entry removed from the file leaves its data in place). All of
 * it in one transaction: a file with a problem changes nothing.
 */
export async function applyBootstrap(db: Kysely<DB>, doc: BootstrapDocument, source: string, log: Logger, options: BootstrapOptions = {}): Promise<BootstrapReport> {
  const report: BootstrapReport = {
    organizations: counter(),
    users: counter(),
    memberships: counter(),
    tokens: { created: 0, unchanged: 0, revoked: 0 },
    connectors: counter(),
    enablements: { created: 0, unchanged: 0 },
    policies: counter(),
  };
  const changes: PolicyChange[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      const orgIds = await applyOrganizations(trx, doc, report);
      await applyParents(trx, doc, orgIds);
      await applyMembers(trx, doc, orgIds, report, log);
      report.connectors = await applyConnectors(trx, doc);
      await applyEnablements(trx, doc, orgIds, report, changes);
      await applyPolicies(trx, doc, orgIds, report, changes);
    });
  } catch (err) {
    if (err instanceof BootstrapFieldError) {
      throw new ConfigError(`Switchboard cannot apply the bootstrap in ${source}; nothing was changed.`, [{ field: formatPath(err.path), where: source, message: err.message }]);
    }
    throw err;
  }
  for (const change of changes) await options.policyChanges?.publish(change);
  if (doc.egress.allow.length > 0) {
    // Validated above; the upstream module (egress) applies them.
    log.debug({ egressRules: doc.egress.allow.length }, 'bootstrap: egress entries validated');
  }
  log.info({ source, ...report }, 'bootstrap applied');
  return report;
}

async function applyConnectors(trx: Transaction<DB>, doc: BootstrapDocument): Promise<BootstrapConnectorsReport> {
  try {
    return await applyBootstrapConnectors(trx, doc.connectors);
  } catch (err) {
    if (err instanceof AppError) throw new BootstrapFieldError(['connectors'], err.message);
    throw err;
  }
}

/** An organization declared in the file, or already in the database. */
async function orgIdFor(trx: Transaction<DB>, slug: string, orgIds: Map<string, string>): Promise<string | undefined> {
  const declared = orgIds.get(slug);
  if (declared) return declared;
  const row = await trx.selectFrom('organizations').select('id').where('slug', '=', slug).executeTakeFirst();
  if (row) orgIds.set(slug, row.id);
  return row?.id;
}

/**
 * `connectors[].enabledFor`: adds each connector to each named organization, as the operator. An
 * organization left out of the list later keeps the connector (owners remove it through the API).
 */
async function applyEnablements(trx: Transaction<DB>, doc: BootstrapDocument, orgIds: Map<string, string>, report: BootstrapReport, changes: PolicyChange[]): Promise<void> {
  for (const [i, connector] of doc.connectors.entries()) {
    for (const [j, orgSlug] of connector.enabledFor.entries()) {
      const orgId = await orgIdFor(trx, orgSlug, orgIds);
      if (!orgId) throw new BootstrapFieldError(['connectors', i, 'enabledFor', j], `no organization "${orgSlug}" is declared in the file or exists in the database`);
      if (await ensureEnabled(trx, orgId, connector.slug, null)) {
        await recordAdminEvent(trx, orgId, { kind: 'enablement', action: 'enabled', actor: OPERATOR, connector: connector.slug, subject: connector.slug, details: { via: 'bootstrap' } });
        report.enablements.created++;
        changes.push({ kind: 'enablement', orgId, connector: connector.slug });
      } else report.enablements.unchanged++;
    }
  }
}

/**
 * `policies:`: each entry's declared categories, tools and overrides are set to the file's values; what
 * the entry does not declare (and entries removed from the file) keep their current rules.
 */
async function applyPolicies(trx: Transaction<DB>, doc: BootstrapDocument, orgIds: Map<string, string>, report: BootstrapReport, changes: PolicyChange[]): Promise<void> {
  for (const [i, entry] of doc.policies.entries()) {
    const orgId = await orgIdFor(trx, entry.org, orgIds);
    if (!orgId) throw new BootstrapFieldError(['policies', i, 'org'], `no organization "${entry.org}" is declared in the file or exists in the database`);
    if (!(await findListing(trx, entry.connector))) {
      throw new BootstrapFieldError(['policies', i, 'connector'], `no connector "${entry.connector}" is declared in the file or listed in the directory`);
    }
    const { outcome } = await mergeOrgRules(trx, orgId, entry.connector, { categories: entry.categories, tools: entry.tools, overrides: entry.overrides });
    report.policies[outcome]++;
    if (outcome !== 'unchanged') {
      await recordAdminEvent(trx, orgId, {
        kind: 'policy',
        action: 'org_rules_set',
        actor: OPERATOR,
        connector: entry.connector,
        subject: entry.connector,
        details: { via: 'bootstrap', declared: { categories: entry.categories, tools: entry.tools, overrides: entry.overrides } },
      });
      changes.push({ kind: 'policy', orgId, connector: entry.connector });
    }
  }
}

async function applyOrganizations(trx: Transaction<DB>, doc: BootstrapDocument, report: BootstrapReport): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const org of doc.organizations) {
    const existing = await trx.selectFrom('organizations').selectAll().where('slug', '=', org.slug).forUpdate().executeTakeFirst();
    if (!existing) {
      const id = newId();
      await trx.insertInto('organizations').values({ id, slug: org.slug, name: org.name, plan: org.plan }).execute();
      ids.set(org.slug, id);
      report.organizations.created++;
      continue;
    }
    ids.set(org.slug, existing.id);
    if (existing.name !== org.name || existing.plan !== org.plan) {
      await trx.updateTable('organizations').set({ name: org.name, plan: org.plan, updated_at: new Date() }).where('id', '=', existing.id).execute();
      report.organizations.updated++;
    } else report.organizations.unchanged++;
  }
  return ids;
}

async function applyParents(trx: Transaction<DB>, doc: BootstrapDocument, ids: Map<string, string>): Promise<void> {
  for (const [i, org] of doc.organizations.entries()) {
    if (org.parent === undefined) continue;
    let parentId = ids.get(org.parent);
    if (!parentId) {
      parentId = (await trx.selectFrom('organizations').select('id').where('slug', '=', org.parent).executeTakeFirst())?.id;
      if (!parentId) throw new BootstrapFieldError(['organizations', i, 'parent'], `no organization "${org.parent}" is declared in the file or exists in the database`);
    }
    const childId = ids.get(org.slug)!;
    let cursor: string | null = parentId;
    for (let depth = 0; cursor !== null; depth++) {
      if (cursor === childId || depth > 64) throw new BootstrapFieldError(['organizations', i, 'parent'], `making "${org.parent}" the parent of "${org.slug}" would create a loop`);
      cursor = (await trx.selectFrom('organizations').select('parent_id').where('id', '=', cursor).executeTakeFirst())?.parent_id ?? null;
    }
    await trx.updateTable('organizations').set({ parent_id: parentId }).where('id', '=', childId).where((eb) => eb.or([eb('parent_id', 'is', null), eb('parent_id', '!=', parentId)])).execute();
  }
}

async function applyMembers(trx: Transaction<DB>, doc: BootstrapDocument, orgIds: Map<string, string>, report: BootstrapReport, log: Logger): Promise<void> {
  const seenUsers = new Set<string>();
  for (const [i, org] of doc.organizations.entries()) {
    const orgId = orgIds.get(org.slug)!;
    for (const [j, member] of org.members.entries()) {
      const path = ['organizations', i, 'members', j];
      let user = await trx.selectFrom('users').selectAll().where('email', '=', member.email).executeTakeFirst();
      if (!user) {
        const passwordHash = member.password !== undefined ? await hashPassword(member.password) : null;
        user = await trx.insertInto('users').values({ id: newId(), email: member.email, name: member.name ?? null, password_hash: passwordHash }).returningAll().executeTakeFirstOrThrow();
        report.users.created++;
      } else if (!seenUsers.has(user.id)) {
        // The file's password is an initial password: it is set when the account has none, and a
        // password the person chose later is never overwritten.
        const patch: { name?: string; password_hash?: string } = {};
        if (member.name !== undefined && member.name !== user.name) patch.name = member.name;
        if (member.password !== undefined && user.password_hash === null) patch.password_hash = await hashPassword(member.password);
        if (Object.keys(patch).length > 0) {
          await trx.updateTable('users').set({ ...patch, updated_at: new Date() }).where('id', '=', user.id).execute();
          report.users.updated++;
        } else report.users.unchanged++;
      }
      seenUsers.add(user.id);

      try {
        const outcome = await ensureMembership(trx, orgId, user.id, member.role);
        report.memberships[outcome]++;
        if (outcome !== 'unchanged') {
          await recordAdminEvent(trx, orgId, { kind: 'membership', action: outcome === 'created' ? 'member_added' : 'role_changed', actor: OPERATOR, userId: user.id, subject: user.id, details: { via: 'bootstrap', email: member.email, role: member.role } });
        }
      } catch (err) {
        if (err instanceof AppError) throw new BootstrapFieldError([...path, 'role'], err.message);
        throw err;
      }

      for (const [k, value] of member.tokens.entries()) {
        const existing = await trx.selectFrom('access_tokens').select(['user_id', 'revoked_at']).where('token_hash', '=', hashToken(value)).executeTakeFirst();
        if (!existing) {
          await createAccessToken(trx, { userId: user.id, name: 'Declared in the bootstrap file', source: 'bootstrap', value });
          report.tokens.created++;
        } else if (existing.user_id !== user.id) {
          throw new BootstrapFieldError([...path, 'tokens', k], 'this token already belongs to another person in the database; declare a different value');
        } else if (existing.revoked_at) {
          // Re-applying the file must not undo a revocation made on purpose.
          log.warn({ user: member.email }, 'bootstrap: a declared token was revoked earlier and stays revoked; declare a new value to issue a working token');
          report.tokens.revoked++;
        } else report.tokens.unchanged++;
      }
    }
  }
}
