import { stemmer } from 'stemmer';

/**
 * How tool texts and queries become terms. Tool texts are short and written by programmers, so names
 * are split at every identifier boundary (camelCase, snake_case, kebab-case, dots, digits), words are
 * stemmed so "forecasts" meets "forecast", and CJK text (common in real MCP catalogues) is indexed as
 * single characters and pairs of neighbours, since it has no spaces to split on.
 */

/** Words that carry no meaning for picking a tool, in requests or in tool descriptions. */
const STOP_WORDS = new Set(
  (
    'a about above after again all also am an and any are as at be been before being below between both but by can could did do does doing ' +
    'done during each either etc few for from further had has have having he her here hers him his how i if in into is it its itself just ' +
    "let like may me might more most much must my no nor not now of off on once only or other our ours out over own per please same she " +
    'should so some such than that the their theirs them then there these they this those through to too under until up upon us use used ' +
    'uses using very via want was we were what when where which while who whom why will with within without would you your yours ' +
    'able allow allows need needs i\'d i\'m im help tell give know make sure also really thing things something way ' +
    // how requests are framed, not what they ask for
    'looking wondering curious interested hey hi hello thanks thank kindly assist assistance certainly specifically ' +
    'someone anyone anything everything currently actually possibly maybe perhaps great good nice awesome'
  ).split(/\s+/),
);

const CJK = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]/;

/** Splits identifiers and prose into lower-case words (no stemming, stop words kept). */
export function words(text: string): string[] {
  const spaced = text
    .normalize('NFKC')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])([0-9])/g, '$1 $2')
    .replace(/([0-9])([a-zA-Z])/g, '$1 $2')
    .toLowerCase();
  const out: string[] = [];
  for (const m of spaced.matchAll(/[a-z0-9]+|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]+/g)) {
    const w = m[0];
    if (CJK.test(w[0]!)) {
      for (let i = 0; i < w.length; i++) {
        out.push(w[i]!);
        if (i + 1 < w.length) out.push(w.slice(i, i + 2));
      }
    } else {
      out.push(w);
    }
  }
  return out;
}

const stems = new Map<string, string>();

/** The index term of a word: Porter stem (memoized: the same few thousand words recur). */
export function stem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = word.length <= 3 || CJK.test(word[0]!) ? word : stemmer(word);
    if (stems.size > 200_000) stems.clear();
    stems.set(word, s);
  }
  return s;
}

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/** Index terms of a text: words, stop words dropped, stemmed. */
export function terms(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const w of words(text)) if (!STOP_WORDS.has(w)) out.push(stem(w));
  return out;
}

/**
 * A name glued from words ("keywordexplorer", "airqualityforecast") split into them, fewest pieces
 * first, each piece at least three letters and known to `isWord`; undefined when the word is known as it
 * is, too short, or cannot be split entirely into known words.
 */
export function segment(word: string, isWord: (w: string) => boolean): string[] | undefined {
  if (word.length < 7 || !/^[a-z]+$/.test(word) || isWord(word)) return undefined;
  const best: Array<string[] | undefined> = [[]];
  for (let end = 3; end <= word.length; end++) {
    for (let start = Math.max(0, end - 20); start <= end - 3; start++) {
      const prefix = best[start];
      if (!prefix || prefix.length >= 4) continue;
      const piece = word.slice(start, end);
      if (!isWord(piece)) continue;
      const candidate = [...prefix, piece];
      if (!best[end] || candidate.length < best[end]!.length) best[end] = candidate;
    }
  }
  const found = best[word.length];
  return found && found.length > 1 ? found : undefined;
}
