import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { createRateLimiter, MemoryRateLimitStore, RedisRateLimitStore, retryAfter, type RateLimitStore } from '../../src/shared/rate-limit.ts';
import { processStorage } from '../helpers/db.ts';
import { needs } from '../helpers/services.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

const redisNeeded = needs('REDIS_URL');

/** A clock the test moves: minute windows without waiting minutes. */
function clock(start: number) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function storeCases(name: string, makeStore: () => RateLimitStore) {
  describe(`${name} store`, () => {
    it('refuses the request past the limit with when to retry, and counts per person', async () => {
      const t = clock(Date.UTC(2026, 10, 25, 12, 0, 10));
      const limiter = createRateLimiter({ personPerMinute: 5, organizationPerMinute: 0 }, makeStore(), { now: t.now })!;
      const person = `p-${Math.random()}`;
      for (let i = 0; i < 5; i++) expect(await limiter.take(person, undefined)).toEqual({ ok: true });
      const refused = await limiter.take(person, undefined);
      expect(refused).toEqual({ ok: false, scope: 'person', limit: 5, retryAfterSeconds: 50 });
      // Someone else is not held back by it.
      expect(await limiter.take(`q-${Math.random()}`, undefined)).toEqual({ ok: true });
      // Refusals count nothing: the person is refused again, not pushed further out.
      expect(await limiter.take(person, undefined)).toMatchObject({ ok: false, retryAfterSeconds: 50 });
    });

    it('slides: the previous minute weighs less as the new one goes on', async () => {
      const t = clock(Date.UTC(2026, 10, 25, 12, 0, 30));
      const limiter = createRateLimiter({ personPerMinute: 10, organizationPerMinute: 0 }, makeStore(), { now: t.now })!;
      const person = `p-${Math.random()}`;
      for (let i = 0; i < 10; i++) expect((await limiter.take(person, undefined)).ok).toBe(true);
      // 15 s into the next minute, the previous ten still weigh 7.5: two more fit, not a third.
      t.advance(45_000);
      expect((await limiter.take(person, undefined)).ok).toBe(true);
      expect((await limiter.take(person, undefined)).ok).toBe(true);
      const refused = await limiter.take(person, undefined);
      expect(refused.ok).toBe(false);
      // A new minute: only the two of the last one weigh, fully at its start: room again.
      t.advance(45_000);
      expect((await limiter.take(person, undefined)).ok).toBe(true);
    });

    it("an organization's members share its limit; a refusal by it names the organization", async () => {
      const t = clock(Date.UTC(2026, 10, 25, 12, 0, 0));
      const limiter = createRateLimiter({ personPerMinute: 100, organizationPerMinute: 4 }, makeStore(), { now: t.now })!;
      const org = `o-${Math.random()}`;
      for (const person of ['a', 'b', 'a', 'b']) expect((await limiter.take(`${person}-${org}`, org)).ok).toBe(true);
      expect(await limiter.take(`c-${org}`, org)).toMatchObject({ ok: false, scope: 'organization', limit: 4 });
      // Outside the organization the same person is fine.
      expect((await limiter.take(`c-${org}`, undefined)).ok).toBe(true);
    });
  });
}

storeCases('memory', () => new MemoryRateLimitStore());

describe.skipIf(redisNeeded.skip)(`Redis ${redisNeeded.reason}`, () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(process.env.REDIS_URL!);
  });
  afterAll(async () => {
    await redis?.quit();
  });
  storeCases('Redis', () => new RedisRateLimitStore(redis, `sb:test-rate:${Math.random()}:`));

  it('two nodes count into the same windows', async () => {
    const prefix = `sb:test-rate:${Math.random()}:`;
    const t = clock(Date.UTC(2026, 10, 25, 12, 0, 0));
    const [a, b] = [0, 1].map(() => createRateLimiter({ personPerMinute: 3, organizationPerMinute: 0 }, new RedisRateLimitStore(redis, prefix), { now: t.now })!);
    expect((await a!.take('p', undefined)).ok).toBe(true);
    expect((await b!.take('p', undefined)).ok).toBe(true);
    expect((await a!.take('p', undefined)).ok).toBe(true);
    expect((await b!.take('p', undefined)).ok).toBe(false);
  });
});

describe('retryAfter', () => {
  it('waits for the window to end when the current minute alone is full, else for the previous one to fade enough', () => {
    expect(retryAfter(5, 5, 0, 10_000)).toBe(50);
    // 8 weighted from before + 1 now, limit 10, 0 s in: 8 * (1 - t/60) + 1 + 1 <= 10 → t >= 0, then at least 1 s.
    expect(retryAfter(10, 1, 8, 0)).toBe(1);
    // previous 10, current 0, limit 5, 30 s in: 10 * (1 - (30 + t)/60) + 1 <= 5 → t >= 6 s.
    expect(retryAfter(5, 0, 10, 30_000)).toBe(6);
  });
});

describe('rate limits on a running Switchboard', () => {
  let server: RunningServer;
  let storage: Awaited<ReturnType<typeof processStorage>>;
  let upstream: Awaited<ReturnType<typeof startTestUpstream>>;
  const ALICE = 'sbp_test_rate_alice_1';
  const BOB = 'sbp_test_rate_bob_1';

  beforeAll(async () => {
    storage = await processStorage('sb-rate-');
    upstream = await startTestUpstream('beta');
    const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
    writeFileSync(
      file,
      `organizations:\n  - slug: acme\n    name: Acme\n    plan: team\n    members:\n      - { email: alice@acme.test, role: owner, tokens: [${ALICE}] }\n      - { email: bob@acme.test, role: member, tokens: [${BOB}] }\nconnectors:\n  - { slug: beta, name: Beta, url: "${upstream.url}", auth: none, enabledFor: [acme] }\n`,
    );
    server = await startServer(
      loadConfig({
        env: { ...storage.env, PORT: '0', SWITCHBOARD_DEMO: 'off', SWITCHBOARD_SANDBOX: 'off', LOG_LEVEL: 'silent', SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32', SWITCHBOARD_RATE_LIMIT_PERSON: '6', SWITCHBOARD_RATE_LIMIT_ORG: '0', ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) },
        configFile: file,
      }),
      { logger: createLogger('silent') },
    );
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await storage?.drop();
  });

  const call = (token: string, id: number) =>
    fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'beta__echo' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'beta__echo', arguments: { text: 'hi' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 't', version: '1' } } } }),
    });

  it('answers 429 with Retry-After past the person limit, on /mcp (JSON-RPC error) and on /api/v1 (the error shape), and only for that person', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(ALICE, i)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const refused = await call(ALICE, 7);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
    expect(body).toMatchObject({ jsonrpc: '2.0', error: { code: -32029 } });
    expect(body.error.message).toMatch(/more than 6 requests in the last minute.*Wait \d+ seconds? and try again.*personPerMinute.*\(reference req_/);

    const api = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${ALICE}` } });
    expect(api.status).toBe(429);
    expect(api.headers.get('retry-after')).toMatch(/^\d+$/);
    const error = ((await api.json()) as { error: { code: string; message: string; reference: string } }).error;
    expect(error).toMatchObject({ code: 'rate_limited', reference: api.headers.get('x-request-id') });

    // Bob has his own allowance.
    expect((await call(BOB, 1)).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${BOB}` } })).status).toBe(200);
  });
});
