import type { Insertable, Selectable } from 'kysely';
import type { ConnectorListingsTable } from '../db/schema.ts';
import type { Category, KnownTool, Listing, ListingData } from './listing.ts';

export type ListingRow = Selectable<ConnectorListingsTable>;
export type ListingInsert = Insertable<ConnectorListingsTable>;

export function toListing(row: ListingRow): Listing {
  return {
    slug: row.slug,
    name: row.name,
    tagline: row.tagline,
    description: row.description,
    useCases: row.use_cases,
    category: row.category as Category,
    logoUrl: row.logo_url,
    docsUrl: row.docs_url,
    mcpUrl: row.mcp_url,
    transport: row.transport,
    authKind: row.auth_kind,
    authHeaders: row.auth_headers,
    plans: row.plans,
    clients: row.clients,
    interactive: row.interactive,
    source: row.source,
    origin: row.origin,
    ownerOrgId: row.owner_org_id,
    callTimeoutSeconds: row.call_timeout_seconds,
    tools: row.tools as KnownTool[] | null,
    toolsRecordedAt: row.tools_recorded_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The columns a listing's own data decides (tools are handled apart: live results outrank declared ones). */
export function descriptiveColumns(l: ListingData) {
  return {
    name: l.name,
    tagline: l.tagline,
    description: l.description,
    use_cases: JSON.stringify(l.useCases),
    category: l.category,
    logo_url: l.logoUrl,
    docs_url: l.docsUrl,
    mcp_url: l.mcpUrl,
    transport: l.transport,
    auth_kind: l.authKind,
    auth_headers: JSON.stringify(l.authHeaders),
    plans: JSON.stringify(l.plans),
    clients: JSON.stringify(l.clients),
    interactive: l.interactive,
    source: l.source,
    origin: l.origin,
    call_timeout_seconds: l.callTimeoutSeconds,
  };
}

/** The same columns as read back, in the written form, so that "changed?" is a plain comparison. */
export function descriptiveColumnsOf(row: ListingRow): Record<keyof ReturnType<typeof descriptiveColumns>, unknown> {
  return {
    name: row.name,
    tagline: row.tagline,
    description: row.description,
    use_cases: JSON.stringify(row.use_cases),
    category: row.category,
    logo_url: row.logo_url,
    docs_url: row.docs_url,
    mcp_url: row.mcp_url,
    transport: row.transport,
    auth_kind: row.auth_kind,
    auth_headers: JSON.stringify(row.auth_headers),
    plans: JSON.stringify(row.plans),
    clients: JSON.stringify(row.clients),
    interactive: row.interactive,
    source: row.source,
    origin: row.origin,
    call_timeout_seconds: row.call_timeout_seconds,
  };
}

/** Column names whose values differ. */
export function changedColumns(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return Object.keys(a).filter((k) => a[k] !== b[k]);
}

/** Tools in a stable order, so the same list recorded twice compares equal. */
export function normalizeTools(tools: KnownTool[]): KnownTool[] {
  return [...tools]
    .map((t) => ({
      name: t.name,
      ...(t.title !== undefined ? { title: t.title } : {}),
      ...(t.annotations !== undefined ? { annotations: normalizeHints(t.annotations) } : {}),
    }))
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

function normalizeHints(a: NonNullable<KnownTool['annotations']>): NonNullable<KnownTool['annotations']> {
  const out: NonNullable<KnownTool['annotations']> = {};
  for (const key of ['title', 'readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
    if (a[key] !== undefined) (out as Record<string, unknown>)[key] = a[key];
  }
  return out;
}
