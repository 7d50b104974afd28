import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { findListing } from '../directory/store.ts';
import type { Listing } from '../directory/listing.ts';
import type { PersonPolicy, PolicyPort } from '../gateway/policy-port.ts';
import { decideFor, loadPolicyContext } from '../policy/store.ts';

/** Decisions that close a whole connector, whatever the tool. */
const CONNECTOR_WIDE = new Set(['plan', 'enablement', 'person-off']);

const NO_ORGANIZATION: PersonPolicy = {
  connectors: [],
  decide: () => ({ decision: 'block', reason: 'You belong to no organization, so no connector is enabled for you. Ask an owner to add you to one.' }),
};

/**
 * The gateway's view of the policy module: loaded per request (a change applies to the next request,
 * on every node), every answer from `decide()`. The directory supplies what decide() reads of a listing.
 */
export function policyPort(db: Kysely<DB>): PolicyPort {
  return {
    forPerson: async (userId, orgId) => {
      if (!orgId) return NO_ORGANIZATION;
      const ctx = await loadPolicyContext(db, userId, orgId);
      const listings = (await Promise.all([...ctx.enabled].map((slug) => findListing(db, slug)))).filter((l): l is Listing => l !== undefined);
      const bySlug = new Map(listings.map((l) => [l.slug, l]));
      return {
        connectors: listings.filter((l) => !CONNECTOR_WIDE.has(decideFor(ctx, l, { name: '' }).source)).map((l) => l.slug),
        decide: (slug, tool) => {
          const listing = bySlug.get(slug);
          if (!listing) return { decision: 'block', reason: `${ctx.org.name} has not enabled "${slug}". Ask an owner to add it to your team.` };
          const decision = decideFor(ctx, listing, tool);
          return { decision: decision.decision, reason: decision.reason };
        },
      };
    },
  };
}
