import type { Kysely } from 'kysely';
import type { ConnectorTarget } from '../connections/types.ts';
import type { DB } from '../db/schema.ts';
import type { Listing } from '../directory/listing.ts';
import { findListing } from '../directory/store.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import { egressAllowOf } from '../policy/egress-allow.ts';

export type ListingFinder = (slug: string) => Promise<Listing | undefined>;

/**
 * Listings as the gateway reads them on every call: from memory for a few seconds at most, dropped at once
 * on a change notice. Listings change rarely (imports, bootstrap, demo start) and a short TTL bounds how long
 * another process's change takes to show.
 */
export function cachedListings(db: Kysely<DB>, ttlMs = 5_000): { find: ListingFinder; clear(): void } {
  const cache = new TtlCache<Listing | undefined>({ ttlMs });
  return { find: (slug) => cache.get(slug, () => findListing(db, slug)), clear: () => cache.clear() };
}

/** An organization's egress allow-list, as every connection to its custom connectors reads it (cleared on change notices). */
export function cachedOrgEgress(db: Kysely<DB>, ttlMs = 5_000): { find: (orgId: string) => Promise<string[]>; clear(): void } {
  const cache = new TtlCache<string[]>({ ttlMs });
  return { find: (orgId) => cache.get(orgId, () => egressAllowOf(db, orgId)), clear: () => cache.clear() };
}

/** The connections module's view of a directory listing: where the connector is and how it authenticates. */
export function directoryResolver(db: Kysely<DB>, find: ListingFinder = (slug) => findListing(db, slug), orgEgress?: (orgId: string) => Promise<string[]>): (slug: string) => Promise<(ConnectorTarget & { description: string }) | undefined> {
  return async (slug) => {
    const listing = await find(slug);
    if (!listing) return undefined;
    // Only a custom connector is opened by its organization's ranges; directory listings by the operator's alone.
    const egressAllow = listing.ownerOrgId ? await (orgEgress ?? ((id: string) => egressAllowOf(db, id)))(listing.ownerOrgId) : [];
    return {
      ...(egressAllow.length > 0 ? { egressAllow } : {}),
      slug: listing.slug,
      name: listing.name,
      description: listing.description,
      url: listing.mcpUrl,
      auth: listing.authKind,
      headerNames: listing.authHeaders,
      ...(listing.callTimeoutSeconds ? { callTimeoutMs: listing.callTimeoutSeconds * 1000 } : {}),
    };
  };
}
