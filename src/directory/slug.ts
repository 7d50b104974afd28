import { sha256Hex } from '../shared/crypto.ts';

const MAX_SLUG = 40;
/** Room left for "-" and a 6-character hash when a slug must be shortened or disambiguated. */
const STEM = MAX_SLUG - 7;

/** Hosting namespaces whose next label is the actual owner: `io.github.owner` → `owner`. */
const FORGES = new Set(['github', 'gitlab']);

const clean = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

const withHash = (stem: string, seed: string) => `${stem.slice(0, STEM).replace(/-+$/, '')}-${sha256Hex(seed).slice(0, 6)}`;

/**
 * A directory slug from an MCP Registry name (`namespace/server`, the namespace in reverse-DNS):
 *
 * - the owner is the namespace without its top-level label (`com.stripe` → `stripe`,
 *   `io.modelcontextprotocol.anonymous` → `modelcontextprotocol-anonymous`), and without the forge
 *   for `io.github.X` / `io.gitlab.X` (→ `X`);
 * - the slug is `owner-server`, or just `server` when the server name already starts with the owner
 *   (`app.linear/linear` → `linear`, not `linear-linear`);
 * - anything but a-z and 0-9 becomes a single dash; past 40 characters the slug is cut and ends with six
 *   characters of the name's SHA-256, so two long names never collapse into one slug.
 *
 * The same name always gives the same slug.
 */
export function slugFromRegistryName(name: string): string {
  const slash = name.indexOf('/');
  const namespace = slash >= 0 ? name.slice(0, slash) : '';
  const server = clean(slash >= 0 ? name.slice(slash + 1) : name);
  const labels = namespace.toLowerCase().split('.').filter(Boolean);
  const ownerLabels = labels.length >= 3 && FORGES.has(labels[1]!) ? labels.slice(2) : labels.length > 1 ? labels.slice(1) : labels;
  const owner = clean(ownerLabels.join('-'));
  let slug = !owner ? server : server === owner || server.startsWith(`${owner}-`) ? server : server ? `${owner}-${server}` : owner;
  if (!slug) slug = 'server';
  return slug.length > MAX_SLUG ? withHash(slug, name) : slug;
}

/**
 * The slug to use when `slug` is already taken by a different listing: the same stem with six characters
 * of the SHA-256 of `identity` (the registry name and remote). Deterministic: the same server always
 * lands on the same alternative, whatever order the imports run in.
 */
export const disambiguatedSlug = (slug: string, identity: string): string => withHash(slug, identity);
