import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../helpers/db.ts';
import { startServerProcess, type ServerProcess } from '../helpers/process.ts';
import { needs } from '../helpers/services.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';
import { startRoundRobinProxy, type RoundRobinProxy } from './round-robin-proxy.ts';

/**
 * Two `switchboard serve` processes on one PostgreSQL and one Redis, behind a round-robin balancer with no
 * affinity: both spec eras keep working whichever node a request lands on, a node killed mid-run costs only the
 * calls it had in flight, and a policy change made on one node is enforced on the other at once.
 */
const services = [needs('DATABASE_URL'), needs('REDIS_URL')];
const skip = services.some((s) => s.skip);
const reason = services.map((s) => s.reason).filter(Boolean).join('; ');

const OWNER = `sbp_cluster_owner_${randomBytes(8).toString('hex')}`;
const MEMBER = `sbp_cluster_member_${randomBytes(8).toString('hex')}`;
const ERAS = [
  ['2026-07-28', 'auto'],
  ['2025-11-25', 'legacy'],
] as const;

let nodes: ServerProcess[] = [];
let proxy: RoundRobinProxy;
let upstream: Awaited<ReturnType<typeof startTestUpstream>>;
let env: Record<string, string>;
let drop: (() => Promise<void>) | undefined;

async function client(base: string, token: string, mode: 'auto' | 'legacy', onListChanged?: () => void): Promise<Client> {
  const c = new Client({ name: 'cluster-test', version: '1' }, { versionNegotiation: { mode }, ...(onListChanged ? { listChanged: { tools: { onChanged: onListChanged } } } : {}) });
  await c.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return c;
}

const text = (r: unknown) => ((r as { content?: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? '').join('');
const toolCalls = (node: ServerProcess) => node.logs.filter((l) => l.msg === 'tool call').length;

async function startNode(): Promise<ServerProcess> {
  return startServerProcess({ ...env, SWITCHBOARD_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sb-node-')) });
}

describe.skipIf(skip)(`two nodes behind a round-robin balancer${skip ? ` (${reason})` : ''}`, () => {
  beforeAll(async () => {
    upstream = await startTestUpstream('beta');
    const database = await createPostgresDatabase(process.env.DATABASE_URL!, { empty: true });
    drop = database.drop;
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-cluster-'));
    const config = path.join(dir, 'switchboard.yaml');
    writeFileSync(
      config,
      [
        'organizations:',
        '  - slug: acme',
        '    name: Acme',
        '    plan: team',
        '    members:',
        `      - { email: olivia@acme.test, role: owner, tokens: [${OWNER}] }`,
        `      - { email: max@acme.test, role: member, tokens: [${MEMBER}] }`,
        'connectors:',
        `  - { slug: beta, name: Beta, url: "${upstream.url}", auth: none, enabledFor: [acme] }`,
        '',
      ].join('\n'),
    );
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL!,
      SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
      SWITCHBOARD_CONFIG: config,
      SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32',
      SWITCHBOARD_SANDBOX: 'off',
      LOG_LEVEL: 'info',
    };
    // Both at once, as an orchestrator starts them: the migrations run exactly once (advisory lock).
    nodes = await Promise.all([startNode(), startNode()]);
    proxy = await startRoundRobinProxy(nodes.map((n) => n.url));
  }, 90_000);

  afterAll(async () => {
    await proxy?.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await upstream?.close();
    await drop?.();
  });

  for (const [version, mode] of ERAS) {
    it(`serves a ${version} client through the balancer, each request on whichever node it lands`, async () => {
      const before = nodes.map(toolCalls);
      const c = await client(proxy.url, MEMBER, mode);
      expect(c.getNegotiatedProtocolVersion()).toBe(version);
      expect((await c.listTools()).tools.map((t) => t.name)).toContain('beta__echo');
      // One request per call, so that the balancer's turns alternate the calls between the nodes.
      for (let i = 0; i < 12; i++) expect(text(await c.callTool({ name: 'beta__echo', arguments: { text: `call ${i}` } }))).toBe(`beta: call ${i}`);
      expect((await c.listTools()).tools.map((t) => t.name)).toContain('beta__echo');
      await c.close();
      // Round robin with no affinity: both nodes served this client's calls (a 2025 session included).
      // Log lines are written in batches (at most 100 ms late).
      await expect.poll(() => nodes.reduce((sum, n, i) => sum + toolCalls(n) - before[i]!, 0)).toBe(12);
      const served = nodes.map((n, i) => toolCalls(n) - before[i]!);
      expect(served.every((n) => n > 0), `tool calls per node: ${served.join(', ')}`).toBe(true);
      expect(served.reduce((a, b) => a + b, 0)).toBe(12);
    });
  }

  it('a policy change made on node A is enforced on node B within a second, and B tells its clients', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    let notified = 0;
    const onB = await client(b.url, MEMBER, 'legacy', () => notified++);
    const modernOnB = await client(b.url, MEMBER, 'auto');
    // Node B has the person's policy in memory now.
    expect(text(await onB.callTool({ name: 'beta__echo', arguments: { text: 'before' } }))).toBe('beta: before');

    const put = (rules: object) =>
      fetch(`${a.url}/api/v1/orgs/acme/connectors/beta/policy`, { method: 'PUT', headers: { authorization: `Bearer ${OWNER}`, 'content-type': 'application/json' }, body: JSON.stringify(rules) });
    const changed = await put({ categories: {}, tools: { echo: 'block' }, overrides: {} });
    expect(changed.status).toBe(200);
    const madeAt = Date.now();
    let refusedAfter: number | undefined;
    while (Date.now() - madeAt < 5_000) {
      const result = (await modernOnB.callTool({ name: 'beta__echo', arguments: { text: 'after' } }).catch((err: Error) => ({ isError: true, content: [{ type: 'text', text: err.message }] }))) as { isError?: boolean };
      if (result.isError) {
        refusedAfter = Date.now() - madeAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(refusedAfter, 'node B never refused the tool node A blocked').toBeDefined();
    expect(refusedAfter!).toBeLessThan(1_000);
    // Absent from B's list as well, and B's 2025 session was told to list again.
    expect((await onB.listTools()).tools.map((t) => t.name)).not.toContain('beta__echo');
    await expect.poll(() => notified, { timeout: 5_000 }).toBeGreaterThan(0);

    expect((await put({ categories: {}, tools: {}, overrides: {} })).status).toBe(200);
    await expect.poll(async () => text(await onB.callTool({ name: 'beta__echo', arguments: { text: 'again' } })), { timeout: 2_000 }).toBe('beta: again');
    await onB.close();
    await modernOnB.close();
  });

  it('a personal access token revoked on node A stops working on node B at once, though B had just accepted it', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const created = await fetch(`${a.url}/api/v1/me/tokens`, { method: 'POST', headers: { authorization: `Bearer ${MEMBER}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cluster test' }) });
    expect(created.status).toBe(201);
    const { token, accessToken } = (await created.json()) as { token: string; accessToken: { id: string } };
    const onB = await client(b.url, token, 'auto');
    expect(text(await onB.callTool({ name: 'beta__echo', arguments: { text: 'ok' } }))).toBe('beta: ok');
    expect((await fetch(`${a.url}/api/v1/me/tokens/${accessToken.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${MEMBER}` } })).status).toBe(200);
    const revokedAt = Date.now();
    // Node B remembers tokens it accepted for a few seconds; the revocation notice makes it forget at once.
    await expect.poll(async () => (await onB.callTool({ name: 'beta__echo', arguments: { text: 'again' } }).then(() => 'accepted', (err: Error) => err.message)), { timeout: 5_000, interval: 20 }).toMatch(/401|not valid|unauthori/i);
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    await onB.close().catch(() => {});
  });

  it('a 2025 session its client ended on node A is not brought back on node B; one still open is', async () => {
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const open = async () => {
      const transport = new StreamableHTTPClientTransport(new URL(`${a.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${MEMBER}` } } });
      const c = new Client({ name: 'cluster-test', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
      await c.connect(transport);
      return { c, transport, id: transport.sessionId! };
    };
    const listOnB = (id: string) =>
      fetch(`${b.url}/mcp`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MEMBER}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    const ended = await open();
    const kept = await open();
    await ended.transport.terminateSession();
    expect((await listOnB(ended.id)).status).toBe(404);
    const stillOpen = await listOnB(kept.id);
    expect(stillOpen.status).toBe(200);
    expect(await stillOpen.text()).toContain('beta__echo');
    // Another person presenting it gets the same 404 as for an unknown id.
    const stolen = await fetch(`${b.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OWNER}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': kept.id, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(stolen.status).toBe(404);
    await kept.c.close();
    await ended.c.close();
  });

  it('a node killed mid-run: clients of both eras carry on through the other, failing at most the call in flight', async () => {
    const clients = await Promise.all(ERAS.map(([, mode]) => client(proxy.url, MEMBER, mode)));
    const failures: string[] = [];
    let done = 0;
    let killed = false;
    const run = async (c: Client, era: string) => {
      for (let i = 0; i < 60; i++) {
        try {
          const result = await c.callTool({ name: 'beta__echo', arguments: { text: `${era} ${i}` } });
          if (text(result) !== `beta: ${era} ${i}`) failures.push(`${era} ${i}: ${text(result)}`);
        } catch (err) {
          failures.push(`${era} ${i}: ${(err as Error).message}`);
        }
        done++;
        if (done === 30 && !killed) {
          killed = true;
          // SIGKILL: no graceful shutdown, in-flight requests die with the process.
          void nodes[1]!.stop('SIGKILL');
        }
      }
    };
    await Promise.all(clients.map((c, i) => run(c, ERAS[i]![0])));
    expect(killed).toBe(true);
    // One call in flight per client at most when the node died.
    expect(failures.length, failures.join('\n')).toBeLessThanOrEqual(clients.length);
    expect(done).toBe(120);
    // And afterwards every call succeeds, all on the surviving node.
    for (const c of clients) {
      expect(text(await c.callTool({ name: 'beta__echo', arguments: { text: 'after' } }))).toBe('beta: after');
      expect((await c.listTools()).tools.map((t) => t.name)).toContain('beta__echo');
      await c.close().catch(() => {});
    }
  });
});
