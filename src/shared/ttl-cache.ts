/**
 * A small read-through cache for what the gateway needs on every call (policy, listings, connections):
 * entries live `ttlMs` at most and are dropped at once when a change notice says so, so the database
 * stays off the hot path without a change waiting for the TTL on the node that made it. Concurrent
 * misses of one key share one load.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: Promise<V>; until: number; generation: number }>();
  readonly #ttlMs: number;
  readonly #max: number;
  #generation = 0;

  constructor(options: { ttlMs: number; max?: number }) {
    this.#ttlMs = options.ttlMs;
    this.#max = options.max ?? 10_000;
  }

  get(key: string, load: () => Promise<V>, ttlMs?: (value: V) => number): Promise<V> {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const generation = this.#generation;
    const value = load();
    const entry = { value, until: now + this.#ttlMs, generation };
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, entry);
    value.then(
      (v) => {
        // A change that arrived while loading makes this value suspect: keep it for this caller only.
        if (entry.generation !== this.#generation) this.#drop(key, entry);
        else if (ttlMs) entry.until = Math.min(entry.until, now + ttlMs(v));
      },
      () => this.#drop(key, entry),
    );
    return value;
  }

  #drop(key: string, entry: object): void {
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }

  delete(key: string): void {
    this.#generation++;
    this.#entries.delete(key);
  }

  /** Drops every key starting with `prefix` (e.g. all of one person's entries). */
  deletePrefix(prefix: string): void {
    this.#generation++;
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.#entries.delete(key);
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
  }
}
