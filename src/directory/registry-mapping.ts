import { MAX_AUTH_HEADERS, type AuthKind, type ListingInput } from './listing.ts';
import type { ServerJson, ServerRemote } from './registry-format.ts';
import { slugFromRegistryName } from './slug.ts';

/** A listing an imported remote would become, before its slug is checked against the database. */
export interface RemoteCandidate {
  /** `name#index`: stable across re-imports, so the same remote updates the same listing. */
  origin: string;
  slug: string;
  listing: Omit<ListingInput, 'slug'>;
}

export interface Skip {
  server: string;
  remote?: number;
  reason: string;
}

const TRANSPORT_LABEL = { 'streamable-http': 'Streamable HTTP', sse: 'SSE' } as const;
const ICON_TYPES = /^image\/(png|jpe?g|svg\+xml|webp)$/;

/**
 * Auth from what the remote declares. Required headers are credentials the person must supply
 * (an API key), hence `headers`. Otherwise `oauth`: a public remote with no declared credential is, in
 * practice, one that authorizes through MCP's OAuth discovery (401 + protected-resource metadata), and a
 * server that turns out to need nothing simply never asks. Optional-only headers do not make it
 * `headers`: the server works without them.
 */
export function authFor(remote: ServerRemote): { kind: AuthKind; headers: string[] } | { error: string } {
  const declared = remote.headers ?? [];
  const required = declared.filter((h) => h.isRequired === true).map((h) => h.name);
  if (required.length === 0) return { kind: 'oauth', headers: [] };
  if (required.length > MAX_AUTH_HEADERS) {
    return { error: `it requires ${required.length} headers (${required.join(', ')}); a connector may use at most ${MAX_AUTH_HEADERS}` };
  }
  const optional = declared.filter((h) => h.isRequired !== true).map((h) => h.name);
  const names: string[] = [];
  for (const name of [...required, ...optional]) {
    if (names.length < MAX_AUTH_HEADERS && !names.some((n) => n.toLowerCase() === name.toLowerCase())) names.push(name);
  }
  return { kind: 'headers', headers: names };
}

const isWebUrl = (u: string | undefined, protocols = ['http:', 'https:']): u is string => u !== undefined && URL.canParse(u) && protocols.includes(new URL(u).protocol);

function logoFor(server: ServerJson): string | null {
  const icons = (server.icons ?? []).filter((i) => isWebUrl(i.src, ['https:']) && (i.mimeType === undefined || ICON_TYPES.test(i.mimeType)));
  return (icons.find((i) => i.theme === undefined || i.theme === 'light') ?? icons[0])?.src ?? null;
}

/** Each usable remote of a server as a candidate listing; the others with the reason they were left out. */
export function candidatesFor(server: ServerJson): { candidates: RemoteCandidate[]; skipped: Skip[] } {
  const remotes = server.remotes ?? [];
  if (remotes.length === 0) {
    return { candidates: [], skipped: [{ server: server.name, reason: 'it has no remotes (only packages to run locally); the directory lists remote MCP servers' }] };
  }
  const base = slugFromRegistryName(server.name);
  const title = server.title ?? server.name.slice(server.name.indexOf('/') + 1);
  const candidates: RemoteCandidate[] = [];
  const skipped: Skip[] = [];
  remotes.forEach((remote, i) => {
    const placeholders = remote.url.match(/\{[^{}]*\}/g);
    if (placeholders) {
      skipped.push({ server: server.name, remote: i, reason: `its URL ${remote.url} has placeholders (${placeholders.join(', ')}) to fill for each tenant; add it as a custom connector with the real URL` });
      return;
    }
    const auth = authFor(remote);
    if ('error' in auth) {
      skipped.push({ server: server.name, remote: i, reason: auth.error });
      return;
    }
    candidates.push({
      origin: `${server.name}#${i}`,
      // Several remotes of one server (often an HTTP and an SSE endpoint) need several slugs; numbering by
      // position keeps them stable as long as the publisher keeps the order.
      slug: i === 0 ? base : slugFromRegistryName(`${server.name}-${i + 1}`),
      listing: {
        name: remotes.length > 1 ? `${title} (${TRANSPORT_LABEL[remote.type]})` : title,
        tagline: server.description,
        description: `${server.description}\n\nImported from the MCP Registry entry ${server.name}, version ${server.version}.`,
        useCases: [],
        category: 'other',
        logoUrl: logoFor(server),
        docsUrl: [server.websiteUrl, server.repository?.url].find((u) => isWebUrl(u)) ?? null,
        mcpUrl: remote.url,
        transport: remote.type,
        authKind: auth.kind,
        authHeaders: auth.headers,
        source: 'import',
        origin: `${server.name}#${i}`,
      },
    });
  });
  return { candidates, skipped };
}
