import type { Kysely, Transaction } from 'kysely';
import { formatPath } from '../config/errors.ts';
import type { DB } from '../db/schema.ts';
import type { Actor } from '../identity/actor.ts';
import { organizationsOf } from '../identity/organizations.ts';
import { isOwner } from '../identity/roles.ts';
import { AppError, forbidden, invalidInput } from '../shared/app-error.ts';
import { fetchRegistry, type RegistryFetchOptions } from './registry-client.ts';
import { describeProblems, describeProblemsUnquoted, officialMeta, registryEntrySchema, serverJsonSchema, type ServerJson } from './registry-format.ts';
import { candidatesFor, type RemoteCandidate, type Skip } from './registry-mapping.ts';
import { disambiguatedSlug } from './slug.ts';
import { parseListing, upsertListing } from './store.ts';

export interface ImportedListing {
  slug: string;
  name: string;
  mcpUrl: string;
}

export interface ImportReport {
  created: ImportedListing[];
  updated: ImportedListing[];
  unchanged: ImportedListing[];
  skipped: Skip[];
  /** About the import as a whole, e.g. a registry cut off after the page limit. */
  notes: string[];
}

export type ImportSource = { serverJson: unknown } | { registryUrl: string; fetchOptions?: RegistryFetchOptions };

/**
 * Adding to the shared directory is for people who run an organization: an owner or primary owner of
 * at least one. The operator (CLI) always may.
 */
export async function assertMayImport(db: Kysely<DB>, actor: Actor): Promise<void> {
  if (actor.kind === 'operator') return;
  const memberships = await organizationsOf(db, actor.userId);
  if (memberships.some((m) => isOwner(m.role))) return;
  throw forbidden(
    'Only organization owners can import connectors into the directory, and you are not an owner of any organization. Ask an owner to import it, or an operator to run `switchboard connectors import`.',
  );
}

/** A server.json checked against the registry schema; a bad one names the field, e.g. `remotes[0].url: must be a URL`. */
export function parseServerJson(input: unknown): ServerJson {
  const parsed = serverJsonSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = describeProblems(parsed.error, input);
  throw invalidInput(`The server.json is not valid: ${problems.join('; ')}. Fix ${problems.length > 1 ? 'these fields' : 'this field'} and import it again.`, {
    fields: parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
  });
}

export async function importConnectors(db: Kysely<DB>, actor: Actor, source: ImportSource): Promise<ImportReport> {
  await assertMayImport(db, actor);
  const report: ImportReport = { created: [], updated: [], unchanged: [], skipped: [], notes: [] };
  let servers: ServerJson[];
  if ('serverJson' in source) servers = [parseServerJson(source.serverJson)];
  else servers = await serversFromRegistry(source.registryUrl, source.fetchOptions, report);
  await db.transaction().execute(async (trx) => {
    const claimed = { slugs: new Map<string, string>(), urls: new Map<string, string>() };
    for (const server of servers) {
      const { candidates, skipped } = candidatesFor(server);
      report.skipped.push(...skipped);
      for (const candidate of candidates) await importCandidate(trx, server, candidate, claimed, report);
    }
  });
  return report;
}

async function serversFromRegistry(url: string, options: RegistryFetchOptions | undefined, report: ImportReport): Promise<ServerJson[]> {
  const listing = await fetchRegistry(url, options);
  report.notes.push(...listing.notes);
  const servers: ServerJson[] = [];
  let olderVersions = 0;
  for (const { page, index, entry } of listing.entries) {
    const where = `page ${page}, servers[${index}]`;
    const parsedEntry = registryEntrySchema.safeParse(entry);
    const rawName = (entry as { server?: { name?: unknown } } | null)?.server?.name;
    // Only a well-formed registry name is echoed back: the answer comes from an address someone supplied.
    const label = typeof rawName === 'string' && /^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/.test(rawName) && rawName.length <= 200 ? rawName : where;
    if (!parsedEntry.success) {
      report.skipped.push({ server: label, reason: `the entry is not valid (${describeProblemsUnquoted(parsedEntry.error, ['servers', index]).join('; ')})` });
      continue;
    }
    const official = officialMeta(parsedEntry.data);
    if (official?.isLatest === false) {
      olderVersions++;
      continue;
    }
    if (official?.status !== undefined && official.status !== 'active') {
      report.skipped.push({ server: label, reason: `the registry marks it ${official.status}` });
      continue;
    }
    const server = serverJsonSchema.safeParse(parsedEntry.data.server);
    if (!server.success) {
      report.skipped.push({ server: label, reason: `its server.json is not valid (${describeProblemsUnquoted(server.error, ['servers', index, 'server']).join('; ')})` });
      continue;
    }
    servers.push(server.data);
  }
  if (olderVersions > 0) report.notes.push(`${olderVersions} older version${olderVersions > 1 ? 's' : ''} of listed servers ignored (only the latest is imported).`);
  return servers;
}

type Claimed = { slugs: Map<string, string>; urls: Map<string, string> };

async function importCandidate(trx: Transaction<DB>, server: ServerJson, candidate: RemoteCandidate, claimed: Claimed, report: ImportReport): Promise<void> {
  const remote = Number(candidate.origin.slice(candidate.origin.lastIndexOf('#') + 1));
  const skip = (reason: string): void => {
    report.skipped.push({ server: server.name, remote, reason });
  };
  const url = candidate.listing.mcpUrl;

  const sameUrl = await trx.selectFrom('connector_listings').select(['slug', 'source', 'origin']).where('mcp_url', '=', url).execute();
  const other = sameUrl.find((r) => !(r.source === 'import' && r.origin === candidate.origin));
  if (other) return skip(`${url} is already listed as "${other.slug}" (${other.source})`);
  const claimedBy = claimed.urls.get(url);
  if (claimedBy && claimedBy !== candidate.origin) return skip(`${url} is already imported in this batch as ${claimedBy}`);

  const slug = await slugFor(trx, candidate, claimed);
  if (!slug) return skip(`both "${candidate.slug}" and "${disambiguatedSlug(candidate.slug, candidate.origin)}" are taken by other listings`);

  let input;
  try {
    input = parseListing({ ...candidate.listing, slug });
  } catch (err) {
    if (err instanceof AppError) return skip(err.message);
    throw err;
  }
  const result = await upsertListing(trx, input);
  claimed.slugs.set(slug, candidate.origin);
  claimed.urls.set(url, candidate.origin);
  const entry = { slug, name: result.listing.name, mcpUrl: url };
  if (result.outcome === 'kept') skip(result.reason ?? `the slug "${slug}" is taken`);
  else report[result.outcome].push(entry);
}

/**
 * The listing this remote already has (same origin), else its derived slug when free, else the
 * hash-suffixed alternative when free; undefined when both are taken.
 */
async function slugFor(trx: Transaction<DB>, candidate: RemoteCandidate, claimed: Claimed): Promise<string | undefined> {
  const mine = await trx.selectFrom('connector_listings').select('slug').where('source', '=', 'import').where('origin', '=', candidate.origin).executeTakeFirst();
  if (mine) return mine.slug;
  for (const slug of [candidate.slug, disambiguatedSlug(candidate.slug, candidate.origin)]) {
    const owner = claimed.slugs.get(slug);
    if (owner !== undefined && owner !== candidate.origin) continue;
    const taken = await trx.selectFrom('connector_listings').select('slug').where('slug', '=', slug).executeTakeFirst();
    if (!taken) return slug;
  }
  return undefined;
}
