import { createHash } from 'node:crypto';
import type { EmbeddingModel } from 'ai';
import { ToolIndex } from './tool-index.ts';
import type { SearchableServer, SearchableTool, SearchOptions, ToolHit } from './types.ts';

/**
 * Hybrid tool search: the lexical ranking of `ToolIndex` fused with the cosine similarity of embeddings from an
 * operator-configured embedding model (any AI SDK embedding model), so "my k8s pods" can find a tool that
 * "scales workloads in a container cluster". Docs: docs/tool-search.md ("Hybrid with an embedding model").
 *
 * Why reciprocal rank fusion: the two rankings' scores are on unrelated scales. BM25F scores are unbounded and
 * depend on the query (its length, the rarity of its words, query expansion, the connector bonus); cosine
 * similarities are bounded but model-specific and compressed (one model's related and unrelated tools differ by
 * 0.1, another's by 0.4). Adding or weighting them would need calibrating per model and per catalogue. RRF uses
 * only each list's ranks, `Σ 1 / (k + rank)`, with no tuning (Cormack, Clarke & Büttcher, SIGIR 2009; k = 60 is
 * their value: it keeps a first place from drowning out agreement further down both lists).
 */
export const RRF_K = 60;
/** Both lists are fused to this depth at least (more when a search asks for more results). */
export const FUSION_DEPTH = 50;
/** Longest text embedded per tool: a tool is found by what it does, which its first paragraph says. */
export const MAX_EMBEDDING_TEXT = 2_000;

// The AI SDK is loaded on first use: without an embedding model configured, the server never pays for it.
let aiSdk: Promise<typeof import('ai')> | undefined;
const loadAiSdk = () => (aiSdk ??= import('ai'));

/** What a tool is embedded as: its name in words, title, description, and its connector's name and description. */
export function embeddingText(server: SearchableServer, tool: SearchableTool): string {
  const name = nameWords(tool.name);
  const head = tool.title && tool.title.toLowerCase() !== name.toLowerCase() ? `${name}: ${tool.title}` : name;
  const connector = [server.title || server.name, server.description].filter(Boolean).join(': ');
  const tail = `\nConnector: ${connector}`.slice(0, 400);
  const description = (tool.description ?? '').trim();
  const room = MAX_EMBEDDING_TEXT - head.length - tail.length - 2;
  const body = description.length > room ? description.slice(0, Math.max(0, room)).replace(/\s+\S*$/, '') : description;
  return `${head}${body ? `. ${body}` : ''}${tail}`.slice(0, MAX_EMBEDDING_TEXT);
}

/** `create_issue`, `createIssue`, `create-issue` → "create issue". */
function nameWords(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/[_\-.:/\s]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** A problem with the embedding model, as reported to the operator (at most once per `errorIntervalMs`). */
export interface EmbeddingProblem {
  /** A sentence for the log: what failed, what search does meanwhile, and what to check. */
  message: string;
  /** What was being embedded. */
  what: 'tools' | 'query';
  /** The provider and model, e.g. `openai.embedding/text-embedding-3-small`. */
  model: string;
  /** HTTP status of the provider's answer, when there was one. */
  status?: number | undefined;
  /** Failures not reported since the last report. */
  suppressed: number;
}

export interface EmbedderOptions {
  model: EmbeddingModel;
  /** Passed to the provider (models such as text-embedding-3 can shorten their vectors). */
  dimensions?: number | undefined;
  /** Tool vectors kept in memory for reuse across indexes (least recently used go first). Default 5,000. */
  maxVectors?: number | undefined;
  /** Query vectors kept (recent queries are often repeated). Default 500. */
  maxQueries?: number | undefined;
  /** Texts per embedding request. Default 64. */
  batchSize?: number | undefined;
  /** Requests of tool texts under way at once, across every index (queries do not wait for these). Default 2. */
  concurrency?: number | undefined;
  /** A search waits this long for its query's vector, then ranks lexically. Default 5,000 ms. */
  queryTimeoutMs?: number | undefined;
  /** One batch of tool texts may take this long. Default 60,000 ms. */
  batchTimeoutMs?: number | undefined;
  /** After a failure, the model is left alone this long: searches are lexical meanwhile. Default 30,000 ms. */
  retryAfterMs?: number | undefined;
  /** At most one report per this many ms. Default 60,000. */
  errorIntervalMs?: number | undefined;
  /** Told about failures (throttled); never given the API key. */
  onError?: ((problem: EmbeddingProblem) => void) | undefined;
  /** Strings never to repeat in a report (the API key, should a provider echo it). */
  secrets?: readonly string[] | undefined;
  /** Retries of the AI SDK for one batch of tool texts (queries are not retried: a search does not wait). Default 2. */
  maxRetries?: number | undefined;
  now?: (() => number) | undefined;
}

/** A small least-recently-used map. */
class Lru<V> {
  readonly #map = new Map<string, V>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = Math.max(1, max);
  }
  get(key: string): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }
  get size(): number {
    return this.#map.size;
  }
}

/** The key a text's vector is kept under. */
function textKey(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * One embedding model and its caches, shared by every hybrid index of a node: tools many people have (the same
 * connectors) are embedded once, and a text being embedded for one index is awaited, not requested again, by
 * another. Failures never escape to a search: they make the model rest for `retryAfterMs` (searches rank
 * lexically meanwhile) and are reported at most once per `errorIntervalMs`.
 */
export class Embedder {
  readonly #model: EmbeddingModel;
  readonly #dimensions: number | undefined;
  readonly #vectors: Lru<Float32Array>;
  readonly #queries: Lru<Float32Array>;
  readonly #inflight = new Map<string, Promise<Float32Array>>();
  readonly #batchSize: number;
  readonly #concurrency: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #queryTimeoutMs: number;
  readonly #batchTimeoutMs: number;
  readonly #retryAfterMs: number;
  readonly #errorIntervalMs: number;
  readonly #maxRetries: number;
  readonly #onError: ((problem: EmbeddingProblem) => void) | undefined;
  readonly #secrets: readonly string[];
  readonly #now: () => number;
  #restUntil = 0;
  #lastReport = -Infinity;
  #suppressed = 0;

  constructor(options: EmbedderOptions) {
    this.#model = options.model;
    this.#dimensions = options.dimensions;
    this.#vectors = new Lru(options.maxVectors ?? 5_000);
    this.#queries = new Lru(options.maxQueries ?? 500);
    this.#batchSize = Math.max(1, options.batchSize ?? 64);
    this.#concurrency = Math.max(1, options.concurrency ?? 2);
    this.#queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
    this.#batchTimeoutMs = options.batchTimeoutMs ?? 60_000;
    this.#retryAfterMs = options.retryAfterMs ?? 30_000;
    this.#errorIntervalMs = options.errorIntervalMs ?? 60_000;
    this.#maxRetries = options.maxRetries ?? 2;
    this.#onError = options.onError;
    this.#secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
    this.#now = options.now ?? Date.now;
  }

  /** `provider/modelId` of the model (for logs). */
  get modelName(): string {
    const m = this.#model;
    return typeof m === 'string' ? m : `${m.provider}/${m.modelId}`;
  }

  /** False while the model rests after a failure. */
  get available(): boolean {
    return this.#now() >= this.#restUntil;
  }

  /** A tool text's vector if it is in memory (no request). */
  cached(key: string): Float32Array | undefined {
    return this.#vectors.get(key);
  }

  /**
   * Vectors of tool texts, given by their `textKey`, in order: from memory, from a request another index already
   * made, or requested in batches. Rejects when the model fails or rests (the caller keeps those tools lexical and
   * tries again later).
   */
  async vectors(texts: ReadonlyMap<string, string>): Promise<Float32Array[]> {
    if (!this.available) throw new Error('the embedding model is resting after a failure');
    const keys = [...texts.keys()];
    const known = keys.map((key) => this.#vectors.get(key) ?? this.#inflight.get(key));
    const missing = new Map<string, string>();
    keys.forEach((key, i) => {
      if (!known[i]) missing.set(key, texts.get(key)!);
    });
    // Batches one after another (gentle on the provider); a failed batch fails the rest: the model is down.
    let previous: Promise<unknown> = Promise.resolve();
    const entries = [...missing];
    for (let i = 0; i < entries.length; i += this.#batchSize) {
      const chunk = entries.slice(i, i + this.#batchSize);
      const batch = previous.then(() => this.#embedBatch(chunk.map(([, text]) => text)));
      previous = batch;
      chunk.forEach(([key], j) => {
        const one = batch.then((vectors) => {
          const v = vectors[j]!;
          this.#vectors.set(key, v);
          return v;
        });
        this.#inflight.set(key, one);
        const done = () => {
          if (this.#inflight.get(key) === one) this.#inflight.delete(key);
        };
        one.then(done, done);
      });
    }
    return Promise.all(known.map((k, i) => k ?? this.#inflight.get(keys[i]!)!));
  }

  /** The query's vector, or undefined when the model rests or fails (the search then ranks lexically). */
  async query(text: string): Promise<Float32Array | undefined> {
    const q = text.trim();
    const known = this.#queries.get(q);
    if (known) return known;
    if (!this.available) return undefined;
    try {
      const { embed } = await loadAiSdk();
      const { embedding } = await embed({
        model: this.#model,
        value: q,
        ...(this.#dimensions ? { dimensions: this.#dimensions } : {}),
        maxRetries: 0,
        abortSignal: AbortSignal.timeout(this.#queryTimeoutMs),
      });
      const v = unit(embedding);
      this.#queries.set(q, v);
      return v;
    } catch (err) {
      this.#failed('query', err);
      return undefined;
    }
  }

  async #embedBatch(values: string[]): Promise<Float32Array[]> {
    // Many people connecting at once must not mean as many requests at once.
    if (this.#active >= this.#concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    try {
      return await this.#requestBatch(values);
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }

  async #requestBatch(values: string[]): Promise<Float32Array[]> {
    if (!this.available) throw new Error('the embedding model is resting after a failure');
    try {
      const { embedMany } = await loadAiSdk();
      const { embeddings } = await embedMany({
        model: this.#model,
        values,
        ...(this.#dimensions ? { dimensions: this.#dimensions } : {}),
        maxRetries: this.#maxRetries,
        abortSignal: AbortSignal.timeout(this.#batchTimeoutMs),
      });
      if (embeddings.length !== values.length) throw new Error(`the provider returned ${embeddings.length} vectors for ${values.length} texts`);
      return embeddings.map(unit);
    } catch (err) {
      this.#failed('tools', err);
      throw err;
    }
  }

  #failed(what: 'tools' | 'query', err: unknown): void {
    const now = this.#now();
    this.#restUntil = now + this.#retryAfterMs;
    if (!this.#onError) return;
    if (now - this.#lastReport < this.#errorIntervalMs) {
      this.#suppressed++;
      return;
    }
    const status = statusOf(err);
    const reason = this.#scrub(reasonOf(err));
    const problem: EmbeddingProblem = {
      message:
        `Tool search could not embed ${what === 'tools' ? 'tool descriptions' : 'a search query'} with ${this.modelName}: ${reason}. ` +
        `Searches rank lexically (words only) until the model answers again; it is tried again in ${Math.round(this.#retryAfterMs / 1000)} s. ` +
        `Check that the embedding service is up and that toolSearch.embedding (provider, model, baseUrl, API key) is right (docs/tool-search.md).`,
      what,
      model: this.modelName,
      status,
      suppressed: this.#suppressed,
    };
    this.#lastReport = now;
    this.#suppressed = 0;
    try {
      this.#onError(problem);
    } catch {
      // A reporter's own failure must not reach a search.
    }
  }

  #scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('[redacted]');
    return out;
  }
}

/** The HTTP status of the provider's answer: on the SDK's APICallError, or the last one a RetryError wraps. */
function statusOf(err: unknown): number | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const status = (e as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') return status;
    e = (e as { lastError?: unknown; cause?: unknown }).lastError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function reasonOf(err: unknown): string {
  const status = statusOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message})` : '';
  const text = `${status ? `HTTP ${status}: ` : ''}${message}${cause}`.replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** The vector scaled to length 1, so cosine similarity is a dot product. */
function unit(values: readonly number[]): Float32Array {
  let norm = 0;
  for (const x of values) norm += x * x;
  norm = Math.sqrt(norm);
  const v = new Float32Array(values.length);
  if (norm > 0) for (let i = 0; i < values.length; i++) v[i] = values[i]! / norm;
  return v;
}

interface ToolEntry {
  key: string;
  server: string;
  tool: string;
  /** Name, title and description, each tested on its own by a regex (as the lexical index does). */
  texts: [string, string, string];
  text: string;
  hash: string;
  vector: Float32Array | undefined;
}

/** Why a search ranked lexically only. */
export type LexicalOnlyReason = 'no-query' | 'not-ready' | 'unavailable';

export interface HybridSearchResult {
  hits: ToolHit[];
  /** `hybrid` when embeddings took part in the ranking. */
  ranking: 'hybrid' | 'lexical';
  /** Why not, when `ranking` is `lexical`: an empty query (a regex alone), no tool vector yet, or the model failed. */
  lexicalOnly?: LexicalOnlyReason | undefined;
  /** Tools still waiting for their vectors (found by words only meanwhile). */
  pending: number;
}

export interface HybridOptions {
  embedder: Embedder;
  /** The lexical index to wrap (a new one by default). */
  lexical?: ToolIndex | undefined;
  /** Tools below this cosine similarity are left out of the embedding list (default 0: only unrelated or opposite ones). */
  minSimilarity?: number | undefined;
}

/**
 * A `ToolIndex` with embeddings: the same incremental API (upsertServer, removeServer), forwarded to the lexical
 * index at once; tools whose text is new or changed are embedded in the background, in batches, and reused from
 * the embedder's cache when another index already has them. `search` fuses the lexical ranking with the cosine
 * ranking by reciprocal rank fusion. Until a tool's vector is ready, and whenever the model fails, the tool is
 * found by words only, and a search never fails because of the model.
 */
export class HybridToolIndex {
  readonly lexical: ToolIndex;
  readonly #embedder: Embedder;
  readonly #minSimilarity: number;
  readonly #tools = new Map<string, ToolEntry>();
  readonly #byServer = new Map<string, string[]>();
  #work: Promise<void> | undefined;

  constructor(options: HybridOptions) {
    this.#embedder = options.embedder;
    this.lexical = options.lexical ?? new ToolIndex();
    this.#minSimilarity = options.minSimilarity ?? 0;
  }

  /** Adds or replaces a server with all its tools; tools whose embedding text did not change keep their vectors. */
  upsertServer(server: SearchableServer, tools: SearchableTool[]): void {
    this.lexical.upsertServer(server, tools);
    const before = new Map<string, ToolEntry>();
    for (const key of this.#byServer.get(server.name) ?? []) {
      const entry = this.#tools.get(key);
      if (entry) before.set(key, entry);
    }
    this.#drop(server.name);
    const keys: string[] = [];
    for (const tool of tools) {
      const text = embeddingText(server, tool);
      const hash = textKey(text);
      const old = before.get(tool.key);
      const vector = old?.hash === hash && old.vector ? old.vector : this.#embedder.cached(hash);
      this.#tools.set(tool.key, { key: tool.key, server: server.name, tool: tool.name, texts: [tool.name, tool.title ?? '', tool.description ?? ''], text, hash, vector });
      keys.push(tool.key);
    }
    this.#byServer.set(server.name, keys);
    this.#embedLater();
  }

  removeServer(name: string): void {
    this.lexical.removeServer(name);
    this.#drop(name);
  }

  hasServer(name: string): boolean {
    return this.lexical.hasServer(name);
  }

  /** Number of tools indexed. */
  get size(): number {
    return this.lexical.size;
  }

  /** Tools waiting for their vectors. */
  get pending(): number {
    let n = 0;
    for (const entry of this.#tools.values()) if (!entry.vector) n++;
    return n;
  }

  /**
   * Waits for the background embedding under way (if any); true when every tool has its vector. Does not start
   * anything while the model rests after a failure.
   */
  async ready(): Promise<boolean> {
    while (this.#work) await this.#work;
    return this.pending === 0;
  }

  /** Best tools first, as `ToolIndex.search` (hits keep its shape; their score is the fused one when hybrid). */
  async search(query: string, options: SearchOptions = {}): Promise<ToolHit[]> {
    return (await this.searchRanked(query, options)).hits;
  }

  /** The hits, and whether embeddings took part (and why not). */
  async searchRanked(query: string, options: SearchOptions = {}): Promise<HybridSearchResult> {
    const limit = Math.max(1, options.limit ?? 10);
    if (!query.trim()) return { hits: this.lexical.search(query, options), ranking: 'lexical', lexicalOnly: 'no-query', pending: this.pending };
    const depth = Math.max(FUSION_DEPTH, limit);
    const lexical = this.lexical.search(query, { ...options, limit: depth });
    const pending = this.pending;
    // Tools left waiting by a failure are tried again once the model has rested.
    if (pending > 0) this.#embedLater();
    const lexicalOnly = (why: LexicalOnlyReason): HybridSearchResult => ({ hits: lexical.slice(0, limit), ranking: 'lexical', lexicalOnly: why, pending });
    if (pending === this.#tools.size) return lexicalOnly(this.#embedder.available ? 'not-ready' : 'unavailable');
    const q = await this.#embedder.query(query);
    if (!q) return lexicalOnly('unavailable');

    const regex = options.regex ? new RegExp(options.regex, 'i') : undefined;
    const semantic: Array<{ entry: ToolEntry; similarity: number }> = [];
    for (const entry of this.#tools.values()) {
      const v = entry.vector;
      if (!v || v.length !== q.length) continue;
      if (options.filter && !options.filter(entry.key)) continue;
      if (regex && !entry.texts.some((t) => regex.test(t))) continue;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * q[i]!;
      if (dot > this.#minSimilarity) semantic.push({ entry, similarity: dot });
    }
    semantic.sort((a, b) => b.similarity - a.similarity || (a.entry.key < b.entry.key ? -1 : 1));
    semantic.length = Math.min(semantic.length, depth);

    const fused = new Map<string, { hit: ToolHit; score: number; lexicalRank: number; semanticRank: number }>();
    lexical.forEach((hit, i) => fused.set(hit.key, { hit, score: 1 / (RRF_K + i + 1), lexicalRank: i, semanticRank: Infinity }));
    semantic.forEach(({ entry }, i) => {
      const part = 1 / (RRF_K + i + 1);
      const known = fused.get(entry.key);
      if (known) {
        known.score += part;
        known.semanticRank = i;
      } else fused.set(entry.key, { hit: { key: entry.key, server: entry.server, tool: entry.tool, score: 0 }, score: part, lexicalRank: Infinity, semanticRank: i });
    });
    // Ties (a tool first in one list and absent from the other, say): the lexical list's order wins.
    const ranked = [...fused.values()].sort((a, b) => b.score - a.score || a.lexicalRank - b.lexicalRank || a.semanticRank - b.semanticRank);
    const hits = ranked.slice(0, limit).map(({ hit, score }) => ({ key: hit.key, server: hit.server, tool: hit.tool, score: Math.round(score * 1e6) / 1e6 }));
    return { hits, ranking: 'hybrid', pending };
  }

  #drop(server: string): void {
    for (const key of this.#byServer.get(server) ?? []) {
      const entry = this.#tools.get(key);
      if (entry?.server === server) this.#tools.delete(key);
    }
    this.#byServer.delete(server);
  }

  /** Starts embedding the waiting tools in the background (after the current synchronous updates), once. */
  #embedLater(): void {
    if (this.#work || !this.#embedder.available) return;
    const work = Promise.resolve()
      .then(() => this.#embedPending())
      .catch(() => {
        // Reported (throttled) by the embedder; the tools stay lexical until a later search tries again.
      })
      .finally(() => {
        if (this.#work !== work) return;
        this.#work = undefined;
        // Tools added while the last batch was answered (after the loop looked) are not left waiting.
        if (this.pending > 0) this.#embedLater();
      });
    this.#work = work;
  }

  async #embedPending(): Promise<void> {
    for (;;) {
      const waiting = new Map<string, string>();
      for (const e of this.#tools.values()) if (!e.vector) waiting.set(e.hash, e.text);
      if (waiting.size === 0 || !this.#embedder.available) return;
      const vectors = await this.#embedder.vectors(waiting);
      const byHash = new Map([...waiting.keys()].map((hash, i) => [hash, vectors[i]!]));
      // Tools replaced meanwhile have another hash (or are gone): only the ones still waiting take a vector.
      for (const entry of this.#tools.values()) entry.vector ??= byHash.get(entry.hash);
    }
  }
}
