import path from 'node:path';
import type { Kysely } from 'kysely';
import { startDemoServices, type DemoServiceHandle } from '../../demo/index.ts';
import type { DB } from '../db/schema.ts';
import { CATEGORIES, type Category } from '../directory/listing.ts';
import { upsertListing } from '../directory/store.ts';
import type { Logger } from '../observability/logger.ts';

/**
 * Starts the bundled demo services beside Switchboard and lists them in the directory, so a new
 * person can connect something real at once. Their URL may change between starts (a taken port
 * falls back to a free one), so the listing is updated every time.
 */
export async function startDemos(db: Kysely<DB>, dataDir: string, log: Logger): Promise<DemoServiceHandle[]> {
  const handles = await startDemoServices({ dataDir: path.join(dataDir, 'demo'), onError: (err) => log.warn({ err: err.message }, 'demo service error') });
  for (const handle of handles) {
    const { listing } = handle;
    const category: Category = (CATEGORIES as readonly string[]).includes(listing.category) ? (listing.category as Category) : 'other';
    await upsertListing(db, {
      slug: listing.slug,
      name: listing.name,
      tagline: listing.tagline,
      description: listing.description,
      useCases: listing.useCases,
      category,
      mcpUrl: handle.url,
      authKind: 'oauth',
      source: 'demo',
      tools: handle.tools,
      origin: `demo:${handle.name}`,
    });
  }
  log.info({ demos: handles.map((h) => ({ slug: h.listing.slug, url: h.url })) }, 'demo services started');
  return handles;
}
