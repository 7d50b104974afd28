import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { EgressGuard, EgressGuards } from '../../src/upstream/egress.ts';
import { bearer, createTestApp, expectApiError, json, type TestApp } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';
import { person, type Person } from '../helpers/fixtures.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

/** POST /api/v1/connectors/{slug}/diagnose: the listing's MCP URL, diagnosed through the server's egress guard. */
let database: Database;
let t: TestApp;
let pat: Person;
let upstream: Awaited<ReturnType<typeof startTestUpstream>>;

const listing = (slug: string, mcpUrl: string) => ({ slug, name: slug, tagline: 'A test listing.', description: 'A test listing.', category: 'other' as const, mcpUrl, authKind: 'none' as const, source: 'seed' as const });

beforeAll(async () => {
  database = await testDatabase();
  upstream = await startTestUpstream('Diag API');
  t = createTestApp(database);
  t.services.egress = new EgressGuards(new EgressGuard({ allowOrigins: [new URL(upstream.url).origin] }));
  pat = await person(database.db, 'diag@acme.test');
  await upsertListing(database.db, listing('diag-open', upstream.url));
  await upsertListing(database.db, listing('diag-metadata', 'http://169.254.169.254/mcp'));
});
afterAll(async () => {
  await t.services.egress?.close();
  await upstream.close();
  await database.close();
});

type Diagnosis = { connector: string; url: string; ok: boolean; era?: string; steps: Array<{ step: string; status: string; detail: string; fix?: string; ms: number }> };

describe('POST /api/v1/connectors/{slug}/diagnose', () => {
  it('reports every step of a reachable MCP server, with the era it speaks', async () => {
    const res = await t.request('/api/v1/connectors/diag-open/diagnose', { method: 'POST', ...bearer(pat.token) });
    expect(res.status).toBe(200);
    const body = await json<Diagnosis>(res);
    expect(body).toMatchObject({ connector: 'diag-open', url: upstream.url, ok: true, era: '2026-07-28' });
    expect(body.steps.map((s) => `${s.step}:${s.status}`)).toEqual(['dns-egress:ok', 'connect:ok', 'mcp:ok', 'auth:skipped']);
  });

  it("reports the egress guard's refusal as a failed step with its fix", async () => {
    const res = await t.request('/api/v1/connectors/diag-metadata/diagnose', { method: 'POST', ...bearer(pat.token) });
    const body = await json<Diagnosis>(res);
    expect(body.ok).toBe(false);
    expect(body.steps[0]).toMatchObject({ step: 'dns-egress', status: 'failed', detail: expect.stringMatching(/^Refused by the egress guard: .*169\.254\.169\.254/), fix: expect.stringMatching(/allow-list/) });
    expect(body.steps.slice(1).every((s) => s.status === 'skipped')).toBe(true);
    expect(t.logs.lines.some((l) => l['msg'] === 'connection diagnostic found a failing step' && l['connector'] === 'diag-metadata' && typeof l['reqId'] === 'string')).toBe(true);
  });

  it('needs a signed-in person and a known connector', async () => {
    await expectApiError(t, await t.request('/api/v1/connectors/diag-open/diagnose', { method: 'POST' }), 401, 'unauthorized');
    await expectApiError(t, await t.request('/api/v1/connectors/nope/diagnose', { method: 'POST', ...bearer(pat.token) }), 404, 'not_found');
  });

  it('is in the OpenAPI document', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(await t.request('/api/v1/openapi.json'));
    expect(doc.paths['/connectors/{slug}/diagnose']?.['post']).toBeDefined();
  });
});
