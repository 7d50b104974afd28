import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { listListings } from '../directory/search.ts';
import type { DirectoryEntry, DirectoryPort } from '../gateway/connector-suggestions.ts';
import type { ToolAccessSettings, ToolAccessSettingsPort } from '../gateway/tool-access-mode.ts';
import { toolAccessSettings } from '../policy/tool-access.ts';
import { TtlCache } from '../shared/ttl-cache.ts';

/**
 * The gateway's views of tool access settings (the policy module) and of the directory (for connector
 * suggestions), read from memory for a few seconds and dropped at once on change notices (`clear`).
 */
export function toolAccessPorts(db: Kysely<DB>, options: { ttlMs?: number; directoryTtlMs?: number; maxListings?: number } = {}): { settings: ToolAccessSettingsPort; directory: (orgId: string | undefined, client?: 'mcp' | 'chat') => ReturnType<DirectoryPort>; clear(): void } {
  const settings = new TtlCache<ToolAccessSettings>({ ttlMs: options.ttlMs ?? 15_000 });
  const listings = new TtlCache<Awaited<ReturnType<typeof listListings>>['listings']>({ ttlMs: options.directoryTtlMs ?? 60_000 });
  const plans = new TtlCache<string | undefined>({ ttlMs: options.ttlMs ?? 15_000 });
  return {
    settings: (userId, orgId) => settings.get(`${userId}\n${orgId ?? ''}`, () => toolAccessSettings(db, userId, orgId)),
    /** Offered to MCP clients (`suggest_connectors`), or to the web chat's app suggestions (`client: 'chat'`). */
    directory: async (orgId, client = 'mcp') => {
      // Directory listings only: listListings leaves custom connectors out unless asked for them.
      const [all, plan] = await Promise.all([
        listings.get('directory', async () => (await listListings(db, { limit: options.maxListings ?? 2_000 })).listings),
        orgId ? plans.get(orgId, async () => (await db.selectFrom('organizations').select('plan').where('id', '=', orgId).executeTakeFirst())?.plan) : undefined,
      ]);
      return all
        .filter((l) => l.ownerOrgId === null && l.clients.includes(client) && (plan === undefined || l.plans.includes(plan as (typeof l.plans)[number])))
        .map((l): DirectoryEntry => ({ slug: l.slug, name: l.name, description: `${l.tagline} — ${l.description}`, tools: l.tools }));
    },
    clear: () => {
      settings.clear();
      listings.clear();
      plans.clear();
    },
  };
}
