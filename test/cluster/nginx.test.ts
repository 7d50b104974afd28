import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../helpers/db.ts';
import { ROOT, startServerProcess, type ServerProcess } from '../helpers/process.ts';
import { needs, REQUIRE_SERVICES } from '../helpers/services.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

/**
 * The nginx configuration shipped in docs/examples/nginx/switchboard.conf, run as written (only the addresses, host
 * names' ports and certificate paths substituted) in front of two real nodes on one PostgreSQL and Redis, with TLS
 * terminated by nginx: MCP clients of both eras, the REST API, the redirect to https and the closed /metrics.
 */
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
if (!NGINX && REQUIRE_SERVICES) throw new Error('REQUIRE_SERVICES=1 but nginx is not installed: apt-get install -y nginx-light (see .ci/run).');
const services = [needs('DATABASE_URL'), needs('REDIS_URL')];
const skip = !NGINX || services.some((s) => s.skip);
const reason = !NGINX ? 'skipped: nginx is not installed (apt-get install -y nginx-light)' : services.map((s) => s.reason).filter(Boolean).join('; ');

const HOST = 'switchboard.example.com';
const TOKEN = `sbp_nginx_owner_${randomBytes(8).toString('hex')}`;

let nodes: ServerProcess[] = [];
let nginx: ChildProcess | undefined;
let upstream: Awaited<ReturnType<typeof startTestUpstream>>;
let drop: (() => Promise<void>) | undefined;
let httpsPort: number;
let httpPort: number;
let dispatcher: Agent;
let nginxLog = '';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `fetch` that reaches the test's host name at 127.0.0.1 and trusts its self-signed certificate. */
const viaNginx: typeof fetch = ((url: string | URL | Request, init?: RequestInit) => undiciFetch(url as string, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' }).then(() => true, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not start:\n${nginxLog}`);
}

describe.skipIf(skip)(`two nodes behind nginx, configured as docs/examples/nginx/switchboard.conf${skip ? ` (${reason})` : ''}`, () => {
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-nginx-'));
    for (const sub of ['tmp', 'logs']) mkdirSync(path.join(dir, sub));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST},DNS:apps.${HOST}`, '-keyout', path.join(dir, 'privkey.pem'), '-out', path.join(dir, 'fullchain.pem')], { stdio: 'ignore' });
    dispatcher = new Agent({ connect: { ca: readFileSync(path.join(dir, 'fullchain.pem')), lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]) } });
    [httpsPort, httpPort] = [await freePort(), await freePort()];

    upstream = await startTestUpstream('beta');
    const database = await createPostgresDatabase(process.env.DATABASE_URL!, { empty: true });
    drop = database.drop;
    const config = path.join(dir, 'switchboard.yaml');
    writeFileSync(config, `organizations:\n  - slug: acme\n    name: Acme\n    members:\n      - { email: olivia@acme.test, role: owner, tokens: [${TOKEN}] }\nconnectors:\n  - { slug: beta, name: Beta, url: "${upstream.url}", auth: none, enabledFor: [acme] }\n`);
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL!,
      SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
      SWITCHBOARD_CONFIG: config,
      SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32',
      // As the guide says: every node knows its public https URL.
      PUBLIC_URL: `https://${HOST}:${httpsPort}`,
      // The apps origin is not exercised here (test/browser/apps.test.ts covers it).
      SWITCHBOARD_SANDBOX: 'off',
      LOG_LEVEL: 'info',
    };
    nodes = await Promise.all([0, 1].map(() => startServerProcess({ ...env, SWITCHBOARD_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sb-node-')) })));

    // The shipped file, with this machine's addresses: the rest exactly as documented.
    const shipped = readFileSync(path.join(ROOT, 'docs/examples/nginx/switchboard.conf'), 'utf8');
    const site = shipped
      .replace('10.0.0.11:3000', `127.0.0.1:${nodes[0]!.port}`)
      .replace('10.0.0.12:3000', `127.0.0.1:${nodes[1]!.port}`)
      .replace('10.0.0.11:3001', `127.0.0.1:${nodes[0]!.port}`)
      .replace('10.0.0.12:3001', `127.0.0.1:${nodes[1]!.port}`)
      .replaceAll('listen 80;', `listen 127.0.0.1:${httpPort};`)
      .replaceAll('listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`)
      .replaceAll('/etc/ssl/switchboard/', `${dir}/`)
      // The redirect keeps the public port of this test (443 in production).
      .replace('return 301 https://$host$request_uri;', `return 301 https://$host:${httpsPort}$request_uri;`);
    expect(site).not.toMatch(/10\.0\.0\.|\/etc\/ssl/);
    writeFileSync(path.join(dir, 'switchboard.conf'), site);
    const temp = (name: string) => `${name}_temp_path ${dir}/tmp/${name};`;
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        ...(process.getuid?.() === 0 ? ['user root;'] : []),
        `pid ${dir}/nginx.pid;`,
        `error_log ${dir}/logs/error.log warn;`,
        'events { worker_connections 1024; }',
        'http {',
        `  access_log ${dir}/logs/access.log;`,
        `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
        `  include ${dir}/switchboard.conf;`,
        '}',
      ].join('\n'),
    );
    nginx = spawn(NGINX!, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'logs/error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stderr!.on('data', (d: Buffer) => (nginxLog += d.toString()));
    await waitForPort(httpPort);
  }, 90_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGTERM');
      await exited;
    }
    await Promise.all(nodes.map((n) => n.stop()));
    await upstream?.close();
    await drop?.();
    await dispatcher?.close();
  });

  for (const mode of ['auto', 'legacy'] as const) {
    it(`an MCP client (${mode === 'auto' ? '2026-07-28' : '2025-11-25'}) over https works through nginx, its calls spread over both nodes`, async () => {
      const calls = () => nodes.map((n) => n.logs.filter((l) => l.msg === 'tool call').length);
      const before = calls();
      const client = new Client({ name: 'nginx-test', version: '1' }, { versionNegotiation: { mode } });
      await client.connect(new StreamableHTTPClientTransport(new URL(`https://${HOST}:${httpsPort}/mcp`), { fetch: viaNginx, requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('beta__echo');
      for (let i = 0; i < 10; i++) {
        const result = await client.callTool({ name: 'beta__echo', arguments: { text: `n${i}` } });
        expect((result.content as Array<{ text: string }>)[0]!.text).toBe(`beta: n${i}`);
      }
      await client.close();
      // Log lines are written in batches (at most 100 ms late).
      await expect.poll(() => calls().reduce((sum, n, i) => sum + n - before[i]!, 0)).toBe(10);
      const served = calls().map((n, i) => n - before[i]!);
      expect(served.reduce((a, b) => a + b, 0)).toBe(10);
      expect(served.every((n) => n > 0), `tool calls per node: ${served.join(', ')}`).toBe(true);
    });
  }

  it('serves the API and the OAuth discovery with the public https URL, redirects http to https, and keeps /metrics private', async () => {
    const me = await viaNginx(`https://${HOST}:${httpsPort}/api/v1/me`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(me.status).toBe(200);
    const metadata = (await (await viaNginx(`https://${HOST}:${httpsPort}/.well-known/oauth-protected-resource/mcp`)).json()) as { resource: string };
    expect(metadata.resource).toBe(`https://${HOST}:${httpsPort}/mcp`);
    // fetch cannot set Host; node:http can.
    const plain = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      const req = httpGet({ host: '127.0.0.1', port: httpPort, path: '/api/v1/me', headers: { host: HOST } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      });
      req.on('error', reject);
    });
    expect(plain).toEqual({ status: 301, location: `https://${HOST}:${httpsPort}/api/v1/me` });
    expect((await viaNginx(`https://${HOST}:${httpsPort}/metrics`)).status).toBe(404);
    // Each node still serves its metrics directly, for the monitoring network.
    expect((await fetch(`http://127.0.0.1:${nodes[0]!.port}/metrics`)).status).toBe(200);
  });
});
