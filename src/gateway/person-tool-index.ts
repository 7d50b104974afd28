import { HybridToolIndex, ToolIndex, type Embedder, type LexicalOnlyReason, type SearchableTool } from '../toolsearch/index.ts';
import type { Caller, GatewayTool, GatewayToolList } from './core.ts';

/** A connector's name and description, for the index (from its directory listing). */
export type DescribeConnector = (slug: string) => Promise<{ name: string; description?: string | undefined } | undefined>;

interface Entry {
  /** Hybrid when an embedding model is configured, lexical otherwise. */
  index: ToolIndex | HybridToolIndex;
  /** The list the index was last brought up to date with. */
  list: GatewayToolList | undefined;
  /** What each indexed connector's tools were, to tell which connectors changed. */
  byConnector: Map<string, GatewayTool[]>;
  /** Updates run one after another, so an older list never overwrites a newer one. */
  pending: Promise<void>;
}

export interface ToolSearchHit {
  tool: GatewayTool;
  score: number;
}

export interface ToolSearchResult {
  hits: ToolSearchHit[];
  /**
   * `hybrid` when the embedding model took part; `lexical` without one configured, or when it could not (see
   * `lexicalOnly`: an empty query, tool vectors not ready yet, or the model failing).
   */
  ranking: 'hybrid' | 'lexical';
  lexicalOnly?: LexicalOnlyReason | 'not-configured' | undefined;
}

export interface PersonSearchOptions {
  limit: number;
  regex?: string | undefined;
  /** Narrows further (e.g. the chat's tools still deferred); the list in hand always narrows. */
  filter?: ((name: string) => boolean) | undefined;
}

/**
 * One search index per (person, organization), fed only with the tools `GatewayCore.listTools` gives that person
 * — blocked tools never enter, and nobody else's tools do — so a search returns nothing the person could not
 * call. Kept up to date incrementally: when the person's list changes, only connectors whose tools changed are
 * indexed again, and connectors that vanished are removed. At most `max` people's indexes are kept (least
 * recently used go first). With an `embedder` (the operator's embedding model), each index is hybrid
 * (src/toolsearch/hybrid.ts): one embedder and its vector cache serve every person, so tools of the same
 * connectors are embedded once per node.
 */
export class PersonToolIndex {
  readonly #entries = new Map<string, Entry>();
  readonly #describe: DescribeConnector;
  readonly #max: number;
  readonly #embedder: Embedder | undefined;

  constructor(options: { describe: DescribeConnector; max?: number; embedder?: Embedder | undefined }) {
    this.#describe = options.describe;
    this.#max = options.max ?? 1_000;
    this.#embedder = options.embedder;
  }

  /** Whether searches are hybrid (an embedding model is configured). */
  get hybrid(): boolean {
    return this.#embedder !== undefined;
  }

  /** Tools of `list` (the caller's own) that fit the query, best first. */
  async search(caller: Caller, list: GatewayToolList, query: string, options: PersonSearchOptions): Promise<ToolSearchHit[]> {
    return (await this.searchRanked(caller, list, query, options)).hits;
  }

  /** The same, saying whether the embedding model took part. */
  async searchRanked(caller: Caller, list: GatewayToolList, query: string, options: PersonSearchOptions): Promise<ToolSearchResult> {
    const entry = this.#entry(caller);
    entry.pending = entry.pending.then(() => this.#sync(entry, list)).catch(() => {});
    await entry.pending;
    // Only what the list in hand holds: a concurrent update for a newer list cannot leak in a tool this one lacks.
    const narrow = options.filter;
    const filter = narrow ? (key: string) => list.byName.has(key) && narrow(key) : (key: string) => list.byName.has(key);
    const searchOptions = { limit: options.limit, regex: options.regex, filter };
    const toHits = (hits: Array<{ key: string; score: number }>) =>
      hits.flatMap((hit) => {
        const tool = list.byName.get(hit.key);
        return tool ? [{ tool, score: hit.score }] : [];
      });
    if (entry.index instanceof HybridToolIndex) {
      const ranked = await entry.index.searchRanked(query, searchOptions);
      return { hits: toHits(ranked.hits), ranking: ranked.ranking, lexicalOnly: ranked.lexicalOnly };
    }
    return { hits: toHits(entry.index.search(query, searchOptions)), ranking: 'lexical', lexicalOnly: 'not-configured' };
  }

  /** Number of people whose index is kept (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  #entry(caller: Caller): Entry {
    const key = `${caller.userId}\n${caller.orgId ?? ''}`;
    let entry = this.#entries.get(key);
    if (entry) {
      // Most recently used last: the first key is the one to evict.
      this.#entries.delete(key);
    } else {
      const index = this.#embedder ? new HybridToolIndex({ embedder: this.#embedder }) : new ToolIndex();
      entry = { index, list: undefined, byConnector: new Map(), pending: Promise.resolve() };
      if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, entry);
    return entry;
  }

  async #sync(entry: Entry, list: GatewayToolList): Promise<void> {
    if (entry.list === list) return;
    const grouped = new Map<string, GatewayTool[]>();
    for (const tool of list.tools) {
      const tools = grouped.get(tool.connector);
      if (tools) tools.push(tool);
      else grouped.set(tool.connector, [tool]);
    }
    const changed = [...grouped].filter(([slug, tools]) => !sameTools(entry.byConnector.get(slug), tools));
    const described = await Promise.all(changed.map(async ([slug]) => (await this.#describe(slug).catch(() => undefined)) ?? { name: slug }));
    changed.forEach(([slug, tools], i) => {
      const about = described[i]!;
      entry.index.upsertServer({ name: slug, title: about.name, description: about.description }, tools.map(searchable));
      entry.byConnector.set(slug, tools);
    });
    for (const slug of [...entry.byConnector.keys()]) {
      if (grouped.has(slug)) continue;
      entry.index.removeServer(slug);
      entry.byConnector.delete(slug);
    }
    entry.list = list;
  }
}

/**
 * Whether a connector's tools are the same for the index: names, titles, descriptions and schemas. The core
 * rebuilds its tool objects whenever any input of the person's list changes, but an unchanged connector's
 * schema objects are the very ones it had, so comparing them by identity is exact and cheap.
 */
function sameTools(before: GatewayTool[] | undefined, now: GatewayTool[]): boolean {
  if (!before || before.length !== now.length) return false;
  return before.every((b, i) => {
    const n = now[i]!;
    return b.name === n.name && b.tool.title === n.tool.title && b.tool.description === n.tool.description && b.tool.inputSchema === n.tool.inputSchema;
  });
}

function searchable(tool: GatewayTool): SearchableTool {
  return { key: tool.name, name: tool.originalName, title: tool.tool.title ?? tool.tool.annotations?.title, description: tool.tool.description, inputSchema: tool.tool.inputSchema };
}
