import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { ListingInput } from './listing.ts';
import { findListing, upsertListing } from './store.ts';

/** The `connectors:` entry of the bootstrap file, as far as listings go (`enabledFor` is the policy module's). */
export interface DeclaredConnector {
  slug: string;
  name: string;
  url: string;
  auth: 'none' | 'oauth' | 'headers';
  callTimeoutSeconds?: number | undefined;
}

export interface BootstrapConnectorsReport {
  created: number;
  updated: number;
  unchanged: number;
}

/**
 * Makes each declared connector a `bootstrap` listing, inside the bootstrap's transaction. The file says
 * little (slug, name, url, auth), so what it does not declare comes from the listing already there
 * (e.g. the seed's description when the operator re-declares `linear`) or from neutral defaults: category
 * `other`, transport SSE when the URL path ends in /sse (Streamable HTTP otherwise), and the
 * `Authorization` header for `auth: headers`.
 */
export async function applyBootstrapConnectors(trx: Transaction<DB>, connectors: readonly DeclaredConnector[]): Promise<BootstrapConnectorsReport> {
  const report: BootstrapConnectorsReport = { created: 0, updated: 0, unchanged: 0 };
  for (const declared of connectors) {
    const existing = await findListing(trx, declared.slug);
    const keepHeaders = existing?.authKind === 'headers' && existing.authHeaders.length > 0 ? existing.authHeaders : ['Authorization'];
    const input: ListingInput = {
      tagline: 'A connector your operator added to this Switchboard',
      description: `${declared.name} is an MCP server declared in this Switchboard's configuration file. Ask your operator what it offers and who may use it.`,
      useCases: [],
      category: 'other',
      logoUrl: null,
      docsUrl: null,
      ...(existing
        ? { tagline: existing.tagline, description: existing.description, useCases: existing.useCases, category: existing.category, logoUrl: existing.logoUrl, docsUrl: existing.docsUrl, plans: existing.plans, clients: existing.clients, interactive: existing.interactive }
        : {}),
      slug: declared.slug,
      name: declared.name,
      mcpUrl: declared.url,
      transport: /\/sse\/?$/.test(new URL(declared.url).pathname) ? 'sse' : 'streamable-http',
      authKind: declared.auth,
      authHeaders: declared.auth === 'headers' ? keepHeaders : [],
      callTimeoutSeconds: declared.callTimeoutSeconds ?? null,
      source: 'bootstrap',
    };
    const result = await upsertListing(trx, input);
    // Bootstrap outranks every other source, so nothing is ever `kept` here.
    if (result.outcome !== 'kept') report[result.outcome]++;
  }
  return report;
}
