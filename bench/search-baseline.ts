/**
 * The plain BM25 baseline of shared/datasets/README.md, reproduced exactly so our search is compared
 * with it in the same run: Okapi BM25 (k1 1.2, b 0.75, idf ln(1 + (N − df + 0.5)/(df + 0.5))), one
 * document per tool = tool name + description; lower-case, snake/kebab/camelCase split, [a-z0-9]+ tokens
 * and CJK characters as unigrams, a ~60-word stop list, no stemming; ties keep catalogue order.
 */
import type { Ranked } from './search-metrics.ts';

const STOP = new Set(
  'a an and are as at be but by can could do does for from get has have how i if in into is it its me my of on or our please should so that the their them then there these this to us was we what when where which who will with would you your'.split(' '),
);

export function baselineTokens(text: string): string[] {
  const split = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
  const out: string[] = [];
  for (const m of split.matchAll(/[a-z0-9]+|[\u3400-\u9fff\uf900-\ufaff]/g)) if (!STOP.has(m[0])) out.push(m[0]);
  return out;
}

export class BaselineBm25 {
  readonly #docs: Array<Ranked & { tf: Map<string, number>; len: number }> = [];
  readonly #df = new Map<string, number>();
  #avg = 0;

  constructor(tools: Array<Ranked & { description?: string | undefined }>) {
    for (const t of tools) {
      const tokens = baselineTokens(`${t.tool} ${t.description ?? ''}`);
      const tf = new Map<string, number>();
      for (const w of tokens) tf.set(w, (tf.get(w) ?? 0) + 1);
      for (const w of tf.keys()) this.#df.set(w, (this.#df.get(w) ?? 0) + 1);
      this.#docs.push({ server: t.server, tool: t.tool, tf, len: tokens.length });
    }
    this.#avg = this.#docs.reduce((s, d) => s + d.len, 0) / Math.max(this.#docs.length, 1);
  }

  search(query: string, limit: number): Ranked[] {
    const N = this.#docs.length;
    const terms = [...new Set(baselineTokens(query))];
    const scored = this.#docs.map((d, i) => {
      let s = 0;
      for (const w of terms) {
        const f = d.tf.get(w);
        if (!f) continue;
        const df = this.#df.get(w)!;
        const idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
        s += (idf * f * 2.2) / (f + 1.2 * (1 - 0.75 + (0.75 * d.len) / this.#avg));
      }
      return { i, s };
    });
    scored.sort((a, b) => b.s - a.s || a.i - b.i);
    return scored.slice(0, limit).map(({ i }) => ({ server: this.#docs[i]!.server, tool: this.#docs[i]!.tool }));
  }
}
