import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { enableConnector } from '../../src/policy/store.ts';
import { organization, person } from '../helpers/fixtures.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';
import { fuzzCase, oversizedCases, type CorpusContext, type FuzzCase } from './fuzz-corpus.ts';
import { isApiError, isJsonRpcError, isJsonRpcResponse, isObject, mcpMessages, rawRequest, rawSocketRequest, RequestTimeout, seededRng, startSwitchboard, type RawResponse, type Switchboard } from './helpers.ts';

/**
 * Issue 8, fuzz: at least 10,000 malformed JSON-RPC and HTTP requests, generated from a seeded PRNG, against
 * `/mcp` and `/api/v1` of a real Switchboard with a real no-auth connector behind it. Every answer must be a
 * well-formed error (or, where the mutation left a valid request, a well-formed answer), never a 5xx, never a
 * hang; the server must still answer its health check afterwards, and its heap must not grow with the run.
 */

const CASES = 10_000;
const WARM_UP = 1_000;
const CONCURRENCY = 8;
/**
 * Heap growth allowed across the run, after a forced GC. The server runs in this process (startServer), so this
 * is its heap; the test keeps only counters. Keeping a tenth of the request bodies would exceed it (checked below).
 */
const HEAP_GROWTH_BOUND = 30 * 1024 * 1024;

let sb: Switchboard;
let upstream: Awaited<ReturnType<typeof startTestUpstream>>;
let ctx: CorpusContext;
let secretKeyFile = '';
/** Server log lines at level error or fatal: an unexpected error the answers might have hidden. */
const serverErrors: string[] = [];

/** Counts log lines instead of keeping them: keeping 10,000 requests' lines would itself look like a leak. */
class ErrorLines extends Writable {
  lines = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      this.lines++;
      if (/"level":"(error|fatal)"/.test(line) && serverErrors.length < 20) serverErrors.push(line.slice(0, 2000));
    }
    done();
  }
}
const logs = new ErrorLines();

beforeAll(async () => {
  upstream = await startTestUpstream('beta');
  // The rate limits (1,200 requests a minute per person by default) would answer most of the run with 429: off, so
  // the fuzz reaches the handlers. Redis is left out: the login throttle would share its per-address counters
  // (127.0.0.1) with every other test run on this machine.
  sb = await startSwitchboard('sb-fuzz-', { logDestination: logs, env: { SWITCHBOARD_RATE_LIMIT_PERSON: '0', SWITCHBOARD_RATE_LIMIT_ORG: '0' } });
  const db = sb.server.services.database.db;
  const owner = await person(db, 'owner@fuzz.test', 'owner-password-1');
  const member = await person(db, 'member@fuzz.test', 'member-password-1');
  await organization(db, 'acme', owner, [[member, 'member']]);
  // A short timeout for this connector: a fuzz case must never wait on the upstream's own default.
  await upsertListing(db, { slug: 'beta', name: 'Beta', tagline: 'Echo', description: 'A test connector.', category: 'other', mcpUrl: upstream.url, authKind: 'none', source: 'import', origin: 'test:beta', callTimeoutSeconds: 5 });
  await enableConnector(db, OPERATOR, 'acme', 'beta', sb.server.services.policyChanges);
  ctx = { tokens: [owner.token, member.token], org: 'acme', connector: 'beta', tool: 'beta__echo' };
  secretKeyFile = readFileSync(path.join(sb.dataDir, 'secret.key'), 'utf8').trim();
});
afterAll(async () => {
  await sb?.close();
  await upstream?.close();
});

/** `global.gc` without --expose-gc: the flag can be turned on at run time, and a new context then has gc. */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 100));
  }
  return process.memoryUsage().heapUsed;
}

/** Why an answer is wrong for its case, or undefined when it is right. */
function judge(c: FuzzCase, res: RawResponse): string | undefined {
  const type = String(res.headers['content-type'] ?? '');
  const text = res.body.toString('utf8');
  if (res.status >= 500) return `${res.status}: ${text.slice(0, 300)}`;
  if (text.includes('root:x:0:0') || (secretKeyFile && text.includes(secretKeyFile))) return 'the answer carries a file or the secret key';
  if (res.status >= 300 && res.status < 400) return c.expect === 'any' && c.target === 'api' ? undefined : `a redirect (${res.status}) to ${String(res.headers.location)}`;
  // /api/v1 bodies over 1 MiB are refused by the app-wide limit before the bearer check looks at them.
  if (c.expect === 'unauthorized' && !(res.status === 413 && (c.request.body?.length ?? 0) > 1024 * 1024)) {
    if (res.status !== 401) return `expected 401, got ${res.status}`;
    if (!/^Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/.test(String(res.headers['www-authenticate']))) return `no OAuth challenge: ${String(res.headers['www-authenticate'])}`;
  }
  if (res.status >= 400) {
    // HEAD answers never have a body; 429 must say when to come back.
    if (c.request.method === 'HEAD') return text === '' ? undefined : 'a HEAD answer with a body';
    if (res.status === 429 && !res.headers['retry-after']) return '429 without Retry-After';
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `${res.status} with a body that is not JSON (${type}): ${text.slice(0, 200)}`;
    }
    if (c.target === 'api' || isApiError(body)) {
      if (!isApiError(body)) return `${res.status} without the API error shape: ${text.slice(0, 300)}`;
      if (res.headers['x-request-id'] !== undefined && res.headers['x-request-id'] !== body.error.reference) return 'the reference is not the X-Request-Id';
      return undefined;
    }
    return isJsonRpcError(body) ? undefined : `${res.status} without a JSON-RPC error object: ${text.slice(0, 300)}`;
  }
  if (c.expect === 'error' && c.target === 'api') return `accepted (${res.status}): ${text.slice(0, 200)}`;
  if (c.target === 'api') {
    if (res.status === 204 || c.request.method === 'HEAD') return undefined;
    if (type.startsWith('text/html') && c.category.startsWith('raw-dot-segments')) return undefined;
    try {
      // The audit export is JSON lines.
      if (type.startsWith('application/x-ndjson')) for (const line of text.split('\n').filter(Boolean)) JSON.parse(line);
      else JSON.parse(text);
      return undefined;
    } catch {
      return `${res.status} with a body that is not JSON (${type})`;
    }
  }
  // /mcp, 2xx: a JSON document or an event stream whose last message answers the request.
  if (res.status === 202 && text === '') return c.expect === 'any' ? undefined : 'accepted (202) without an answer';
  const messages = mcpMessages(type, res.body);
  if (!messages || messages.length === 0) return `${res.status} with no JSON-RPC message (${type}): ${text.slice(0, 200)}`;
  const last = messages.at(-1);
  // Progress and log notices may come first on a stream, and a 2025 batch gets one answer per request.
  for (const m of messages.slice(0, -1)) {
    const notice = isObject(m) && typeof m.method === 'string' && !('id' in m);
    if (!notice && !(c.category === 'batch' && isJsonRpcResponse(m))) return `an unexpected message in the stream: ${JSON.stringify(m).slice(0, 200)}`;
  }
  if (!isJsonRpcResponse(last)) return `not a JSON-RPC response: ${JSON.stringify(last).slice(0, 300)}`;
  if (c.expect === 'error' && !isJsonRpcError(last)) return `accepted: ${JSON.stringify(last).slice(0, 300)}`;
  if (c.expect === 'tool-error' && !isJsonRpcError(last) && (last as { result: { isError?: unknown } }).result.isError !== true) return `a tool result without isError: ${JSON.stringify(last).slice(0, 300)}`;
  if (c.expect === 'unauthorized') return `accepted without a token: ${text.slice(0, 200)}`;
  return undefined;
}

interface RunStats {
  sent: number;
  statuses: Map<number, number>;
  byCategory: Map<string, Map<number, number>>;
  failures: string[];
  failureCount: number;
  timeouts: number;
  /** Request bytes the server received and answered. */
  bytes: number;
  /** Requests sent again because their keep-alive socket had been closed under them (see rawRequest). */
  resent: number;
}

async function run(seed: number, count: number, extra: FuzzCase[] = []): Promise<RunStats> {
  const rng = seededRng(seed);
  const stats: RunStats = { sent: 0, statuses: new Map(), byCategory: new Map(), failures: [], failureCount: 0, timeouts: 0, resent: 0, bytes: 0 };
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // The extra cases go in at even intervals, so the big bodies land while the rest of the load is running.
  const every = extra.length ? Math.floor(count / (extra.length + 1)) : Infinity;
  let next = 0;
  const total = count + extra.length;
  const one = async (c: FuzzCase) => {
    let res: RawResponse;
    try {
      // Big bodies go over a bare socket: the server may answer (413, 401) before it has read them.
      res = (c.request.body?.length ?? 0) > 512 * 1024 ? await rawSocketRequest(sb.url, c.request, { timeoutMs: 30_000 }) : await rawRequest(sb.url, c.request, { agent, timeoutMs: 30_000, onStaleSocket: () => stats.resent++ });
    } catch (err) {
      if (err instanceof RequestTimeout) stats.timeouts++;
      stats.failureCount++;
      if (stats.failures.length < 25) stats.failures.push(`[${c.category}] ${c.request.method} ${c.request.path.slice(0, 100)}: ${(err as Error).message}`);
      return;
    }
    stats.sent++;
    stats.bytes += c.request.body?.length ?? 0;
    stats.statuses.set(res.status, (stats.statuses.get(res.status) ?? 0) + 1);
    const perCategory = stats.byCategory.get(c.category) ?? new Map<number, number>();
    perCategory.set(res.status, (perCategory.get(res.status) ?? 0) + 1);
    stats.byCategory.set(c.category, perCategory);
    const wrong = judge(c, res);
    if (wrong) {
      stats.failureCount++;
      if (stats.failures.length < 25) stats.failures.push(`[${c.category}] ${c.request.method} ${c.request.path.slice(0, 100)} ${JSON.stringify(c.request.headers).slice(0, 300)} body=${JSON.stringify((c.request.body ?? Buffer.alloc(0)).subarray(0, 200).toString('latin1'))}: ${wrong}`);
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) {
      const i = next++;
      // Cases are drawn in index order (drawing is synchronous), so a seed always gives the same corpus.
      const c = i > 0 && i % every === 0 && extra.length ? extra.shift()! : fuzzCase(rng, ctx);
      await one(c);
    }
  });
  await Promise.all(workers);
  agent.destroy();
  return stats;
}

describe('fuzzing /mcp and /api/v1', () => {
  it('answers 10,000 malformed requests with well-formed errors, no 5xx, no hang, and a flat heap', async () => {
    const gc = collectGarbage();
    const started = performance.now();
    const warm = await run(1, WARM_UP);
    const before = await settledHeap(gc);
    const oversized = oversizedCases(ctx);
    const planned = CASES + oversized.length;
    const main = await run(2026, CASES, oversized);
    const after = await settledHeap(gc);
    const seconds = (performance.now() - started) / 1000;

    const health = await fetch(`${sb.url}/healthz`);
    const ready = await fetch(`${sb.url}/readyz`);

    const table = [...main.byCategory].sort().map(([category, statuses]) => `${category.padEnd(28)} ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    console.log(
      [
        `fuzz: ${WARM_UP} warm-up + ${main.sent} answered of ${planned} in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...main.statuses].sort((a, b) => a[0] - b[0])))}`,
        `request bodies sent: ${(main.bytes / 1048576).toFixed(0)} MiB`,
        `heap after warm-up ${(before / 1048576).toFixed(1)} MiB, after the run ${(after / 1048576).toFixed(1)} MiB (growth ${((after - before) / 1048576).toFixed(1)} MiB, bound ${HEAP_GROWTH_BOUND / 1048576} MiB)`,
        `server log lines ${logs.lines}, at error level ${serverErrors.length}; requests resent after a stale keep-alive socket: ${warm.resent + main.resent}`,
        ...table,
      ].join('\n'),
    );

    if (serverErrors.length) console.log(`server errors:\n${serverErrors.join('\n')}`);
    expect([...warm.failures, ...main.failures], `${warm.failureCount + main.failureCount} wrong answers`).toEqual([]);
    expect(main.timeouts + warm.timeouts).toBe(0);
    expect(main.sent).toBe(planned);
    expect([...main.statuses.keys(), ...warm.statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(serverErrors).toEqual([]);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(ready.status).toBe(200);
    // Nothing the fuzz sent (`__proto__` keys in bodies and queries) reached Object.prototype of the server's process.
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(after - before).toBeLessThan(HEAP_GROWTH_BOUND);
    // The bound means something: keeping a tenth of the bodies the server was sent would exceed it.
    expect(HEAP_GROWTH_BOUND).toBeLessThan(main.bytes / 10);
  }, 300_000);
});
