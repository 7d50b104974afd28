import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAdminEvent } from '../audit/events.ts';
import type { DB } from '../db/schema.ts';
import { roleOf } from '../identity/organizations.ts';
import { customConnectorRefusal } from '../policy/custom-connectors.ts';
import { ensureEnabled } from '../policy/store.ts';
import { AppError, conflict, forbidden, invalidInput, notFound } from '../shared/app-error.ts';
import type { Listing } from './listing.ts';
import { toListing } from './rows.ts';

/**
 * Custom connectors: any remote MCP server, added by URL for one organization. Who may add one is the policy
 * module's rule (src/policy/custom-connectors.ts); the organization gets it
 * enabled at once, and nobody outside it ever sees it. What the URL may point at is the egress guard's call, made
 * before anything is stored; how it authenticates is probed, not asked.
 */

export interface CustomConnectorInput {
  /** The organization's slug. */
  org: string;
  url: string;
  name?: string | undefined;
  description?: string | undefined;
}

export interface CustomConnectorDeps {
  db: Kysely<DB>;
  /** The egress guard's decision on the URL for this organization: its addresses, or the refusal (thrown). */
  checkUrl(url: URL, orgId: string): Promise<Array<{ address: string; family: 4 | 6 }>>;
  /** Whether an address is outside the public internet (an operator-allowed internal one). */
  isInternal(address: string): boolean;
  /** `oauth` when the server answers a first request with 401 and a Bearer challenge, else `none`. */
  probeAuth(url: URL, orgId: string): Promise<'oauth' | 'none'>;
}

export async function addCustomConnector(deps: CustomConnectorDeps, userId: string, input: CustomConnectorInput): Promise<{ listing: Listing; matchedListing: string | null }> {
  const { db } = deps;
  const org = await db.selectFrom('organizations').select(['id', 'name', 'plan']).where('slug', '=', input.org).executeTakeFirst();
  const role = org ? await roleOf(db, org.id, userId) : undefined;
  if (!org || role === undefined) throw notFound(`No organization has the slug "${input.org}" among yours.`);
  const mayNot = customConnectorRefusal(org, role, 'add');
  if (mayNot) throw forbidden(mayNot);

  let url: URL;
  try {
    url = new URL(input.url.trim());
  } catch {
    throw invalidInput(`"${input.url}" is not a URL. Give the MCP server's full address, e.g. https://mcp.example.com/mcp.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidInput(`The URL must start with https:// (got ${url.protocol}//).`);
  url.hash = '';
  const addresses = await deps.checkUrl(url, org.id);
  // Plain http only to an address the operator opened on purpose: on the internet, tokens would travel in clear.
  if (url.protocol === 'http:' && addresses.some((a) => !deps.isInternal(a.address))) {
    throw invalidInput(`${url.host} is on the public internet: use https:// so that your sign-in and data are encrypted on the way.`);
  }

  const duplicate = await db.selectFrom('connector_listings').select(['slug', 'name']).where('owner_org_id', '=', org.id).where('mcp_url', '=', url.href).executeTakeFirst();
  if (duplicate) throw alreadyAdded(org.name, duplicate);

  const count = Number((await db.selectFrom('connector_listings').select((eb) => eb.fn.countAll<string>().as('n')).where('owner_org_id', '=', org.id).executeTakeFirstOrThrow()).n);
  const overLimit = customConnectorRefusal(org, role, 'add', count);
  if (overLimit) throw forbidden(overLimit);

  // A server the directory knows (same host) is shown with its name, but the URL given is the one used.
  const known = (await db.selectFrom('connector_listings').select(['slug', 'name', 'mcp_url', 'category']).where('owner_org_id', 'is', null).execute()).find((l) => hostOf(l.mcp_url) === url.host);
  const name = input.name?.trim() || known?.name || url.hostname;
  const authKind = await deps.probeAuth(url, org.id);

  const slug = customSlug(name);
  const inserted = await db
    .transaction()
    .execute(async (trx) => {
      const row = await trx
        .insertInto('connector_listings')
        .values({
          slug,
          name: name.slice(0, 200),
          tagline: `Custom connector of ${org.name}`.slice(0, 200),
          description: (input.description?.trim() || `A custom connector at ${url.host}, added by a member of ${org.name}.`).slice(0, 4000),
          use_cases: JSON.stringify([]),
          category: known?.category ?? 'other',
          mcp_url: url.href,
          transport: 'streamable-http',
          auth_kind: authKind,
          auth_headers: JSON.stringify([]),
          plans: JSON.stringify(['free', 'pro', 'team', 'enterprise']),
          clients: JSON.stringify(['chat', 'mcp']),
          interactive: false,
          logo_url: null,
          docs_url: null,
          origin: null,
          call_timeout_seconds: null,
          source: 'custom',
          owner_org_id: org.id,
          created_by: userId,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await ensureEnabled(trx, org.id, slug, userId);
      await recordAdminEvent(trx, org.id, { kind: 'enablement', action: 'enabled', actor: { kind: 'user', userId }, connector: slug, subject: slug, details: { custom: true, name: row.name, url: url.href, authKind } });
      return row;
    })
    .catch(async (err: unknown) => {
      // Two people adding the same URL at once: the unique index lets one through.
      if ((err as { code?: string }).code === '23505') {
        const winner = await db.selectFrom('connector_listings').select(['slug', 'name']).where('owner_org_id', '=', org.id).where('mcp_url', '=', url.href).executeTakeFirst();
        if (winner) throw alreadyAdded(org.name, winner);
      }
      throw err;
    });
  return { listing: toListing(inserted), matchedListing: known?.slug ?? null };
}

/** Removes a custom connector: its owners on Team and Enterprise, any member on Free and Pro (as adding). */
export async function removeCustomConnector(db: Kysely<DB>, userId: string, slug: string): Promise<{ orgId: string }> {
  const listing = await db.selectFrom('connector_listings').select(['slug', 'name', 'owner_org_id']).where('slug', '=', slug).executeTakeFirst();
  const orgId = listing?.owner_org_id ?? undefined;
  const org = orgId ? await db.selectFrom('organizations').select(['id', 'name', 'plan']).where('id', '=', orgId).executeTakeFirst() : undefined;
  const role = org ? await roleOf(db, org.id, userId) : undefined;
  if (!listing || !org || role === undefined) throw notFound(`No custom connector of yours has the slug "${slug}". Directory listings are not removed this way.`);
  const mayNot = customConnectorRefusal(org, role, 'remove');
  if (mayNot) throw forbidden(mayNot);
  await db.transaction().execute(async (trx) => {
    // Members' connections to it go too (their secrets with them); enablement and rules go by cascade.
    await trx.deleteFrom('connections').where('connector_slug', '=', slug).execute();
    await trx.deleteFrom('connection_flows').where('connector_slug', '=', slug).execute();
    await trx.deleteFrom('connector_oauth_clients').where('connector_slug', '=', slug).execute();
    await trx.deleteFrom('connector_listings').where('slug', '=', slug).execute();
    await recordAdminEvent(trx, org.id, { kind: 'enablement', action: 'disabled', actor: { kind: 'user', userId }, connector: slug, subject: slug, details: { custom: true, removed: true, name: listing.name } });
  });
  return { orgId: org.id };
}

/** The organizations whose custom connectors a person sees: their own. */
export async function visibleOrgIds(db: Kysely<DB>, userId: string): Promise<string[]> {
  return (await db.selectFrom('memberships').select('org_id').where('user_id', '=', userId).execute()).map((r) => r.org_id);
}

const alreadyAdded = (orgName: string, existing: { slug: string; name: string }): AppError =>
  conflict(`${orgName} already has this server as the custom connector "${existing.name}" (${existing.slug}). Use that one, or remove it before adding it again.`);

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** `custom-<name>-<random>`: never the slug of a directory listing, and two custom connectors of one name differ. */
function customSlug(name: string): string {
  const stem = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 24).replace(/-+$/, '') || 'server';
  return `custom-${stem}-${randomBytes(3).toString('hex')}`;
}
