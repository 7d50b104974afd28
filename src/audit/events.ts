import { sql, type Kysely, type Transaction } from 'kysely';
import type { AuditKind, DB } from '../db/schema.ts';
import type { Actor } from '../identity/actor.ts';
import { currentRequestId } from './context.ts';

type Db = Kysely<DB> | Transaction<DB>;

export type AdminEventKind = Exclude<AuditKind, 'tool_call'>;

/** Who made a change: a person, the operator, or Switchboard itself (a connection found dead on refresh). */
export type AuditActor = Actor | { kind: 'system' };

export const ADMIN_ACTIONS = {
  enablement: ['enabled', 'disabled'],
  policy: ['org_rules_set', 'person_rules_set', 'interactive_ui_set', 'domain_added', 'domain_verified', 'domain_removed', 'enterprise_restriction_set', 'egress_allow_set', 'tool_pins_set'],
  connection: ['connected', 'disconnected', 'expired'],
  membership: ['member_added', 'role_changed', 'member_removed', 'primary_owner_transferred'],
} as const satisfies Record<AdminEventKind, readonly string[]>;

export type AdminEvent = {
  [K in AdminEventKind]: {
    kind: K;
    action: (typeof ADMIN_ACTIONS)[K][number];
    actor: AuditActor;
    /** The person the event concerns when no person acted (the owner of an expired connection). */
    userId?: string | undefined;
    connector?: string | undefined;
    /** What the change was done to: the member's user id, the connector slug. */
    subject: string;
    /** Context for a reader (new rules, old and new role, email); never secrets or tokens. */
    details?: Record<string, unknown> | undefined;
    /** Defaults to the id of the API request being served, when there is one. */
    requestId?: string | undefined;
  };
}[AdminEventKind];

function columns(event: AdminEvent) {
  return {
    kind: event.kind,
    action: event.action,
    actor: event.actor.kind === 'user' ? event.actor.userId : event.actor.kind,
    user_id: event.actor.kind === 'user' ? event.actor.userId : (event.userId ?? null),
    connector_slug: event.connector ?? null,
    subject: event.subject,
    details: event.details === undefined ? null : JSON.stringify(event.details),
    request_id: event.requestId ?? currentRequestId() ?? null,
  };
}

/**
 * Records a change made to an organization. Pass the transaction that made the change: the event is
 * then stored exactly when the change is (a rolled-back change leaves no trace claiming it happened).
 */
export async function recordAdminEvent(db: Db, orgId: string | null, event: AdminEvent): Promise<void> {
  await db.insertInto('audit_events').values({ ...columns(event), org_id: orgId }).execute();
}

/**
 * Records a change to something that belongs to a person rather than an organization (their connections,
 * their own rules), once in each organization they are a member of at that moment: each organization's
 * log is then complete on its own, and a later change of membership does not rewrite history. A person
 * in no organization gets one row without one.
 */
export async function recordPersonalEvent(db: Db, personId: string, event: AdminEvent): Promise<void> {
  const c = columns(event);
  await sql`
    insert into audit_events (kind, action, actor, user_id, org_id, connector_slug, subject, details, request_id)
    select ${c.kind}, ${c.action}, ${c.actor}, ${c.user_id}::uuid, o.org_id, ${c.connector_slug}, ${c.subject}, ${c.details}::jsonb, ${c.request_id}
    from (
      select org_id from memberships where user_id = ${personId}::uuid
      union all
      select null::uuid where not exists (select 1 from memberships where user_id = ${personId}::uuid)
    ) as o`.execute(db);
}
