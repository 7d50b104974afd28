import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, type AuditEvent } from '../../src/gateway/audit.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { testDatabase } from '../helpers/db.ts';

/** The audit writer on a real database (PGlite, or PostgreSQL with DATABASE_URL): what goes in comes back. */
let database: Awaited<ReturnType<typeof testDatabase>>;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('AuditLog', () => {
  it('stores every field of a batch as given: no organization, odd text, a long detail cut at 1,000 characters', async () => {
    const audit = new AuditLog(database.db, createLogger('silent'));
    const base: AuditEvent = { userId: '7f1c1b1e-1111-4c1c-9c1c-111111111111', orgId: '7f1c1b1e-2222-4c1c-9c1c-222222222222', connector: 'demo-tracker', tool: 'list_issues', decision: 'allow', outcome: 'ok', latencyMs: 12.6, surface: 'mcp', requestId: 'req_aaaaaaaaaaaa' };
    const odd = 'quote " backslash \\ newline \n tab \t emoji 🚀 nul-free ünïcödé';
    await audit.record(base);
    await audit.record({ ...base, orgId: undefined, requestId: undefined, decision: 'ask', outcome: 'refused', latencyMs: 0, tool: odd, detail: 'declined by the person' });
    await audit.record({ ...base, outcome: 'error', requestId: 'req_bbbbbbbbbbbb', detail: 'x'.repeat(1500) });
    await audit.flush();
    const rows = await database.db.selectFrom('audit_events').select(['user_id', 'org_id', 'connector_slug', 'tool', 'decision', 'outcome', 'latency_ms', 'surface', 'request_id', 'detail']).orderBy('id').execute();
    expect(rows).toEqual([
      { user_id: base.userId, org_id: base.orgId, connector_slug: 'demo-tracker', tool: 'list_issues', decision: 'allow', outcome: 'ok', latency_ms: 13, surface: 'mcp', request_id: 'req_aaaaaaaaaaaa', detail: null },
      { user_id: base.userId, org_id: null, connector_slug: 'demo-tracker', tool: odd, decision: 'ask', outcome: 'refused', latency_ms: 0, surface: 'mcp', request_id: null, detail: 'declined by the person' },
      { user_id: base.userId, org_id: base.orgId, connector_slug: 'demo-tracker', tool: 'list_issues', decision: 'allow', outcome: 'error', latency_ms: 13, surface: 'mcp', request_id: 'req_bbbbbbbbbbbb', detail: 'x'.repeat(1000) },
    ]);
  });

  it('writes several batches (500 events each) and loses none', async () => {
    const audit = new AuditLog(database.db, createLogger('silent'));
    const before = Number((await database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    for (let i = 0; i < 1234; i++) await audit.record({ userId: '7f1c1b1e-1111-4c1c-9c1c-111111111111', orgId: undefined, connector: 'c', tool: `t${i}`, decision: 'allow', outcome: 'ok', latencyMs: i, surface: 'api', requestId: `req_${i}` });
    await audit.flush();
    const after = Number((await database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    expect(after - before).toBe(1234);
  });
});
