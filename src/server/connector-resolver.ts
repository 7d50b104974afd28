import type { Kysely } from 'kysely';
import type { ConnectorResolver } from '../connections/types.ts';
import type { DB } from '../db/schema.ts';
import { findListing } from '../directory/store.ts';

/** The connections module's view of a directory listing: where the connector is and how it authenticates. */
export function directoryResolver(db: Kysely<DB>): ConnectorResolver {
  return async (slug) => {
    const listing = await findListing(db, slug);
    if (!listing) return undefined;
    return {
      slug: listing.slug,
      name: listing.name,
      url: listing.mcpUrl,
      auth: listing.authKind,
      headerNames: listing.authHeaders,
      ...(listing.callTimeoutSeconds ? { callTimeoutMs: listing.callTimeoutSeconds * 1000 } : {}),
    };
  };
}
