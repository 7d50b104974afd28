import { DOMAIN_SYNONYMS } from './synonyms.ts';
import { isStopWord, stem, words } from './text.ts';
import { wordNet, type Thesaurus } from './thesaurus.ts';

export interface WeightedTerm {
  term: string;
  weight: number;
}

export interface Vocabulary {
  documentFrequency(term: string): number;
  /** Index words one edit away from a word the index does not know (typo tolerance). */
  nearWords?(word: string): string[];
  /** Number of documents (tools). */
  readonly size?: number;
}

export interface ExpansionOptions {
  /** Related words from WordNet, scaled by this (0 turns it off). */
  wordNet: number;
  /** Weight of words from the domain synonym map (0 turns it off). */
  domain: number;
  /** How much less a word counts when all its senses are verbs (0 = verbs count fully). */
  verbDiscount: number;
  /** Weight of an index word one edit away from a typed word the index does not know. */
  typo: number;
  /** The related words of one typed word together weigh at most this share of it. */
  budget: number;
  thesaurus?: Thesaurus | undefined;
}

export const DEFAULT_EXPANSION: ExpansionOptions = { wordNet: 0.6, domain: 0.8, verbDiscount: 0.5, typo: 0.5, budget: 1.5 };

/** Distinct typed words looked at: enough for any request, and a pasted blob stays cheap. */
const MAX_TERMS = 64;
/** Related words added to one query at most. */
const MAX_RELATED = 24;
/** Longer "words" are identifiers, hashes or base64, which no thesaurus knows. */
const MAX_WORD_LENGTH = 24;

/**
 * What the shape of a request's text says that its words do not: a file path means files, a link means
 * a web page, an address means email. ("Save it to /root/notes/a.md" needs a tool that writes files.)
 */
export function impliedWords(query: string): string[] {
  const out: string[] = [];
  if (/(?:^|[\s'"(])(?:~|\.{1,2})?\/[\w.-]+\/[\w./-]*|[A-Za-z]:\\[\w\\. -]+/.test(query)) out.push('file');
  if (/\bhttps?:\/\/\S+/i.test(query)) out.push('url', 'web', 'page');
  if (/\b[\w.+-]+@[\w-]+\.[\w.]+\b/.test(query)) out.push('email');
  return out;
}

/**
 * A query's terms, each once, weighted by how often the query repeats it, plus the words related to them
 * that the index knows, at a fraction of the weight. A related word never outweighs a word the person
 * typed.
 */
export function expandQuery(query: string, vocabulary: Vocabulary, options: ExpansionOptions = DEFAULT_EXPANSION): WeightedTerm[] {
  const counts = new Map<string, number>();
  const typed = new Map<string, string>();
  for (const w of [...words(query), ...impliedWords(query)]) {
    if (isStopWord(w)) continue;
    const t = stem(w);
    if (!counts.has(t) && counts.size >= MAX_TERMS) continue;
    counts.set(t, (counts.get(t) ?? 0) + 1);
    if (!typed.has(w) && w.length <= MAX_WORD_LENGTH) typed.set(w, t);
  }
  const weights = new Map<string, number>();
  for (const [term, n] of counts) weights.set(term, 1 + Math.log(n));
  const thesaurus = options.thesaurus ?? (options.wordNet > 0 || options.verbDiscount > 0 ? wordNet() : undefined);
  // Verbs are what tools share ("get", "find", "create" name hundreds of them); the nouns of a request
  // say which tool. A word that is mostly a verb counts less.
  if (thesaurus && options.verbDiscount > 0) {
    const done = new Set<string>();
    for (const [w, t] of typed) {
      if (done.has(t)) continue;
      done.add(t);
      weights.set(t, weights.get(t)! * (1 - options.verbDiscount * thesaurus.verbShare(w)));
    }
  }
  for (const [w, t] of typed) {
    // Candidates from every source, each at its own weight; then the word's related words share one
    // budget (a fraction of the word's own weight), so a word with many synonyms ("start": run, launch,
    // execute, command…) cannot outweigh the words around it by their number.
    const own = new Map<string, number>();
    const offer = (term: string, weight: number) => {
      if (counts.has(term) || vocabulary.documentFrequency(term) === 0) return;
      if ((own.get(term) ?? 0) < weight) own.set(term, weight);
    };
    if (options.typo > 0 && vocabulary.documentFrequency(t) === 0 && vocabulary.nearWords) for (const near of vocabulary.nearWords(w)) offer(stem(near), options.typo);
    if (options.domain > 0) for (const rel of DOMAIN_SYNONYMS.get(w) ?? []) offer(stem(rel), options.domain);
    if (thesaurus && options.wordNet > 0) for (const rel of thesaurus.related(w)) if (!isStopWord(rel.word)) offer(stem(rel.word), rel.weight * options.wordNet);
    if (own.size === 0) continue;
    let total = 0;
    for (const v of own.values()) total += v;
    const source = weights.get(t) ?? 1;
    const share = source * Math.min(1, options.budget / total);
    for (const [term, v] of own) {
      const weight = v * share;
      if ((weights.get(term) ?? 0) < weight) weights.set(term, weight);
    }
  }
  // The strongest related words only, and none that more than a quarter of the tools (and more than 50) share: each costs a posting list.
  const related = [...weights].filter(([term]) => !counts.has(term)).sort((a, b) => b[1] - a[1]);
  const limitDf = Math.max(50, (vocabulary.size ?? Infinity) / 4);
  const kept = related.filter(([term]) => vocabulary.documentFrequency(term) <= limitDf).slice(0, MAX_RELATED);
  return [...[...weights].filter(([term]) => counts.has(term)), ...kept].map(([term, weight]) => ({ term, weight }));
}
