import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Category, Listing } from './listing.ts';
import { toListing } from './rows.ts';

export interface ListingQuery {
  /** Free text: every word must match somewhere (name, tagline, description, use cases, category). */
  q?: string;
  category?: Category;
  limit?: number;
  offset?: number;
  /**
   * Whose custom connectors to include: the person's organizations (`GET /connectors` passes them), or `all`
   * (the operator's CLI). Left out, only directory listings: a custom connector is never shown to anyone else.
   */
  customOf?: string[] | 'all';
}

export interface ListingPage {
  listings: Listing[];
  total: number;
}

const MAX_TERMS = 8;

/** LIKE treats % _ and \ specially; a search for "50%" must look for those characters literally. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Weight of one search word in one listing: a name match counts most (exact > prefix > anywhere), then
 * tagline, category, use cases, description. Zero means the word matches nowhere.
 */
function termScore(term: string): RawBuilder<number> {
  const anywhere = `%${likeEscape(term)}%`;
  const prefix = `${likeEscape(term)}%`;
  return sql<number>`(
    case when lower(name) = ${term} then 100 when lower(name) like ${prefix} then 60 when lower(name) like ${anywhere} then 40 else 0 end
    + case when lower(tagline) like ${anywhere} then 20 else 0 end
    + case when category like ${anywhere} then 15 else 0 end
    + case when lower(use_cases::text) like ${anywhere} then 10 else 0 end
    + case when lower(description) like ${anywhere} then 5 else 0 end
  )`;
}

/**
 * The directory, filtered and ranked. Without a query the order is by name; with one, by score and then
 * name; the slug breaks ties, so the order is stable from one request to the next.
 */
export async function listListings(db: Kysely<DB>, query: ListingQuery = {}): Promise<ListingPage> {
  const terms = (query.q ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, MAX_TERMS);
  const scores = terms.map(termScore);
  const score = scores.length > 0 ? sql<number>`${sql.join(scores, sql` + `)}` : sql<number>`0`;

  let base = db.selectFrom('connector_listings');
  const customOf = query.customOf ?? [];
  if (customOf !== 'all') base = customOf.length > 0 ? base.where((eb) => eb.or([eb('owner_org_id', 'is', null), eb('owner_org_id', 'in', customOf)])) : base.where('owner_org_id', 'is', null);
  if (query.category) base = base.where('category', '=', query.category);
  for (const s of scores) base = base.where(sql<boolean>`${s} > 0`);

  const total = Number((await base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await base
    .selectAll()
    .select(score.as('score'))
    .orderBy(sql`score`, 'desc')
    .orderBy(sql`lower(name)`)
    .orderBy('slug')
    .limit(query.limit ?? 100)
    .offset(query.offset ?? 0)
    .execute();
  return { listings: rows.map((r) => toListing(r)), total };
}
