/**
 * Typo tolerance: a word the index does not know is matched to index words one edit away (a letter
 * missing, extra, changed or two swapped), found through their one-letter deletions (symmetric delete):
 * no edit-distance scan of the vocabulary per query. Short words are left alone: at five letters one
 * edit turns most words into other real words.
 */
const MIN_LENGTH = 6;

function deletions(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

export class TypoMatcher {
  readonly #words = new Map<string, number>();
  #deletes: Map<string, string[]> | undefined;

  add(word: string): void {
    if (word.length < MIN_LENGTH) return;
    const n = this.#words.get(word) ?? 0;
    this.#words.set(word, n + 1);
    if (n === 0) this.#deletes = undefined;
  }

  remove(word: string): void {
    const n = this.#words.get(word);
    if (n === undefined) return;
    if (n > 1) this.#words.set(word, n - 1);
    else {
      this.#words.delete(word);
      this.#deletes = undefined;
    }
  }

  has(word: string): boolean {
    return this.#words.has(word);
  }

  /** Index words one edit away from `word` (which the index does not know). */
  near(word: string): string[] {
    if (word.length < MIN_LENGTH || this.#words.has(word)) return [];
    const deletes = this.#index();
    const found = new Set<string>();
    // word lost a letter: it is a deletion of an index word
    for (const w of deletes.get(word) ?? []) found.add(w);
    for (const d of deletions(word)) {
      // word has an extra letter
      if (this.#words.has(d)) found.add(d);
      // a letter changed, or two swapped: both lose the same position
      for (const w of deletes.get(d) ?? []) if (w.length === word.length) found.add(w);
    }
    return [...found].slice(0, 5);
  }

  #index(): Map<string, string[]> {
    if (this.#deletes) return this.#deletes;
    const map = new Map<string, string[]>();
    for (const w of this.#words.keys()) {
      for (const d of new Set(deletions(w))) {
        const list = map.get(d);
        if (list) list.push(w);
        else map.set(d, [w]);
      }
    }
    return (this.#deletes = map);
  }
}
