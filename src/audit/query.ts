import type { Kysely, Selectable } from 'kysely';
import type { AuditEventsTable, AuditKind, DB } from '../db/schema.ts';
import type { Actor } from '../identity/actor.ts';
import { roleOf } from '../identity/organizations.ts';
import { isOwner } from '../identity/roles.ts';
import { forbidden, invalidInput, notFound } from '../shared/app-error.ts';

export interface AuditFilters {
  kind?: AuditKind | undefined;
  /** An admin event's action (role_changed, org_rules_set, …); tool calls have none. */
  action?: string | undefined;
  /** The person who acted (user_id). */
  user?: string | undefined;
  connector?: string | undefined;
  tool?: string | undefined;
  outcome?: 'ok' | 'error' | 'refused' | undefined;
  decision?: 'allow' | 'ask' | 'block' | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface AuditEntry {
  id: string;
  at: string;
  kind: AuditKind;
  action: string | null;
  actor: string | null;
  userId: string | null;
  orgId: string | null;
  connector: string | null;
  tool: string | null;
  decision: 'allow' | 'ask' | 'block' | null;
  outcome: 'ok' | 'error' | 'refused' | null;
  latencyMs: number | null;
  surface: string | null;
  subject: string | null;
  requestId: string | null;
  detail: string | null;
  details: unknown;
}

export const MAX_PAGE = 500;

/** The cursor is the last id served, wrapped so that clients do not build on its form. */
export const encodeCursor = (id: string): string => Buffer.from(`a:${id}`, 'utf8').toString('base64url');

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^a:(\d{1,19})$/.exec(text);
  if (!match) throw invalidInput('The cursor is not one this server gave out; start again without it, then pass the nextCursor of each page.');
  return match[1]!;
}

/**
 * The organization whose log the actor may read: its owners and the operator. A member learns that the
 * log exists but is for owners (403); anyone else that the organization is not among theirs (404).
 */
export async function auditableOrg(db: Kysely<DB>, actor: Actor, orgSlug: string): Promise<{ id: string; name: string }> {
  const org = await db.selectFrom('organizations').select(['id', 'name']).where('slug', '=', orgSlug).executeTakeFirst();
  if (!org) throw notFound(`No organization has the slug "${orgSlug}" among yours.`);
  if (actor.kind === 'operator') return org;
  const role = await roleOf(db, org.id, actor.userId);
  if (role === undefined) throw notFound(`No organization has the slug "${orgSlug}" among yours.`);
  if (!isOwner(role)) throw forbidden(`Only owners of ${org.name} can read its audit log; ask an owner if you need an entry from it.`);
  return org;
}

/** One page, newest first; `after` is a decoded cursor (only ids below it). */
export async function auditPage(db: Kysely<DB>, orgId: string, filters: AuditFilters, limit: number, after?: string): Promise<{ events: AuditEntry[]; next: string | null }> {
  let query = db.selectFrom('audit_events').selectAll().where('org_id', '=', orgId);
  if (filters.kind) query = query.where('kind', '=', filters.kind);
  if (filters.action) query = query.where('action', '=', filters.action);
  if (filters.user) query = query.where('user_id', '=', filters.user);
  if (filters.connector) query = query.where('connector_slug', '=', filters.connector);
  if (filters.tool) query = query.where('tool', '=', filters.tool);
  if (filters.outcome) query = query.where('outcome', '=', filters.outcome);
  if (filters.decision) query = query.where('decision', '=', filters.decision);
  if (filters.from) query = query.where('at', '>=', filters.from);
  if (filters.to) query = query.where('at', '<', filters.to);
  if (after !== undefined) query = query.where('id', '<', after);
  // One more than asked tells whether another page exists without a count.
  const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  return { events: page.map(toEntry), next: rows.length > limit ? String(page.at(-1)!.id) : null };
}

/** Every matching event, newest first, a page at a time: the export never holds the whole log in memory. */
export async function* auditEvents(db: Kysely<DB>, orgId: string, filters: AuditFilters): AsyncGenerator<AuditEntry> {
  let after: string | undefined;
  for (;;) {
    const { events, next } = await auditPage(db, orgId, filters, MAX_PAGE, after);
    yield* events;
    if (next === null) return;
    after = next;
  }
}

function toEntry(r: Selectable<AuditEventsTable>): AuditEntry {
  return {
    id: String(r.id),
    at: r.at.toISOString(),
    kind: r.kind,
    action: r.action,
    actor: r.actor,
    userId: r.user_id,
    orgId: r.org_id,
    connector: r.connector_slug,
    tool: r.tool,
    decision: r.decision,
    outcome: r.outcome,
    latencyMs: r.latency_ms,
    surface: r.surface,
    subject: r.subject,
    requestId: r.request_id,
    detail: r.detail,
    details: typeof r.details === 'string' ? (JSON.parse(r.details) as unknown) : (r.details ?? null),
  };
}
