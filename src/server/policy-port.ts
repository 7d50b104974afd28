import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { findListing } from '../directory/store.ts';
import type { Listing } from '../directory/listing.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { ListingFinder } from './connector-resolver.ts';
import type { PersonPolicy, PolicyPort } from '../gateway/policy-port.ts';
import { decideFor, loadPolicyContext } from '../policy/store.ts';
import { uiDisabledConnectors } from '../policy/interactive-ui.ts';

/** Decisions that close a whole connector, whatever the tool. */
const CONNECTOR_WIDE = new Set(['plan', 'enablement', 'person-off']);

const NO_ORGANIZATION: PersonPolicy = {
  connectors: [],
  uiEnabled: () => false,
  decide: () => ({ decision: 'block', reason: 'You belong to no organization, so no connector is enabled for you. Ask an owner to add you to one.' }),
};

/**
 * The gateway's view of the policy module, every answer from `decide()`. A person's policy is loaded once and
 * kept in memory (at most `ttlMs`), and dropped at once by `invalidate()`, which every change notice calls: a
 * change applies to the next request on this node, and on other nodes with the shared change bus (Redis,
 * docs/operating.md) or within `ttlMs` without it.
 */
export function policyPort(db: Kysely<DB>, options: { find?: ListingFinder; ttlMs?: number } = {}): PolicyPort & { invalidate(): void } {
  const find = options.find ?? ((slug: string) => findListing(db, slug));
  const cache = new TtlCache<PersonPolicy>({ ttlMs: options.ttlMs ?? 15_000 });
  const load = async (userId: string, orgId: string): Promise<PersonPolicy> => {
    const [ctx, uiOff] = await Promise.all([loadPolicyContext(db, userId, orgId), uiDisabledConnectors(db, orgId)]);
    const listings = (await Promise.all([...ctx.enabled].map((slug) => find(slug)))).filter((l): l is Listing => l !== undefined);
    const bySlug = new Map(listings.map((l) => [l.slug, l]));
    return {
      connectors: listings.filter((l) => !CONNECTOR_WIDE.has(decideFor(ctx, l, { name: '' }).source)).map((l) => l.slug),
      uiEnabled: (slug) => !uiOff.has(slug),
      decide: (slug, tool) => {
        const listing = bySlug.get(slug);
        if (!listing) return { decision: 'block', reason: `${ctx.org.name} has not enabled "${slug}". Ask an owner to add it to your team.` };
        const decision = decideFor(ctx, listing, tool);
        return { decision: decision.decision, reason: decision.reason };
      },
    };
  };
  return {
    forPerson: async (userId, orgId) => (orgId ? cache.get(`${userId}\n${orgId}`, () => load(userId, orgId)) : NO_ORGANIZATION),
    invalidate: () => cache.clear(),
  };
}
