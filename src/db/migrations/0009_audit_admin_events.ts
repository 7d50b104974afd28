import { sql, type Kysely } from 'kysely';

/**
 * The audit log records administrative changes next to tool calls, in the same table, so that one
 * query (and one export) answers "what happened in this organization". An admin event has no tool,
 * decision, outcome, latency or surface, and a membership event no connector: those become nullable.
 * `user_id` becomes nullable too: the operator (bootstrap file, CLI) and Switchboard itself act without
 * an account, and `actor` says which ('operator', 'system' or the acting person's id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('audit_events')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('tool_call').check(sql`kind in ('tool_call', 'enablement', 'policy', 'connection', 'membership')`))
    .addColumn('action', 'text')
    .addColumn('actor', 'text')
    .addColumn('subject', 'text')
    .addColumn('details', 'jsonb')
    .execute();
  for (const column of ['user_id', 'connector_slug', 'tool', 'decision', 'outcome', 'latency_ms', 'surface']) {
    await db.schema.alterTable('audit_events').alterColumn(column, (c) => c.dropNotNull()).execute();
  }
  await db.schema.createIndex('audit_events_org_kind_at').on('audit_events').columns(['org_id', 'kind', 'at']).execute();

  // Append-only in the database itself, not only by convention in the code: a bug, or someone with the
  // application's credentials, cannot rewrite or erase what happened. Retention (if ever) belongs to an
  // operator acting as the table owner, who can disable the trigger knowingly.
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
    end
    $$`.execute(db);
  await sql`create trigger audit_events_append_only before update or delete on audit_events for each row execute function audit_events_append_only()`.execute(db);
  // A row trigger does not see TRUNCATE; this one does.
  await sql`create trigger audit_events_no_truncate before truncate on audit_events for each statement execute function audit_events_append_only()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists audit_events_no_truncate on audit_events`.execute(db);
  await sql`drop trigger if exists audit_events_append_only on audit_events`.execute(db);
  await sql`drop function if exists audit_events_append_only()`.execute(db);
  await db.schema.dropIndex('audit_events_org_kind_at').ifExists().execute();
  await db.schema.alterTable('audit_events').dropColumn('kind').dropColumn('action').dropColumn('actor').dropColumn('subject').dropColumn('details').execute();
}
