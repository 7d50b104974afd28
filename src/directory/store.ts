import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { describeIssue, formatPath } from '../config/errors.ts';
import type { DB } from '../db/schema.ts';
import { invalidInput, notFound } from '../shared/app-error.ts';
import { computeCapabilities, type Capabilities } from './capabilities.ts';
import { knownToolSchema, listingInputSchema, type Listing, type ListingData, type ListingInput, type ListingSource } from './listing.ts';
import { changedColumns, descriptiveColumns, descriptiveColumnsOf, normalizeTools, toListing } from './rows.ts';

/**
 * Which writer may replace a listing written by another. The operator's file outranks everything; the
 * bundled demo services outrank the catalogs; the seed catalog outranks imports (its slugs are the
 * well-known names). A writer never replaces a listing of higher or equal rank from another source.
 */
const RANK: Record<ListingSource, number> = { import: 0, seed: 1, demo: 2, bootstrap: 3, custom: 4 };

export type UpsertOutcome = 'created' | 'updated' | 'unchanged' | 'kept';

export interface UpsertResult {
  outcome: UpsertOutcome;
  listing: Listing;
  /** For `kept`: why the existing listing was left as it is. */
  reason?: string;
}

type Db = Kysely<DB> | Transaction<DB>;

/** Validates with the listing schema and names the bad field, e.g. `mcpUrl: must be an http:// or https:// URL`. */
export function parseListing(input: ListingInput): ListingData {
  const parsed = listingInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${describeIssue(i, input)}`);
  throw invalidInput(`The connector listing "${String((input as { slug?: unknown }).slug)}" is not valid: ${issues.join('; ')}.`, {
    fields: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
  });
}

/**
 * Creates or updates the listing with this slug; idempotent (the same input twice reports `unchanged`).
 * Called by the seed catalog at start, the bootstrap, imports and the demo services. Declared `tools`
 * are stored only while no live `tools/list` result has been recorded for the listing.
 */
export async function upsertListing(db: Db, input: ListingInput): Promise<UpsertResult> {
  const data = parseListing(input);
  if (db.isTransaction) return upsertIn(db as Transaction<DB>, data);
  return db.transaction().execute((trx) => upsertIn(trx, data));
}

async function upsertIn(trx: Transaction<DB>, data: ListingData): Promise<UpsertResult> {
  const columns = descriptiveColumns(data);
  const tools = data.tools === undefined ? undefined : JSON.stringify(normalizeTools(data.tools));
  // Insert-or-nothing first: two nodes starting together must not both try to create the row.
  const inserted = await trx
    .insertInto('connector_listings')
    .values({ slug: data.slug, ...columns, ...(tools !== undefined ? { tools } : {}) })
    .onConflict((oc) => oc.column('slug').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { outcome: 'created', listing: toListing(inserted) };

  const existing = await trx.selectFrom('connector_listings').selectAll().where('slug', '=', data.slug).forUpdate().executeTakeFirstOrThrow();
  if (existing.source !== data.source && RANK[data.source] <= RANK[existing.source]) {
    return {
      outcome: 'kept',
      listing: toListing(existing),
      reason: `the slug "${data.slug}" belongs to a ${existing.source} listing, which a ${data.source} listing does not replace`,
    };
  }
  if (existing.source === data.source && existing.origin !== data.origin) {
    return { outcome: 'kept', listing: toListing(existing), reason: `the slug "${data.slug}" belongs to another ${existing.source} listing (${existing.origin ?? 'no origin'})` };
  }

  const patch: Record<string, unknown> = {};
  const current = descriptiveColumnsOf(existing);
  for (const key of changedColumns(columns, current)) patch[key] = columns[key as keyof typeof columns];
  if (tools !== undefined && existing.tools_recorded_at === null && tools !== JSON.stringify(existing.tools)) patch.tools = tools;
  if (Object.keys(patch).length === 0) return { outcome: 'unchanged', listing: toListing(existing) };
  const updated = await trx
    .updateTable('connector_listings')
    .set({ ...patch, updated_at: new Date() })
    .where('slug', '=', data.slug)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { outcome: 'updated', listing: toListing(updated) };
}

export async function findListing(db: Db, slug: string): Promise<Listing | undefined> {
  const row = await db.selectFrom('connector_listings').selectAll().where('slug', '=', slug).executeTakeFirst();
  return row ? toListing(row) : undefined;
}

export async function getListing(db: Db, slug: string): Promise<Listing> {
  const listing = await findListing(db, slug);
  if (!listing) throw notFound(`No connector has the slug "${slug}". List the directory with GET /api/v1/connectors or \`switchboard connectors list\`.`);
  return listing;
}

const recordedToolsSchema = z.array(knownToolSchema).max(5000);

/**
 * Stores the live tool list of a connector, as returned by `tools/list` (pass the `tools` array as is:
 * extra fields such as inputSchema are dropped). From then on capabilities come from this list, and
 * declared tools in the listing no longer replace it. Returns the new capabilities.
 */
export async function recordTools(db: Db, slug: string, tools: unknown): Promise<Capabilities> {
  const parsed = recordedToolsSchema.safeParse(tools);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidInput(`The tool list for "${slug}" is not valid: ${formatPath(issue.path)}: ${describeIssue(issue, tools)}.`);
  }
  const list = normalizeTools(parsed.data);
  const updated = await db
    .updateTable('connector_listings')
    .set({ tools: JSON.stringify(list), tools_recorded_at: new Date(), updated_at: new Date() })
    .where('slug', '=', slug)
    .returning('slug')
    .executeTakeFirst();
  if (!updated) throw notFound(`No connector has the slug "${slug}", so its tools were not recorded.`);
  return computeCapabilities(list);
}
