import type { Redis } from 'ioredis';

/**
 * Request rate limits per person and per organization (docs/operating.md#rate-limits). A sliding window of one
 * minute, approximated from two fixed windows (the current count plus the previous one weighted by how much of it
 * still overlaps): one counter per scope and minute, so one Redis round trip per request and no per-request lists.
 * With Redis every node counts into the same windows; without it each node counts its own.
 */
export interface RateLimitSettings {
  /** Requests a person may make per minute (0: no limit). */
  personPerMinute: number;
  /** Requests an organization's members may make together per minute (0: no limit). */
  organizationPerMinute: number;
}

export type RateLimitVerdict = { ok: true } | { ok: false; scope: 'person' | 'organization'; limit: number; retryAfterSeconds: number };

export interface RateLimiter {
  /** Counts one request by this person (in this organization, when it acts in one), unless a limit refuses it. */
  take(userId: string, orgId: string | undefined): Promise<RateLimitVerdict>;
}

/** Where window counts live. `take` counts into every scope only when none of them is over its limit. */
export interface RateLimitStore {
  /** Returns the index of the first scope over its limit with its two counts, or -1 after counting. */
  take(scopes: Array<{ key: string; limit: number }>, window: number, elapsedMs: number, windowMs: number): Promise<{ over: number; current: number; previous: number }>;
}

const WINDOW_MS = 60_000;

export function createRateLimiter(settings: RateLimitSettings, store: RateLimitStore, options: { onStoreError?: (err: Error) => void; now?: () => number } = {}): RateLimiter | undefined {
  if (settings.personPerMinute <= 0 && settings.organizationPerMinute <= 0) return undefined;
  const now = options.now ?? Date.now;
  return {
    async take(userId, orgId) {
      const scopes: Array<{ key: string; limit: number; scope: 'person' | 'organization' }> = [];
      if (settings.personPerMinute > 0) scopes.push({ key: `p:${userId}`, limit: settings.personPerMinute, scope: 'person' });
      if (orgId && settings.organizationPerMinute > 0) scopes.push({ key: `o:${orgId}`, limit: settings.organizationPerMinute, scope: 'organization' });
      if (scopes.length === 0) return { ok: true };
      const at = now();
      const window = Math.floor(at / WINDOW_MS);
      const elapsed = at - window * WINDOW_MS;
      let result: { over: number; current: number; previous: number };
      try {
        result = await store.take(scopes, window, elapsed, WINDOW_MS);
      } catch (err) {
        // A limit exists to protect the service; refusing everyone while its store is down would do the opposite.
        options.onStoreError?.(err as Error);
        return { ok: true };
      }
      if (result.over < 0) return { ok: true };
      const scope = scopes[result.over]!;
      return { ok: false, scope: scope.scope, limit: scope.limit, retryAfterSeconds: retryAfter(scope.limit, result.current, result.previous, elapsed) };
    },
  };
}

/** Seconds until one more request fits: the previous window's weight fades linearly, the current count stays until the window ends. */
export function retryAfter(limit: number, current: number, previous: number, elapsedMs: number): number {
  let waitMs: number;
  if (current + 1 > limit || previous === 0) waitMs = WINDOW_MS - elapsedMs;
  else {
    // previous * (1 - (elapsed + t) / W) + current + 1 <= limit
    waitMs = WINDOW_MS * (1 - (limit - current - 1) / previous) - elapsedMs;
  }
  return Math.max(1, Math.ceil(waitMs / 1000));
}

const over = (limit: number, current: number, previous: number, elapsedMs: number, windowMs: number) => previous * ((windowMs - elapsedMs) / windowMs) + current + 1 > limit;

/** One node's counts. Old windows are dropped as the minute turns. */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #counts = new Map<string, number>();
  #window = 0;

  async take(scopes: Array<{ key: string; limit: number }>, window: number, elapsedMs: number, windowMs: number) {
    if (window !== this.#window) this.#turn(window);
    for (let i = 0; i < scopes.length; i++) {
      const { key, limit } = scopes[i]!;
      const current = this.#counts.get(`${window}:${key}`) ?? 0;
      const previous = this.#counts.get(`${window - 1}:${key}`) ?? 0;
      if (over(limit, current, previous, elapsedMs, windowMs)) return { over: i, current, previous };
    }
    for (const { key } of scopes) this.#counts.set(`${window}:${key}`, (this.#counts.get(`${window}:${key}`) ?? 0) + 1);
    return { over: -1, current: 0, previous: 0 };
  }

  #turn(window: number): void {
    for (const key of this.#counts.keys()) {
      const at = Number(key.slice(0, key.indexOf(':')));
      if (at < window - 1) this.#counts.delete(key);
    }
    this.#window = window;
  }
}

/** Checks every scope, then counts into all of them, atomically (one script, one round trip). */
const TAKE = `
local windowMs = tonumber(ARGV[1])
local elapsed = tonumber(ARGV[2])
local n = #KEYS / 2
for i = 1, n do
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  local limit = tonumber(ARGV[2 + i])
  if previous * ((windowMs - elapsed) / windowMs) + current + 1 > limit then return {i - 1, current, previous} end
end
for i = 1, n do
  redis.call('INCR', KEYS[2 * i - 1])
  redis.call('PEXPIRE', KEYS[2 * i - 1], windowMs * 2)
end
return {-1, 0, 0}`;

/** Every node's counts in the same Redis keys. */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'sb:rate:') {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#redis.defineCommand('sbRateTake', { lua: TAKE });
  }

  async take(scopes: Array<{ key: string; limit: number }>, window: number, elapsedMs: number, windowMs: number) {
    const keys = scopes.flatMap(({ key }) => [`${this.#prefix}${key}:${window}`, `${this.#prefix}${key}:${window - 1}`]);
    const run = (this.#redis as unknown as { sbRateTake(n: number, ...args: Array<string | number>): Promise<[number, number, number]> }).sbRateTake;
    const [overAt, current, previous] = await run.call(this.#redis, keys.length, ...keys, windowMs, elapsedMs, ...scopes.map((s) => s.limit));
    return { over: Number(overAt), current: Number(current), previous: Number(previous) };
  }
}

/** The sentence a refused person reads: what happened, when to retry, and who can change it. */
export function rateLimitMessage(verdict: Extract<RateLimitVerdict, { ok: false }>): string {
  const wait = `Wait ${verdict.retryAfterSeconds} second${verdict.retryAfterSeconds === 1 ? '' : 's'} and try again`;
  return verdict.scope === 'person'
    ? `You made more than ${verdict.limit} requests in the last minute, so this one was refused. ${wait}; if your work needs more, ask your administrator to raise rateLimits.personPerMinute.`
    : `Your organization's members made more than ${verdict.limit} requests in the last minute, so this one was refused. ${wait}; if your organization needs more, ask your administrator to raise rateLimits.organizationPerMinute.`;
}
