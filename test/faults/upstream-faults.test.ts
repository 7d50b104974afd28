import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { processStorage } from '../helpers/db.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';
import { startBadUpstream, type BadUpstream, type Fault } from './bad-upstreams.ts';

/**
 * Issue 8, upstream faults: connectors that crash, hang, answer HTTP 500, answer malformed JSON-RPC or stream forever,
 * called through the real `/mcp` of a running Switchboard by real SDK v2 clients of both eras (2026-07-28 and
 * 2025-11-25). Each misbehaving connector is a raw HTTP server (bad-upstreams.ts) that lists its tools properly and
 * misbehaves only on a call of its tool `fault`; one of each speaks 2026-07-28 (its calls are relayed by the /mcp
 * front, forward-call.ts) and one only 2025-11-25 (its calls go through the SDK client in the upstream pool).
 *
 * For each fault the caller gets a tool error naming the connector, saying what happened and what to do, with a
 * reference; it comes well before the connector's timeout (or at it, for the ones that never answer); meanwhile a
 * well-behaved connector's tool and tools/list keep answering in the same session; afterwards the faulty
 * connector's other tool still works, and the audit log has every failed call as an error.
 */

/** Faults that answer (badly) at once: their connectors may take 30 s, and must not need it to fail. */
const QUICK: Fault[] = ['crash', 'crash-stream', 'http500-html', 'http500-empty', 'not-json', 'not-jsonrpc', 'wrong-id', 'wrong-shape'];
/** Faults that never answer: their connectors' calls end at a short timeout. */
const ENDLESS: Fault[] = ['hang', 'stream-comments', 'stream-progress'];
const LONG_TIMEOUT_S = 30;
const SHORT_TIMEOUT_S = 3;
/** Slack over any bound, for a loaded two-core machine: a safety net, not a measurement. */
const MARGIN_MS = 8_000;
const ERAS = ['modern', 'legacy'] as const;
const MODES = ['auto', 'legacy'] as const;
type UpstreamEra = (typeof ERAS)[number];
type Mode = (typeof MODES)[number];

/** What the caller is told, by fault (the 2026 relay names the tool; the SDK path may name the method). */
const EXPECTED: Record<Fault, RegExp> = {
  crash: /closed the connection in the middle of its answer/,
  'crash-stream': /closed the connection in the middle of its answer/,
  hang: new RegExp(`did not finish fault within ${SHORT_TIMEOUT_S} s`),
  'http500-html': /answered (fault )?with HTTP 500\./,
  'http500-empty': /answered (fault )?with HTTP 500\./,
  'not-json': /answered (fault )?with something that is not JSON\./,
  'not-jsonrpc': /answered (fault )?with something that is not a JSON-RPC (response|message)\./,
  'wrong-id': /answered (fault )?with a response to another request \(id \d+\)/,
  'wrong-shape': /answered (fault with a result that is not a tool result|tools\/call with a result of the wrong shape)\./,
  'stream-comments': new RegExp(`did not finish fault within ${SHORT_TIMEOUT_S} s`),
  'stream-progress': new RegExp(`did not finish fault within ${SHORT_TIMEOUT_S} s`),
};

let storage: Awaited<ReturnType<typeof processStorage>>;
let server: RunningServer;
let good: Awaited<ReturnType<typeof startTestUpstream>>;
const bad = new Map<string, BadUpstream>();
const clients = new Map<Mode, Client>();
/** Every failed call: its reference and connector, for the audit check at the end. */
const failures: Array<{ reference: string; connector: string }> = [];
const TOKEN = 'sbp_test_faults_olivia_1';

const slug = (fault: Fault | 'gone', era: UpstreamEra) => `${fault}-${era}`;
const text = (r: unknown) => ((r as { content?: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('');

async function mcpClient(mode: Mode): Promise<Client> {
  const client = new Client({ name: 'faults', version: '1' }, { versionNegotiation: { mode } });
  // `tools=always`: every tool listed, however many (the automatic mode would switch so many to On demand).
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp?tools=always`), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
  return client;
}

/** The clear error every fault must give: a tool error naming the connector, what to do, and a reference. */
function expectClearError(result: unknown, connector: string, fault: Fault): string {
  expect((result as { isError?: boolean }).isError).toBe(true);
  const said = text(result);
  expect(said).toMatch(new RegExp(`^Couldn't reach the MCP server: ${connector} `));
  expect(said).toMatch(EXPECTED[fault]);
  expect(said).toMatch(/Try again; if it keeps failing, run the connection diagnostic or ask your administrator\. \(reference req_[A-Za-z0-9_-]{12}\)$/);
  // Nothing of what the connector sent is pasted in: no HTML page, no validator dump.
  expect(said).not.toMatch(/<html|<!DOCTYPE|invalid_union|"code":/i);
  const reference = /\(reference (req_[A-Za-z0-9_-]{12})\)$/.exec(said)![1]!;
  failures.push({ reference, connector });
  return reference;
}

/** While a fault is in progress: the well-behaved connector answers, and tools/list still lists everything. */
async function othersStillServe(client: Client, faulty: string): Promise<void> {
  expect(text(await client.callTool({ name: 'good__echo', arguments: { text: 'still here' } }))).toBe('good: still here');
  const names = (await client.listTools()).tools.map((t) => t.name);
  expect(names).toContain('good__echo');
  expect(names).toContain(`${faulty}__fault`);
  expect(names).toContain(`${faulty}__healthy`);
}

beforeAll(async () => {
  storage = await processStorage('sb-faults-');
  good = await startTestUpstream('good');
  for (const era of ERAS) {
    for (const fault of QUICK) bad.set(slug(fault, era), await startBadUpstream(slug(fault, era), { era, fault, hold: true }));
    for (const fault of ENDLESS) bad.set(slug(fault, era), await startBadUpstream(slug(fault, era), { era, fault }));
    bad.set(slug('gone', era), await startBadUpstream(slug('gone', era), { era }));
  }
  const timeoutOf = (name: string) => (ENDLESS.some((f) => name.startsWith(`${f}-`)) ? SHORT_TIMEOUT_S : LONG_TIMEOUT_S);
  const connectors = [
    `  - { slug: good, name: Good, url: '${good.url}', enabledFor: [acme] }`,
    ...[...bad.values()].map((b) => `  - { slug: ${b.name}, name: ${b.name}, url: '${b.url}', enabledFor: [acme], callTimeoutSeconds: ${timeoutOf(b.name)} }`),
  ];
  const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
  writeFileSync(file, `organizations:\n  - slug: acme\n    name: Acme\n    plan: team\n    members:\n      - { email: olivia@acme.test, role: owner, tokens: [${TOKEN}] }\nconnectors:\n${connectors.join('\n')}\n`);
  server = await startServer(
    loadConfig({ env: { ...storage.env, PORT: '0', SWITCHBOARD_DEMO: 'off', SWITCHBOARD_SANDBOX: 'off', LOG_LEVEL: 'silent', SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' }, configFile: file }),
    { logger: createLogger('silent') },
  );
  for (const mode of MODES) clients.set(mode, await mcpClient(mode));
});
afterAll(async () => {
  for (const client of clients.values()) await client.close().catch(() => {});
  await server?.close();
  await good?.close();
  for (const b of bad.values()) await b.close();
  await storage?.drop();
});

describe('a connector that misbehaves on a call', () => {
  it('is listed like any other first: the faults hit calls, not discovery (both eras of connector and client)', async () => {
    for (const mode of MODES) {
      const client = clients.get(mode)!;
      expect(client.getNegotiatedProtocolVersion()).toBe(mode === 'auto' ? '2026-07-28' : '2025-11-25');
      const names = (await client.listTools()).tools.map((t) => t.name);
      for (const b of bad.values()) expect(names).toEqual(expect.arrayContaining([`${b.name}__fault`, `${b.name}__healthy`]));
      expect(names).toContain('good__echo');
    }
    // A 2026 connector was discovered, a 2025 one initialized (it refused the 2026 probe).
    expect(bad.get(slug('crash', 'modern'))!.received['server/discover']).toBeGreaterThan(0);
    expect(bad.get(slug('crash', 'modern'))!.received['initialize']).toBeUndefined();
    expect(bad.get(slug('crash', 'legacy'))!.received['initialize']).toBeGreaterThan(0);
  });

  for (const mode of MODES) {
    for (const era of ERAS) {
      for (const fault of QUICK) {
        it(`${fault}: a clear error at once, not at the 30 s timeout, while the rest keeps serving (${mode === 'auto' ? '2026' : '2025'} client, ${era === 'modern' ? '2026' : '2025'} connector)`, async () => {
          const client = clients.get(mode)!;
          const connector = slug(fault, era);
          const upstream = bad.get(connector)!;
          let settled = false;
          const call = client.callTool({ name: `${connector}__fault`, arguments: {} }, { timeout: 60_000 }).finally(() => (settled = true));
          call.catch(() => {});
          // The call reached the connector, which holds it: it is in progress now.
          const release = await upstream.nextCall();
          await othersStillServe(client, connector);
          expect(settled).toBe(false);
          const released = performance.now();
          release();
          const result = await call;
          const took = performance.now() - released;
          expectClearError(result, connector, fault);
          // Bounded: told as soon as the connector misbehaved, nowhere near its 30 s timeout.
          expect(took).toBeLessThan(LONG_TIMEOUT_S * 1000 - MARGIN_MS * 2);
          // The connector's session is not left broken: its other tool answers right after.
          expect(text(await client.callTool({ name: `${connector}__healthy`, arguments: {} }))).toBe(`${connector}: healthy`);
        });
      }
    }
  }

  for (const fault of ENDLESS) {
    it(`${fault}: cut at the connector's ${SHORT_TIMEOUT_S} s timeout with a clear error, for both clients and both connector eras at once, while the rest keeps serving`, async () => {
      const started = performance.now();
      const calls = MODES.flatMap((mode) =>
        ERAS.map((era) => {
          const connector = slug(fault, era);
          const progress: number[] = [];
          const call = clients
            .get(mode)!
            .callTool({ name: `${connector}__fault`, arguments: {} }, { timeout: 60_000, onprogress: (p) => progress.push(p.progress) })
            .then((result) => ({ result, at: performance.now() - started }));
          call.catch(() => {});
          return { mode, era, connector, call, progress };
        }),
      );
      // All four calls reached their connectors (two each), which now hang or stream.
      for (const era of ERAS) for (let i = 0; i < MODES.length; i++) await bad.get(slug(fault, era))!.nextCall();
      for (const mode of MODES) await othersStillServe(clients.get(mode)!, slug(fault, 'modern'));
      const othersDone = performance.now() - started;
      for (const { connector, call, progress } of calls) {
        const { result, at } = await call;
        expectClearError(result, connector, fault);
        // The other connector and the list answered while the call was still going (ordering, not timing).
        expect(othersDone).toBeLessThan(at);
        // Bounded: at the connector's timeout, plus a margin (progress notifications did not extend it).
        expect(at).toBeLessThan(SHORT_TIMEOUT_S * 1000 + MARGIN_MS);
        if (fault === 'stream-progress') expect(progress.length).toBeGreaterThan(0);
      }
      // The gateway hung up on the connector: no answer is left open at its end.
      for (const era of ERAS) await expect.poll(() => bad.get(slug(fault, era))!.open(), { timeout: 5_000 }).toBe(0);
      for (const mode of MODES) for (const era of ERAS) expect(text(await clients.get(mode)!.callTool({ name: `${slug(fault, era)}__healthy`, arguments: {} }))).toBe(`${slug(fault, era)}: healthy`);
    });
  }

  it('gone entirely (connection refused): a clear error at once, the last tool list kept, and back to work when it returns', async () => {
    for (const era of ERAS) {
      const connector = slug('gone', era);
      const upstream = bad.get(connector)!;
      for (const mode of MODES) expect(text(await clients.get(mode)!.callTool({ name: `${connector}__healthy`, arguments: {} }))).toBe(`${connector}: healthy`);
      await upstream.stop();
      try {
        for (const mode of MODES) {
          const client = clients.get(mode)!;
          const started = performance.now();
          const [refused, echo] = await Promise.all([client.callTool({ name: `${connector}__healthy`, arguments: {} }, { timeout: 60_000 }), client.callTool({ name: 'good__echo', arguments: { text: 'still here' } })]);
          expect(performance.now() - started).toBeLessThan(MARGIN_MS);
          expect(refused.isError).toBe(true);
          const said = text(refused);
          expect(said).toMatch(new RegExp(`^Couldn't reach the MCP server: ${connector} refused the connection: nothing answers at its address \\(is it running\\?\\)\\. Try again.*\\(reference (req_[A-Za-z0-9_-]{12})\\)$`));
          failures.push({ reference: /\(reference (req_[A-Za-z0-9_-]{12})\)$/.exec(said)![1]!, connector });
          expect(text(echo)).toBe('good: still here');
          // Its tools stay listed (the last good list) while it is away.
          const names = (await client.listTools()).tools.map((t) => t.name);
          expect(names).toEqual(expect.arrayContaining([`${connector}__healthy`, 'good__echo']));
        }
      } finally {
        await upstream.restart();
      }
      // Back: the same sessions reach it again, without restarting anything.
      for (const mode of MODES) expect(text(await clients.get(mode)!.callTool({ name: `${connector}__healthy`, arguments: {} }))).toBe(`${connector}: healthy`);
    }
  });
});

describe('after all the faults', () => {
  it('the gateway still serves everything, to new clients of both eras', async () => {
    for (const mode of MODES) {
      const client = await mcpClient(mode);
      try {
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names).toContain('good__echo');
        for (const b of bad.values()) expect(names).toContain(`${b.name}__healthy`);
        expect(text(await client.callTool({ name: 'good__echo', arguments: { text: mode } }))).toBe(`good: ${mode}`);
        for (const b of bad.values()) expect(text(await client.callTool({ name: `${b.name}__healthy`, arguments: {} }))).toBe(`${b.name}: healthy`);
      } finally {
        await client.close();
      }
    }
    // Nothing the faults started is still open at any connector.
    for (const b of bad.values()) expect(b.open()).toBe(0);
  });

  it('every failed call has its own reference, and the audit log has each as an error of its connector', async () => {
    const expected = 2 * 2 * QUICK.length + 2 * 2 * ENDLESS.length + 2 * 2;
    expect(failures).toHaveLength(expected);
    // One reference per call, even for the calls of one 2025 session (each request quotes its own).
    expect(new Set(failures.map((f) => f.reference)).size).toBe(expected);
    const db = server.services.database.db;
    const references = failures.map((f) => f.reference);
    // Audit rows are written in the background, in batches.
    await expect.poll(async () => (await db.selectFrom('audit_events').select('request_id').where('request_id', 'in', references).execute()).length, { timeout: 10_000 }).toBe(expected);
    const rows = await db.selectFrom('audit_events').select(['request_id', 'kind', 'connector_slug', 'tool', 'decision', 'outcome', 'detail']).where('request_id', 'in', references).execute();
    for (const { reference, connector } of failures) {
      const row = rows.find((r) => r.request_id === reference)!;
      expect(row).toMatchObject({ kind: 'tool_call', connector_slug: connector, tool: connector.startsWith('gone-') ? 'healthy' : 'fault', decision: 'allow', outcome: 'error' });
      expect(row.detail).toContain(connector);
    }
  });
});
