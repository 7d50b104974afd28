import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBootstrap } from '../../src/config/bootstrap.ts';
import { bootstrapSchema } from '../../src/config/schema.ts';
import type { Database } from '../../src/db/database.ts';
import type { ListingInput } from '../../src/directory/listing.ts';
import { listListings } from '../../src/directory/search.ts';
import { SEED_CATALOG } from '../../src/directory/seed-catalog.ts';
import { syncSeedCatalog } from '../../src/directory/seed.ts';
import { findListing, getListing, recordTools, upsertListing } from '../../src/directory/store.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { directoryResolver } from '../../src/server/connector-resolver.ts';
import { LogCapture } from '../helpers/app.ts';
import { testDatabase } from '../helpers/db.ts';

let database: Database;

beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database.close();
});

const demo = (over: Partial<ListingInput> = {}): ListingInput => ({
  slug: 'demo-tracker',
  name: 'Demo Tracker',
  tagline: 'A small issue tracker',
  description: 'The bundled issue tracker.',
  category: 'productivity',
  mcpUrl: 'http://127.0.0.1:4101/mcp',
  authKind: 'oauth',
  source: 'demo',
  ...over,
});

describe('upsertListing', () => {
  it('creates, then reports unchanged for the same input and updated for a changed one', async () => {
    const first = await upsertListing(database.db, demo());
    expect(first.outcome).toBe('created');
    expect(first.listing).toMatchObject({ slug: 'demo-tracker', plans: ['free', 'pro', 'team', 'enterprise'], clients: ['chat', 'mcp'], transport: 'streamable-http', tools: null, interactive: false });
    expect((await upsertListing(database.db, demo())).outcome).toBe('unchanged');
    // The demo services come back on another port after a restart.
    const moved = await upsertListing(database.db, demo({ mcpUrl: 'http://127.0.0.1:4999/mcp' }));
    expect(moved.outcome).toBe('updated');
    expect((await getListing(database.db, 'demo-tracker')).mcpUrl).toBe('http://127.0.0.1:4999/mcp');
  });

  it('refuses an invalid listing, naming the field', async () => {
    await expect(upsertListing(database.db, demo({ slug: 'bad-headers', authKind: 'headers' }))).rejects.toThrow(/authHeaders: must name at least one header/);
    await expect(upsertListing(database.db, demo({ slug: 'bad-url', mcpUrl: 'ftp://x' }))).rejects.toThrow(/mcpUrl: must be an http/);
    await expect(upsertListing(database.db, demo({ slug: 'too-many', authKind: 'headers', authHeaders: ['A', 'B', 'C', 'D', 'E'] }))).rejects.toThrow(/at most 4/);
    await expect(upsertListing(database.db, demo({ slug: 'reserved', authKind: 'headers', authHeaders: ['Host'] }))).rejects.toThrow(/authHeaders\[0\]/);
    expect(await findListing(database.db, 'bad-headers')).toBeUndefined();
  });

  it('never lets a lower-ranked source replace a listing, and lets bootstrap take over', async () => {
    await upsertListing(database.db, demo({ slug: 'owned', source: 'seed', mcpUrl: 'https://seed.example/mcp' }));
    const byImport = await upsertListing(database.db, demo({ slug: 'owned', source: 'import', origin: 'x/y#0', mcpUrl: 'https://import.example/mcp' }));
    expect(byImport.outcome).toBe('kept');
    expect(byImport.reason).toMatch(/belongs to a seed listing/);
    const byBootstrap = await upsertListing(database.db, demo({ slug: 'owned', source: 'bootstrap', mcpUrl: 'https://mine.example/mcp' }));
    expect(byBootstrap.outcome).toBe('updated');
    expect((await upsertListing(database.db, demo({ slug: 'owned', source: 'seed', mcpUrl: 'https://seed.example/mcp' }))).outcome).toBe('kept');
    expect((await getListing(database.db, 'owned')).mcpUrl).toBe('https://mine.example/mcp');
  });
});

describe('recordTools', () => {
  it('stores the live tool list and turns capabilities from unknown into counts', async () => {
    await upsertListing(database.db, demo({ slug: 'with-tools', tools: [{ name: 'declared', annotations: { readOnlyHint: true } }] }));
    const capabilities = await recordTools(database.db, 'with-tools', [
      { name: 'list_issues', title: 'List issues', description: 'ignored', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
      { name: 'create_issue', annotations: { readOnlyHint: false, destructiveHint: false } },
      { name: 'delete_issue', annotations: { destructiveHint: true } },
      { name: 'ping' },
    ]);
    expect(capabilities).toEqual({ status: 'known', readOnly: 1, writeDelete: 2, other: 1, total: 4 });
    const listing = await getListing(database.db, 'with-tools');
    expect(listing.tools?.map((t) => t.name)).toEqual(['create_issue', 'delete_issue', 'list_issues', 'ping']);
    expect(listing.tools?.find((t) => t.name === 'list_issues')).toEqual({ name: 'list_issues', title: 'List issues', annotations: { readOnlyHint: true } });
    expect(listing.toolsRecordedAt).toBeInstanceOf(Date);
    // Declared tools no longer replace what the server itself reported.
    expect((await upsertListing(database.db, demo({ slug: 'with-tools', tools: [{ name: 'declared' }] }))).outcome).toBe('unchanged');
    expect((await getListing(database.db, 'with-tools')).tools).toHaveLength(4);
  });

  it('refuses an unknown slug and a malformed list', async () => {
    await expect(recordTools(database.db, 'nope', [])).rejects.toMatchObject({ status: 404 });
    await expect(recordTools(database.db, 'with-tools', [{ title: 'no name' }])).rejects.toThrow(/\[0\]\.name/);
  });
});

describe('seed catalog sync', () => {
  it('creates every entry once, changes nothing the second time, and keeps what the operator owns', async () => {
    await upsertListing(database.db, demo({ slug: 'linear', name: 'Our Linear proxy', source: 'bootstrap', mcpUrl: 'https://linear.internal.example/mcp' }));
    const first = await syncSeedCatalog(database.db);
    expect(first.created).toBe(SEED_CATALOG.length - 1);
    expect(first.kept).toEqual(['linear']);
    const second = await syncSeedCatalog(database.db);
    expect(second).toMatchObject({ created: 0, updated: 0, unchanged: SEED_CATALOG.length - 1, kept: ['linear'] });
    expect((await getListing(database.db, 'linear')).name).toBe('Our Linear proxy');
    expect((await getListing(database.db, 'github')).mcpUrl).toBe('https://api.githubcopilot.com/mcp/');
  });

  it('updates a seed row that differs from the code, and reports (never deletes) retired seed rows', async () => {
    await database.db.updateTable('connector_listings').set({ tagline: 'stale text' }).where('slug', '=', 'notion').execute();
    await upsertListing(database.db, demo({ slug: 'old-seed', source: 'seed', mcpUrl: 'https://old.example/mcp' }));
    const logs = new LogCapture();
    const report = await syncSeedCatalog(database.db, createLogger('info', logs));
    expect(report.updated).toBe(1);
    expect(report.retired).toEqual(['old-seed']);
    expect(await findListing(database.db, 'old-seed')).toBeDefined();
    expect((await getListing(database.db, 'notion')).tagline).not.toBe('stale text');
    expect(logs.lines.find((l) => l.level === 'warn')).toMatchObject({ retired: ['old-seed'] });
  });
});

describe('search', () => {
  it('ranks name matches first and needs every word to match', async () => {
    const hits = await listListings(database.db, { q: 'linear' });
    expect(hits.listings[0]?.slug).toBe('linear');
    const issues = await listListings(database.db, { q: 'ISSUE' });
    expect(issues.listings.map((l) => l.slug)).toEqual(expect.arrayContaining(['linear', 'sentry', 'github', 'atlassian']));
    const both = await listListings(database.db, { q: 'pull requests' });
    expect(both.listings.map((l) => l.slug)).toContain('github');
    expect((await listListings(database.db, { q: 'zzzz-nothing' })).total).toBe(0);
    // LIKE wildcards are searched literally.
    expect((await listListings(database.db, { q: '%' })).total).toBe(0);
  });

  it('filters by category in a stable order, and pages', async () => {
    const finance = await listListings(database.db, { category: 'finance' });
    expect(finance.listings.every((l) => l.category === 'finance')).toBe(true);
    expect(finance.listings.map((l) => l.slug)).toEqual(['paypal', 'ramp', 'square', 'stripe']);
    const page = await listListings(database.db, { category: 'finance', limit: 2, offset: 1 });
    expect(page).toMatchObject({ total: 4 });
    expect(page.listings.map((l) => l.slug)).toEqual(['ramp', 'square']);
  });
});

describe('bootstrap connectors', () => {
  const doc = (connectors: unknown[]) => bootstrapSchema.parse({ connectors });

  it('carry a per-connector call timeout to the gateway (the default when not set)', async () => {
    const log = createLogger('silent');
    await applyBootstrap(database.db, doc([{ slug: 'slow-reports', name: 'Slow reports', url: 'http://127.0.0.1:9101/mcp', callTimeoutSeconds: 900 }, { slug: 'quick', name: 'Quick', url: 'http://127.0.0.1:9102/mcp' }]), 'test.yaml', log);
    const resolve = directoryResolver(database.db);
    expect(await resolve('slow-reports')).toMatchObject({ callTimeoutMs: 900_000 });
    expect((await resolve('quick'))?.callTimeoutMs).toBeUndefined();
    expect(() => doc([{ slug: 'x', name: 'X', url: 'http://127.0.0.1:9103/mcp', callTimeoutSeconds: 0 }])).toThrow();
  });

  it('become bootstrap listings in the bootstrap transaction, once', async () => {
    const log = createLogger('silent');
    const entry = { slug: 'echo', name: 'Echo', url: 'http://127.0.0.1:9100/mcp', auth: 'none', enabledFor: [] };
    const keyed = { slug: 'keyed', name: 'Keyed', url: 'https://keyed.example/sse', auth: 'headers' };
    const first = await applyBootstrap(database.db, doc([entry, keyed]), 'test.yaml', log);
    expect(first.connectors).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(await getListing(database.db, 'echo')).toMatchObject({ source: 'bootstrap', authKind: 'none', mcpUrl: 'http://127.0.0.1:9100/mcp', category: 'other', transport: 'streamable-http' });
    expect(await getListing(database.db, 'keyed')).toMatchObject({ authKind: 'headers', authHeaders: ['Authorization'], transport: 'sse' });
    const again = await applyBootstrap(database.db, doc([entry, keyed]), 'test.yaml', log);
    expect(again.connectors).toEqual({ created: 0, updated: 0, unchanged: 2 });
    const renamed = await applyBootstrap(database.db, doc([{ ...entry, name: 'Echo 2' }]), 'test.yaml', log);
    expect(renamed.connectors).toEqual({ created: 0, updated: 1, unchanged: 0 });
  });

  it('re-declaring a seed connector keeps its description and takes its URL', async () => {
    await applyBootstrap(database.db, doc([{ slug: 'sentry', name: 'Sentry (ours)', url: 'https://sentry-mcp.internal.example/mcp', auth: 'oauth' }]), 'test.yaml', createLogger('silent'));
    const sentry = await getListing(database.db, 'sentry');
    expect(sentry).toMatchObject({ source: 'bootstrap', name: 'Sentry (ours)', mcpUrl: 'https://sentry-mcp.internal.example/mcp', category: 'developer-tools' });
    expect(sentry.description).toMatch(/Seer/);
  });
});
