import { AppError, invalidInput } from '../shared/app-error.ts';
import { describeProblemsUnquoted, registryPageSchema } from './registry-format.ts';

export interface RegistryFetchOptions {
  /** Servers asked for per page (`limit`). */
  pageSize?: number;
  /** Pages read at most; a registry that keeps returning a cursor past this is cut off with a note. */
  maxPages?: number;
  /** Per request. */
  timeoutMs?: number;
  /** Per response body. */
  maxBytes?: number;
  /** How requests go out: the egress guard's fetch for a registry a person named. */
  fetch?: typeof globalThis.fetch;
}

export interface RegistryListing {
  /** Every entry of every page, in order, still unvalidated (each is checked on its own by the importer). */
  entries: Array<{ page: number; index: number; entry: unknown }>;
  pages: number;
  notes: string[];
}

const DEFAULTS: Required<RegistryFetchOptions> = { pageSize: 100, maxPages: 50, timeoutMs: 10_000, maxBytes: 5 * 1024 * 1024, fetch: (input, init) => globalThis.fetch(input, init) };

const registryError = (message: string, cause?: unknown) => new AppError(502, 'registry_error', message, { cause });

/** The registry's base URL, accepting a pasted `…/v0.1/servers` too. */
export function registryBase(input: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw invalidInput(`"${input}" is not a URL. Give the registry's base URL, e.g. https://registry.modelcontextprotocol.io.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidInput(`The registry URL must start with https:// or http://; got ${url.protocol}//.`);
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/v0(\.1)?(\/servers)?$/, '');
  url.search = '';
  url.hash = '';
  return url;
}

function pageUrl(base: URL, pageSize: number, cursor: string | undefined): URL {
  const url = new URL(base);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/v0.1/servers`;
  url.searchParams.set('limit', String(pageSize));
  if (cursor !== undefined) url.searchParams.set('cursor', cursor);
  return url;
}

async function readCapped(res: Response, maxBytes: number, what: string): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw registryError(`${what} announced ${declared} bytes, more than the ${maxBytes} allowed for one page; ask for smaller pages or check the URL.`);
  }
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw registryError(`${what} is larger than the ${maxBytes} bytes allowed for one page; ask for smaller pages or check the URL.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function getPage(url: URL, options: Required<RegistryFetchOptions>): Promise<unknown> {
  const what = `The registry's answer to GET ${url.href}`;
  let res: Response;
  try {
    // For a registry a person named, `options.fetch` is the egress guard's: addresses checked and pinned.
    res = await options.fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(options.timeoutMs), redirect: 'manual' });
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw registryError(`The registry at ${url.origin} did not answer GET ${url.pathname} within ${options.timeoutMs / 1000} s; try again later or check the URL.`, err);
    }
    const reason = ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
    throw registryError(`Couldn't reach the registry at ${url.origin} (${reason}); check the URL and that it is reachable from this server.`, err);
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    // Not followed: a redirect could lead anywhere, including addresses the first URL was checked against.
    throw registryError(`The registry at ${url.origin} redirected GET ${url.pathname} to ${res.headers.get('location') ?? 'another address'}; give the final registry URL instead.`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw registryError(`The registry at ${url.origin} answered ${res.status} to GET ${url.pathname}${url.search}; check that the URL is the registry's base URL (the part before /v0.1/servers).`);
  }
  const text = await readCapped(res, options.maxBytes, what);
  try {
    return JSON.parse(text);
  } catch {
    throw registryError(`${what} is not JSON; check that the URL is an MCP Registry.`);
  }
}

/**
 * Reads `GET <base>/v0.1/servers?limit=…&cursor=…`, following `metadata.nextCursor` until it is absent
 * or empty, at most `maxPages` pages. An answer that is not a server list fails with the field at fault.
 */
export async function fetchRegistry(baseUrl: string, opts: RegistryFetchOptions = {}): Promise<RegistryListing> {
  const options = { ...DEFAULTS, ...opts };
  const base = registryBase(baseUrl);
  const listing: RegistryListing = { entries: [], pages: 0, notes: [] };
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const url = pageUrl(base, options.pageSize, cursor);
    const body = await getPage(url, options);
    const page = registryPageSchema.safeParse(body);
    if (!page.success) {
      throw registryError(`The registry's answer to GET ${url.pathname}${url.search} is not an MCP Registry server list: ${describeProblemsUnquoted(page.error).join('; ')}.`);
    }
    listing.pages++;
    page.data.servers.forEach((entry, index) => listing.entries.push({ page: listing.pages, index, entry }));
    const next = page.data.metadata?.nextCursor;
    if (next === undefined || next === null || next === '') break;
    if (seen.has(next)) {
      listing.notes.push(`The registry returned the cursor "${next}" twice; stopped there to avoid a loop.`);
      break;
    }
    if (listing.pages >= options.maxPages) {
      listing.notes.push(`Stopped after ${options.maxPages} pages (${listing.entries.length} entries) although the registry has more; one import reads at most ${options.maxPages} pages.`);
      break;
    }
    seen.add(next);
    cursor = next;
  }
  return listing;
}
