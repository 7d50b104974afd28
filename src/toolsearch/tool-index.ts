import { fieldTexts, FIELD_COUNT, nameText } from './fields.ts';
import { DEFAULT_EXPANSION, expandQuery, type ExpansionOptions, type WeightedTerm } from './query.ts';
import { terms, words } from './text.ts';
import { TypoMatcher } from './typos.ts';
import type { SearchableServer, SearchableTool, SearchOptions, ServerHit, ToolHit } from './types.ts';

/**
 * Ranking parameters. BM25F: a term's frequency in each field is length-normalized and weighted first,
 * then saturated once (Robertson & Zaragoza), so a word in a tool's name and again in its description
 * counts more than either alone, but not twice as much. The tool's own score is then fused with its
 * server's score, because a request usually names a service ("in my calendar") more than an operation.
 */
export interface RankingParams {
  k1: number;
  /** Field weights: name, title, description, parameters, server. */
  weights: readonly number[];
  /** Length normalization per field. */
  b: readonly number[];
  /** Weight of the server-level score added to each tool's score. */
  serverWeight: number;
  /** How a query brings in related words (query.ts). */
  expansion: ExpansionOptions;
}

export const DEFAULT_PARAMS: RankingParams = {
  k1: 1.2,
  weights: [3, 2, 1, 0.4, 0.6],
  b: [0.3, 0.3, 0.75, 0.75, 0.75],
  serverWeight: 0.5,
  expansion: DEFAULT_EXPANSION,
};

interface ToolDoc {
  key: string;
  server: string;
  tool: string;
  /** Term → frequency per field. */
  tf: Map<string, Float64Array>;
  len: Float64Array;
  /** Name, title and description, each tested on its own by a regex (so `^…$` anchors a whole name). */
  texts: string[];
  /** The words of its texts, unstemmed, for typo matching. */
  words: string[];
}

interface Posting {
  term: string;
  slots: number[];
  /** Each slot's BM25F part for this term, valid while `version` is the index's. */
  impacts: Float64Array | undefined;
  version: number;
}

interface ServerDoc {
  name: string;
  /** A small integer, so per-query server scores live in a typed array. */
  id: number;
  tf: Map<string, number>;
  len: number;
  slots: number[];
}

export class ToolIndex {
  readonly #params: RankingParams;
  readonly #slots: Array<ToolDoc | undefined> = [];
  readonly #free: number[] = [];
  readonly #postings = new Map<string, Posting>();
  /** Bumped on every change: postings' cached impacts from an older version are recomputed when used. */
  #version = 0;
  readonly #lenSum = new Float64Array(FIELD_COUNT);
  #count = 0;
  readonly #servers = new Map<string, ServerDoc>();
  readonly #serverPostings = new Map<string, ServerDoc[]>();
  readonly #freeServerIds: number[] = [];
  #nextServerId = 0;
  #serverScores = new Float64Array(0);
  #serverLenSum = 0;
  #scores = new Float64Array(0);
  /** Each slot's server id. */
  readonly #slotServer: number[] = [];
  readonly #typos = new TypoMatcher();

  constructor(params: Partial<RankingParams> = {}) {
    this.#params = { ...DEFAULT_PARAMS, ...params, expansion: { ...DEFAULT_PARAMS.expansion, ...params.expansion } };
  }

  /** Adds or replaces a server with all its tools; other servers are untouched (incremental updates). */
  upsertServer(server: SearchableServer, tools: SearchableTool[]): void {
    this.removeServer(server.name);
    const serverTerms = terms([nameText(server.name), server.title, server.description].filter(Boolean).join(' '));
    const slots: number[] = [];
    const id = this.#freeServerIds.pop() ?? this.#nextServerId++;
    for (const tool of tools) slots.push(this.#addTool(server.name, id, serverTerms, tool));
    const tf = new Map<string, number>();
    const serverText = [nameText(server.name), server.title, server.description, ...tools.map((t) => `${t.name} ${t.title ?? ''}`)].filter(Boolean).join(' ');
    const all = terms(serverText);
    for (const t of all) tf.set(t, (tf.get(t) ?? 0) + 1);
    const doc: ServerDoc = { name: server.name, id, tf, len: all.length, slots };
    for (const t of tf.keys()) {
      const list = this.#serverPostings.get(t);
      if (list) list.push(doc);
      else this.#serverPostings.set(t, [doc]);
    }
    this.#servers.set(server.name, doc);
    this.#serverLenSum += all.length;
  }

  removeServer(name: string): void {
    const doc = this.#servers.get(name);
    if (!doc) return;
    for (const slot of doc.slots) this.#removeTool(slot);
    for (const t of doc.tf.keys()) {
      const list = this.#serverPostings.get(t)!;
      list.splice(list.indexOf(doc), 1);
      if (list.length === 0) this.#serverPostings.delete(t);
    }
    this.#serverLenSum -= doc.len;
    this.#servers.delete(name);
    this.#freeServerIds.push(doc.id);
  }

  hasServer(name: string): boolean {
    return this.#servers.has(name);
  }

  /** Number of tools indexed. */
  get size(): number {
    return this.#count;
  }

  /** Index words one edit away from an unknown word (query expansion's typo tolerance). */
  nearWords(word: string): string[] {
    return this.#typos.near(word);
  }

  /** The index vocabulary's document frequency of a term (0 when unknown): used by query expansion. */
  documentFrequency(term: string): number {
    return this.#postings.get(term)?.slots.length ?? 0;
  }

  search(query: string, options: SearchOptions = {}): ToolHit[] {
    const limit = Math.max(1, options.limit ?? 10);
    let regex: RegExp | undefined;
    if (options.regex) regex = new RegExp(options.regex, 'i');
    const keep = (doc: ToolDoc) => (!options.filter || options.filter(doc.key)) && (!regex || doc.texts.some((t) => regex.test(t)));
    const qterms = expandQuery(query, this, this.#params.expansion);
    if (qterms.length === 0) {
      // A regex alone selects; catalogue order.
      if (!regex) return [];
      const hits: ToolHit[] = [];
      for (const doc of this.#slots) if (doc && keep(doc)) if (hits.push({ key: doc.key, server: doc.server, tool: doc.tool, score: 1 }) >= limit) break;
      return hits;
    }
    const { scores, touched } = this.#scoresFor(qterms);
    const top = topK(touched, scores, limit, (slot) => keep(this.#slots[slot]!));
    const hits = top.map((slot) => {
      const d = this.#slots[slot]!;
      return { key: d.key, server: d.server, tool: d.tool, score: round(scores[slot]!) };
    });
    for (const slot of touched) scores[slot] = 0;
    return hits;
  }

  /** Servers ranked by how well their tools and descriptions fit the query (a server's best tool). */
  rankServers(query: string, limit = 10): ServerHit[] {
    const qterms = expandQuery(query, this, this.#params.expansion);
    if (qterms.length === 0) return [];
    const { scores, touched } = this.#scoresFor(qterms);
    const bestOf = new Map<string, number>();
    for (const slot of touched) {
      const server = this.#slots[slot]!.server;
      bestOf.set(server, Math.max(bestOf.get(server) ?? 0, scores[slot]!));
      scores[slot] = 0;
    }
    const best = [...bestOf].map(([server, score]) => ({ server, score: round(score) }));
    return best.sort((a, b) => b.score - a.score || a.server.localeCompare(b.server)).slice(0, limit);
  }

  /**
   * Scores of the tools the query touches. A posting's BM25F part (its fields' weighted, normalized
   * frequencies, saturated) depends only on the document and the average field lengths, so it is kept
   * with the posting and recomputed only for terms a query uses after the index changed: a query then
   * costs one multiply-add per posting.
   */
  #scoresFor(qterms: WeightedTerm[]): { scores: Float64Array; touched: number[] } {
    if (this.#scores.length < this.#slots.length) this.#scores = new Float64Array(Math.max(64, this.#slots.length * 2));
    const scores = this.#scores;
    const touched: number[] = [];
    const n = this.#count;
    for (const { term, weight } of qterms) {
      const posting = this.#postings.get(term);
      if (!posting) continue;
      const impacts = this.#impacts(posting);
      const idf = Math.log(1 + (n - posting.slots.length + 0.5) / (posting.slots.length + 0.5));
      const factor = weight * idf;
      const slots = posting.slots;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        const s = scores[slot]!;
        if (s === 0) touched.push(slot);
        scores[slot] = s + factor * impacts[i]!;
      }
    }
    const { serverWeight, k1 } = this.#params;
    if (serverWeight > 0 && this.#servers.size > 1 && touched.length) {
      const ns = this.#servers.size;
      const avgS = this.#serverLenSum / ns || 1;
      if (this.#serverScores.length < this.#nextServerId) this.#serverScores = new Float64Array(Math.max(64, this.#nextServerId * 2));
      const serverScores = this.#serverScores;
      const scored: number[] = [];
      for (const { term, weight } of qterms) {
        const list = this.#serverPostings.get(term);
        if (!list) continue;
        const idf = Math.log(1 + (ns - list.length + 0.5) / (list.length + 0.5));
        for (const doc of list) {
          const tf = doc.tf.get(term)!;
          if (serverScores[doc.id] === 0) scored.push(doc.id);
          serverScores[doc.id]! += (weight * idf * tf * (k1 + 1)) / (tf + k1 * (1 - 0.75 + (0.75 * doc.len) / avgS));
        }
      }
      const slotServer = this.#slotServer;
      for (const slot of touched) scores[slot]! += serverWeight * serverScores[slotServer[slot]!]!;
      for (const id of scored) serverScores[id] = 0;
    }
    return { scores, touched };
  }

  #impacts(posting: Posting): Float64Array {
    if (posting.version === this.#version && posting.impacts) return posting.impacts;
    const { k1, weights, b } = this.#params;
    const n = Math.max(this.#count, 1);
    const avg = Array.from(this.#lenSum, (sum) => sum / n || 1);
    const impacts = new Float64Array(posting.slots.length);
    for (let i = 0; i < posting.slots.length; i++) {
      const doc = this.#slots[posting.slots[i]!]!;
      const tf = doc.tf.get(posting.term)!;
      let w = 0;
      for (let f = 0; f < FIELD_COUNT; f++) if (tf[f]) w += (weights[f]! * tf[f]!) / (1 - b[f]! + (b[f]! * doc.len[f]!) / avg[f]!);
      impacts[i] = w / (k1 + w);
    }
    posting.impacts = impacts;
    posting.version = this.#version;
    return impacts;
  }

  #addTool(server: string, serverId: number, serverTerms: string[], tool: SearchableTool): number {
    const fields = fieldTexts(tool);
    const tf = new Map<string, Float64Array>();
    const len = new Float64Array(FIELD_COUNT);
    const count = (f: number, list: string[]) => {
      len[f] = list.length;
      for (const t of list) {
        let row = tf.get(t);
        if (!row) tf.set(t, (row = new Float64Array(FIELD_COUNT)));
        row[f]!++;
      }
    };
    fields.forEach((text, f) => count(f, terms(text)));
    const toolWords = [...new Set(words(`${fields[0]} ${fields[1]} ${fields[2]}`))];
    for (const w of toolWords) this.#typos.add(w);
    count(FIELD_COUNT - 1, serverTerms);
    const slot = this.#free.pop() ?? this.#slots.length;
    this.#slotServer[slot] = serverId;
    this.#slots[slot] = { key: tool.key, server, tool: tool.name, tf, len, texts: [tool.name, tool.title ?? '', tool.description ?? ''], words: toolWords };
    for (const t of tf.keys()) {
      const posting = this.#postings.get(t);
      if (posting) posting.slots.push(slot);
      else this.#postings.set(t, { term: t, slots: [slot], impacts: undefined, version: -1 });
    }
    this.#version++;
    for (let f = 0; f < FIELD_COUNT; f++) this.#lenSum[f]! += len[f]!;
    this.#count++;
    return slot;
  }

  #removeTool(slot: number): void {
    const doc = this.#slots[slot]!;
    for (const t of doc.tf.keys()) {
      const posting = this.#postings.get(t)!;
      posting.slots.splice(posting.slots.indexOf(slot), 1);
      if (posting.slots.length === 0) this.#postings.delete(t);
    }
    this.#version++;
    for (let f = 0; f < FIELD_COUNT; f++) this.#lenSum[f]! -= doc.len[f]!;
    for (const w of doc.words) this.#typos.remove(w);
    this.#slots[slot] = undefined;
    this.#free.push(slot);
    this.#count--;
  }
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** The best `limit` slots by score (ties: earlier slot first), without sorting everything. */
function topK(slots: number[], scores: Float64Array, limit: number, keep: (slot: number) => boolean): number[] {
  const better = (a: number, b: number) => scores[a]! > scores[b]! || (scores[a] === scores[b] && a < b);
  const top: number[] = [];
  for (const slot of slots) {
    if (top.length === limit && !better(slot, top[limit - 1]!)) continue;
    if (!keep(slot)) continue;
    let i = top.length < limit ? top.length : limit - 1;
    if (top.length < limit) top.push(slot);
    while (i > 0 && better(slot, top[i - 1]!)) {
      top[i] = top[i - 1]!;
      i--;
    }
    top[i] = slot;
  }
  return top;
}
