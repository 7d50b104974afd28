import { describe, expect, it } from 'vitest';
import { slugSchema } from '../../src/config/schema.ts';
import { classifyTool, computeCapabilities } from '../../src/directory/capabilities.ts';
import { listingInputSchema } from '../../src/directory/listing.ts';
import { SEED_CATALOG } from '../../src/directory/seed-catalog.ts';
import { disambiguatedSlug, slugFromRegistryName } from '../../src/directory/slug.ts';

describe('capabilities rule', () => {
  it('classifies by readOnlyHint first, then readOnlyHint false or destructiveHint true, else other', () => {
    expect(classifyTool({ annotations: { readOnlyHint: true } })).toBe('read-only');
    // destructiveHint only means something for tools that are not read-only.
    expect(classifyTool({ annotations: { readOnlyHint: true, destructiveHint: true } })).toBe('read-only');
    expect(classifyTool({ annotations: { readOnlyHint: false } })).toBe('write-delete');
    expect(classifyTool({ annotations: { readOnlyHint: false, destructiveHint: false } })).toBe('write-delete');
    expect(classifyTool({ annotations: { destructiveHint: true } })).toBe('write-delete');
    expect(classifyTool({ annotations: { destructiveHint: false } })).toBe('other');
    expect(classifyTool({ annotations: { idempotentHint: true, openWorldHint: false } })).toBe('other');
    expect(classifyTool({ annotations: {} })).toBe('other');
    expect(classifyTool({})).toBe('other');
  });

  it('counts each class; no list is unknown, an empty list is zero', () => {
    const tools = [
      { name: 'search', annotations: { readOnlyHint: true } },
      { name: 'get', annotations: { readOnlyHint: true, openWorldHint: false } },
      { name: 'create', annotations: { readOnlyHint: false, destructiveHint: false } },
      { name: 'delete', annotations: { destructiveHint: true } },
      { name: 'misc' },
    ];
    expect(computeCapabilities(tools)).toEqual({ status: 'known', readOnly: 2, writeDelete: 2, other: 1, total: 5 });
    expect(computeCapabilities(null)).toEqual({ status: 'unknown' });
    expect(computeCapabilities(undefined)).toEqual({ status: 'unknown' });
    expect(computeCapabilities([])).toEqual({ status: 'known', readOnly: 0, writeDelete: 0, other: 0, total: 0 });
  });
});

describe('slug from an MCP Registry name', () => {
  it('drops the top-level label and the forge, and joins owner and server', () => {
    expect(slugFromRegistryName('io.github.owner/server')).toBe('owner-server');
    expect(slugFromRegistryName('io.github.Some_Owner/My.Server')).toBe('some-owner-my-server');
    expect(slugFromRegistryName('com.stripe/mcp')).toBe('stripe-mcp');
    expect(slugFromRegistryName('io.modelcontextprotocol.anonymous/mcp-fs')).toBe('modelcontextprotocol-anonymous-mcp-fs');
    expect(slugFromRegistryName('io.gitlab.team/tool')).toBe('team-tool');
  });

  it('does not repeat the owner when the server name starts with it', () => {
    expect(slugFromRegistryName('app.linear/linear')).toBe('linear');
    expect(slugFromRegistryName('com.atlassian/atlassian-mcp-server')).toBe('atlassian-mcp-server');
  });

  it('always yields a valid slug, cutting long names with a hash that keeps them apart', () => {
    const long1 = 'io.github.a-very-long-organization-name/an-even-longer-server-name-one';
    const long2 = 'io.github.a-very-long-organization-name/an-even-longer-server-name-two';
    const s1 = slugFromRegistryName(long1);
    const s2 = slugFromRegistryName(long2);
    expect(s1).not.toBe(s2);
    for (const s of [s1, s2, slugFromRegistryName('io.x/---'), slugFromRegistryName('a.b/c'), disambiguatedSlug(s1, `${long1}#0`)]) {
      expect(slugSchema.safeParse(s).success, s).toBe(true);
      expect(s.length).toBeLessThanOrEqual(40);
    }
    expect(slugFromRegistryName(long1)).toBe(s1);
  });

  it('disambiguates deterministically by the remote identity', () => {
    const a = disambiguatedSlug('owner-server', 'io.github.owner/server#0');
    expect(a).toMatch(/^owner-server-[0-9a-f]{6}$/);
    expect(disambiguatedSlug('owner-server', 'io.github.owner/server#0')).toBe(a);
    expect(disambiguatedSlug('owner-server', 'io.github.owner-x/server#0')).not.toBe(a);
  });
});

describe('seed catalog', () => {
  it('has at least 25 entries, each a valid listing', () => {
    expect(SEED_CATALOG.length).toBeGreaterThanOrEqual(25);
    for (const entry of SEED_CATALOG) {
      const parsed = listingInputSchema.safeParse({ ...entry, source: 'seed' });
      expect(parsed.success, `${entry.slug}: ${parsed.error?.message}`).toBe(true);
    }
  });

  it('uses unique slugs and unique https URLs, with docs links and a real paragraph', () => {
    const slugs = SEED_CATALOG.map((e) => e.slug);
    const urls = SEED_CATALOG.map((e) => e.mcpUrl);
    expect(new Set(slugs).size).toBe(slugs.length);
    expect(new Set(urls).size).toBe(urls.length);
    for (const e of SEED_CATALOG) {
      expect(new URL(e.mcpUrl).protocol, e.slug).toBe('https:');
      expect(e.docsUrl, e.slug).toMatch(/^https:\/\//);
      expect(e.description.length, e.slug).toBeGreaterThan(120);
      expect(e.useCases?.length, e.slug).toBeGreaterThan(0);
      expect(e.tools, `${e.slug}: tools are recorded live, not guessed`).toBeUndefined();
    }
    // Most public servers authorize with OAuth.
    expect(SEED_CATALOG.filter((e) => e.authKind === 'oauth').length).toBeGreaterThan(SEED_CATALOG.length / 2);
  });

  it('lists the documented endpoints of well-known servers', () => {
    const url = (slug: string) => SEED_CATALOG.find((e) => e.slug === slug)?.mcpUrl;
    expect(url('linear')).toBe('https://mcp.linear.app/mcp');
    expect(url('github')).toBe('https://api.githubcopilot.com/mcp/');
    expect(url('notion')).toBe('https://mcp.notion.com/mcp');
    expect(url('stripe')).toBe('https://mcp.stripe.com');
  });
});
