import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAdminEvent } from '../../src/audit/events.ts';
import { ConnectionService } from '../../src/connections/service.ts';
import type { ConnectorTarget } from '../../src/connections/types.ts';
import { Vault } from '../../src/connections/vault.ts';
import type { Database } from '../../src/db/database.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { AuditLog } from '../../src/gateway/audit.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { enableConnector } from '../../src/policy/store.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestApp, expectApiError, json, type TestApp } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';
import type { AuditEntry as Entry } from '../../src/audit/query.ts';

/**
 * The audit log end to end: every kind of change made through the real API and domain functions leaves
 * exactly one event (and a no-op none), owners read and export it, members and strangers cannot, and the
 * table refuses to be rewritten.
 */
let database: Database;
let t: TestApp;
let connections: ConnectionService;
let olivia: Person, max: Person, mia: Person, otto: Person;
let acmeId: string;
const keyed: ConnectorTarget = { slug: 'keyed', name: 'Keyed API', url: 'https://keyed.example/mcp', auth: 'headers', headerNames: ['X-Api-Key'] };
const oauthy: ConnectorTarget = { slug: 'oauthy', name: 'OAuthy', url: 'https://oauthy.example/mcp', auth: 'oauth' };


beforeAll(async () => {
  database = await testDatabase();
  const vault = await Vault.open(database.db, randomBytes(32));
  connections = new ConnectionService({ db: database.db, vault, publicUrl: 'http://127.0.0.1:3999', resolveConnector: async (slug) => [keyed, oauthy].find((c) => c.slug === slug), log: createLogger('silent') });
  t = createTestApp(database, { connections });
  olivia = await person(database.db, 'olivia@acme.test');
  max = await person(database.db, 'max@acme.test');
  mia = await person(database.db, 'mia@other.test');
  otto = await person(database.db, 'otto@acme.test');
  acmeId = (await organization(database.db, 'acme', olivia, [[max, 'member']])).id;
  await upsertListing(database.db, {
    slug: 'tracker',
    name: 'Tracker',
    tagline: 'Issues',
    description: 'An issue tracker.',
    category: 'productivity',
    mcpUrl: 'http://127.0.0.1:4101/mcp',
    authKind: 'oauth',
    source: 'demo',
    tools: [{ name: 'list_issues', annotations: { readOnlyHint: true } }],
  });
});
afterAll(async () => {
  await database?.close();
});

const send = (method: string, path: string, token: string, body?: unknown) =>
  t.request(`/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

/** Sends a change and returns its request id, failing on anything but success. */
async function change(method: string, path: string, token: string, body?: unknown): Promise<string> {
  const res = await send(method, path, token, body);
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.headers.get('x-request-id')!;
}

/** Admin rows stored since `after` (an id), oldest first, straight from the table. */
async function rowsSince(after: string) {
  return database.db
    .selectFrom('audit_events')
    .select(['kind', 'action', 'actor', 'user_id', 'org_id', 'connector_slug', 'subject', 'request_id', 'details'])
    .where('id', '>', after)
    .orderBy('id')
    .execute();
}
const lastId = async () => String((await database.db.selectFrom('audit_events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m ?? '0');

const page = async (query: string, token = olivia.token) => {
  const res = await send('GET', `/orgs/acme/audit${query}`, token);
  expect(res.status, await res.clone().text()).toBe(200);
  return json<{ events: Entry[]; nextCursor: string | null }>(res);
};

/** Every page of a listing with these extra query parameters. */
async function allPages(query: string): Promise<Entry[]> {
  const events: Entry[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const body = await page(`?limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`);
    events.push(...body.events);
    cursor = body.nextCursor;
  }
  return events;
}

describe('events recorded for every kind of change', () => {
  it('enablement: enabled and disabled, with actor, subject and the request id; a repeat records nothing', async () => {
    const start = await lastId();
    const enabled = await change('PUT', '/orgs/acme/connectors/tracker', olivia.token);
    await change('PUT', '/orgs/acme/connectors/tracker', olivia.token); // already enabled
    const disabled = await change('DELETE', '/orgs/acme/connectors/tracker', olivia.token);
    await change('DELETE', '/orgs/acme/connectors/tracker', olivia.token); // already disabled
    const base = { kind: 'enablement', actor: olivia.user.id, user_id: olivia.user.id, org_id: acmeId, connector_slug: 'tracker', subject: 'tracker', details: null };
    expect(await rowsSince(start)).toEqual([
      { ...base, action: 'enabled', request_id: enabled },
      { ...base, action: 'disabled', request_id: disabled },
    ]);
  });

  it('the operator acting (bootstrap, CLI) is recorded as the operator, with no person and no request', async () => {
    const start = await lastId();
    await enableConnector(database.db, OPERATOR, 'acme', 'tracker');
    expect(await rowsSince(start)).toEqual([{ kind: 'enablement', action: 'enabled', actor: 'operator', user_id: null, org_id: acmeId, connector_slug: 'tracker', subject: 'tracker', request_id: null, details: null }]);
  });

  it('policy: the organization rules as set; setting the same rules again records nothing', async () => {
    const start = await lastId();
    const rules = { categories: { write: 'block' }, tools: { list_issues: 'ask' }, overrides: {} };
    const ref = await change('PUT', '/orgs/acme/connectors/tracker/policy', olivia.token, rules);
    await change('PUT', '/orgs/acme/connectors/tracker/policy', olivia.token, rules);
    expect(await rowsSince(start)).toEqual([
      { kind: 'policy', action: 'org_rules_set', actor: olivia.user.id, user_id: olivia.user.id, org_id: acmeId, connector_slug: 'tracker', subject: 'tracker', request_id: ref, details: { rules } },
    ]);
  });

  it("policy: a person's own rules go to each organization they belong to, or to none", async () => {
    const start = await lastId();
    const rules = { categories: {}, tools: { list_issues: 'block' }, disabled: false };
    const ref = await change('PUT', '/me/connectors/tracker/policy', max.token, rules);
    const outsider = await change('PUT', '/me/connectors/tracker/policy', mia.token, rules);
    await change('PUT', '/me/connectors/tracker/policy', max.token, rules); // the same again
    const base = { kind: 'policy', action: 'person_rules_set', connector_slug: 'tracker', subject: 'tracker', details: { rules } };
    expect(await rowsSince(start)).toEqual([
      { ...base, actor: max.user.id, user_id: max.user.id, org_id: acmeId, request_id: ref },
      { ...base, actor: mia.user.id, user_id: mia.user.id, org_id: null, request_id: outsider },
    ]);
  });

  it('membership: added, role changed, primary ownership transferred (and back), removed', async () => {
    const start = await lastId();
    const added = await change('POST', '/orgs/acme/members', olivia.token, { email: 'otto@acme.test', role: 'member' });
    const promoted = await change('PATCH', `/orgs/acme/members/${otto.user.id}`, olivia.token, { role: 'owner' });
    await change('PATCH', `/orgs/acme/members/${otto.user.id}`, olivia.token, { role: 'owner' }); // no change
    const transferred = await change('POST', '/orgs/acme/transfer-ownership', olivia.token, { userId: otto.user.id });
    const back = await change('POST', '/orgs/acme/transfer-ownership', otto.token, { userId: olivia.user.id });
    const removed = await change('DELETE', `/orgs/acme/members/${otto.user.id}`, olivia.token);
    const base = { kind: 'membership', org_id: acmeId, connector_slug: null, subject: otto.user.id, actor: olivia.user.id, user_id: olivia.user.id };
    expect(await rowsSince(start)).toEqual([
      { ...base, action: 'member_added', request_id: added, details: { email: 'otto@acme.test', role: 'member' } },
      { ...base, action: 'role_changed', request_id: promoted, details: { from: 'member', to: 'owner' } },
      { ...base, action: 'primary_owner_transferred', request_id: transferred, details: { from: olivia.user.id, toPreviousRole: 'owner' } },
      { ...base, action: 'primary_owner_transferred', actor: otto.user.id, user_id: otto.user.id, subject: olivia.user.id, request_id: back, details: { from: otto.user.id, toPreviousRole: 'owner' } },
      { ...base, action: 'member_removed', request_id: removed, details: { role: 'owner', left: false } },
    ]);
  });

  it('connection: connected with header names only (never their values), disconnected; an expiry found on refresh is the system', async () => {
    const start = await lastId();
    const connected = await change('POST', '/connections/keyed', max.token, { headers: { 'X-Api-Key': 'sk-very-secret-1234' } });
    const disconnected = await change('DELETE', '/connections/keyed', max.token);
    // An OAuth connection whose access token ended, with no refresh token: the next use marks it expired.
    await connections.store.saveTokens(max.user.id, oauthy, { access_token: 'at-secret', token_type: 'Bearer', expires_in: 0 }, { refreshed: false });
    await expect(connections.credentialsFor(max.user.id, 'oauthy')).rejects.toMatchObject({ code: 'connection_expired' });
    const rows = await rowsSince(start);
    expect(rows).toEqual([
      { kind: 'connection', action: 'connected', actor: max.user.id, user_id: max.user.id, org_id: acmeId, connector_slug: 'keyed', subject: 'keyed', request_id: connected, details: { authKind: 'headers', headerNames: ['X-Api-Key'] } },
      { kind: 'connection', action: 'disconnected', actor: max.user.id, user_id: max.user.id, org_id: acmeId, connector_slug: 'keyed', subject: 'keyed', request_id: disconnected, details: { revocation: 'unsupported' } },
      { kind: 'connection', action: 'expired', actor: 'system', user_id: max.user.id, org_id: acmeId, connector_slug: 'oauthy', subject: 'oauthy', request_id: null, details: { reason: expect.stringMatching(/no way to renew/) } },
    ]);
    expect(JSON.stringify(rows)).not.toMatch(/sk-very-secret|at-secret/);
  });

  it('an event recorded in a transaction that rolls back is gone with the change', async () => {
    const start = await lastId();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await recordAdminEvent(trx, acmeId, { kind: 'enablement', action: 'enabled', actor: OPERATOR, connector: 'tracker', subject: 'tracker' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await rowsSince(start)).toEqual([]);
  });
});

describe('reading the log', () => {
  beforeAll(async () => {
    // Tool calls, written the way the gateway writes them: enough for the export to need several pages.
    const audit = new AuditLog(database.db, createLogger('silent'));
    for (let i = 0; i < 1100; i++) {
      await audit.record({ userId: i % 2 ? max.user.id : olivia.user.id, orgId: acmeId, connector: i % 3 ? 'tracker' : 'keyed', tool: i % 5 ? 'list_issues' : 'delete_issue', decision: i % 7 ? 'allow' : 'block', outcome: i % 7 ? 'ok' : 'refused', latencyMs: i, surface: 'mcp', requestId: `req_${i}` });
    }
    await audit.record({ userId: max.user.id, orgId: undefined, connector: 'tracker', tool: 'list_issues', decision: 'allow', outcome: 'ok', latencyMs: 1, surface: 'mcp', requestId: 'req_elsewhere' });
    await audit.flush();
  });

  it('owners page through everything, newest first, without repeats or gaps', async () => {
    const total = Number((await database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('org_id', '=', acmeId).executeTakeFirstOrThrow()).n);
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const body = await page(`?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.events.length).toBeLessThanOrEqual(500);
      seen.push(...body.events.map((e) => e.id));
      cursor = body.nextCursor;
      pages++;
    }
    expect(pages).toBe(Math.ceil(total / 500));
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const numeric = seen.map(Number);
    expect(numeric).toEqual([...numeric].sort((a, b) => b - a));
    // Small pages give the same sequence.
    const small: string[] = [];
    let c: string | null = '';
    for (let i = 0; i < 3 && c !== null; i++) {
      const body = await page(`?limit=7${c ? `&cursor=${c}` : ''}`);
      small.push(...body.events.map((e) => e.id));
      c = body.nextCursor;
    }
    expect(small).toEqual(seen.slice(0, 21));
  });

  it('filters by kind, person, connector, tool, outcome and decision', async () => {
    const memberships = await page('?kind=membership&limit=500');
    expect(memberships.events.length).toBe(6); // max added by the operator, then the five changes above
    expect(memberships.events.every((e) => e.kind === 'membership')).toBe(true);
    expect(memberships.events.map((e) => e.action).reverse()).toEqual(['member_added', 'member_added', 'role_changed', 'primary_owner_transferred', 'primary_owner_transferred', 'member_removed']);
    expect(memberships.events.at(-1)).toMatchObject({ actor: 'operator', userId: null, subject: max.user.id });

    const maxCalls = await page(`?kind=tool_call&user=${max.user.id}&limit=500`);
    expect(maxCalls.events).toHaveLength(500);
    expect(maxCalls.events.every((e) => e.userId === max.user.id && e.kind === 'tool_call')).toBe(true);
    expect(maxCalls.events.some((e) => e.requestId === 'req_elsewhere')).toBe(false); // another organization's call

    const keyedEvents = await page('?connector=keyed&limit=500');
    expect(keyedEvents.events.length).toBe(367 + 2); // every third call, plus connected and disconnected
    expect(keyedEvents.events.every((e) => e.connector === 'keyed')).toBe(true);

    const refusedDeletes = await page('?tool=delete_issue&outcome=refused&decision=block&limit=500');
    const expected = Array.from({ length: 1100 }, (_, i) => i).filter((i) => i % 5 === 0 && i % 7 === 0).length;
    expect(refusedDeletes.events).toHaveLength(expected);
    expect(refusedDeletes.events.every((e) => e.tool === 'delete_issue' && e.outcome === 'refused' && e.decision === 'block')).toBe(true);
  });

  it('filters by time: from is inclusive, to exclusive', async () => {
    const everything = await allPages('');
    const times = [...new Set(everything.filter((e) => e.kind !== 'tool_call').map((e) => e.at))].sort();
    expect(times.length).toBeGreaterThan(4);
    // The API shows milliseconds and the database keeps microseconds: `to` one millisecond later makes
    // "before to" mean the same on both sides.
    const from = times[1]!;
    const to = new Date(Date.parse(times[times.length - 2]!) + 1).toISOString();
    const expected = everything.filter((e) => e.at >= from && e.at < to).map((e) => e.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(everything.length);
    const served = await allPages(`&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(served.map((e) => e.id)).toEqual(expected);
  });

  it('the export streams the same events as JSON lines, across pages', async () => {
    const res = await send('GET', '/orgs/acme/audit/export', olivia.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('x-request-id')).toMatch(/^req_[A-Za-z0-9_-]{12}$/);
    const text = await res.text();
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Entry);
    const everything = await allPages('');
    expect(lines.length).toBeGreaterThan(1000);
    expect(lines).toEqual(everything);

    const filtered = await send('GET', '/orgs/acme/audit/export?kind=enablement', olivia.token);
    const enablement = (await filtered.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Entry);
    expect(enablement).toEqual((await page('?kind=enablement')).events);
    expect(enablement.map((e) => e.action)).toEqual(['enabled', 'disabled', 'enabled']);
  });

  it('a member gets 403 with a clear message, someone outside 404, nobody 401', async () => {
    for (const path of ['/orgs/acme/audit', '/orgs/acme/audit/export']) {
      const refused = await expectApiError(t, await send('GET', path, max.token), 403, 'forbidden');
      expect(refused.message).toBe('Only owners of acme org can read its audit log; ask an owner if you need an entry from it.');
      await expectApiError(t, await send('GET', path, mia.token), 404, 'not_found');
      await expectApiError(t, await t.request(`/api/v1${path}`), 401, 'unauthorized');
    }
  });

  it('refuses a cursor it did not give out, and a limit out of range', async () => {
    await expectApiError(t, await send('GET', '/orgs/acme/audit?cursor=not-a-cursor', olivia.token), 400, 'invalid_request');
    await expectApiError(t, await send('GET', '/orgs/acme/audit?limit=501', olivia.token), 400, 'invalid_request');
    await expectApiError(t, await send('GET', '/orgs/acme/audit?from=yesterday', olivia.token), 400, 'invalid_request');
  });

  it('both routes are in the OpenAPI document', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await t.request('/api/v1/openapi.json'));
    expect(Object.keys(doc.paths['/orgs/{slug}/audit'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths['/orgs/{slug}/audit/export'] ?? {})).toEqual(['get']);
    expect(JSON.stringify(doc.paths['/orgs/{slug}/audit/export'])).toContain('application/x-ndjson');
  });
});

describe('append-only', () => {
  it('the database refuses to update, delete or truncate audit events', async () => {
    const before = await database.db.selectFrom('audit_events').selectAll().orderBy('id').limit(3).execute();
    await expect(database.db.updateTable('audit_events').set({ action: 'forged' }).where('id', '=', before[0]!.id).execute()).rejects.toThrow(/append-only: UPDATE/);
    await expect(database.db.deleteFrom('audit_events').where('id', '=', before[1]!.id).execute()).rejects.toThrow(/append-only: DELETE/);
    await expect(database.db.deleteFrom('audit_events').execute()).rejects.toThrow(/append-only/);
    await expect(sqlTruncate()).rejects.toThrow(/append-only: TRUNCATE/);
    expect(await database.db.selectFrom('audit_events').selectAll().orderBy('id').limit(3).execute()).toEqual(before);
  });
});

async function sqlTruncate() {
  const { sql } = await import('kysely');
  await sql`truncate audit_events`.execute(database.db);
}
