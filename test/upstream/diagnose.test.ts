import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoService, type DemoServiceHandle } from '../../demo/index.ts';
import { diagnose, type Diagnosis } from '../../src/upstream/diagnose.ts';
import { EgressGuard } from '../../src/upstream/egress.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

/** Each failing step of the connection diagnostic, against real local servers, and the happy paths. */

const servers: Server[] = [];
async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const plain = (handler: RequestListener) => listen(createHttpServer(handler));

/** A guard that reaches exactly these local origins (and nothing else on loopback). */
const guardFor = (...origins: string[]) => new EgressGuard({ allowOrigins: origins.map((o) => `http://${o}`) });

const step = (d: Diagnosis, name: string) => d.steps.find((s) => s.step === name)!;
const statuses = (d: Diagnosis) => d.steps.map((s) => `${s.step}:${s.status}`);

let upstream: Awaited<ReturnType<typeof startTestUpstream>>;
let tracker: DemoServiceHandle;
let certDir: string;

beforeAll(async () => {
  upstream = await startTestUpstream('Diag');
  tracker = await startDemoService('tracker', { port: 0, onError: () => {} });
  // A self-signed certificate made for this run only (nothing secret is committed).
  certDir = mkdtempSync(join(tmpdir(), 'sb-diag-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
}, 30_000);

afterAll(async () => {
  await upstream?.close();
  await tracker?.close();
  for (const server of servers) server.close();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

describe('connection diagnostic: failing steps', () => {
  it('an unresolvable name fails the DNS step with its own message; the rest is skipped', async () => {
    const guard = new EgressGuard({ resolve: async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' })) });
    const d = await diagnose('https://nowhere.test/mcp', { guard });
    expect(d.ok).toBe(false);
    expect(statuses(d)).toEqual(['dns-egress:failed', 'connect:skipped', 'mcp:skipped', 'auth:skipped']);
    expect(step(d, 'dns-egress').detail).toBe('The name nowhere.test does not resolve (ENOTFOUND).');
    expect(step(d, 'dns-egress').fix).toMatch(/Check the URL's spelling/);
    expect(step(d, 'connect').detail).toMatch(/dns-egress step failed/);
  });

  it('an address the egress guard refuses fails the egress step, naming the address and the allow-list', async () => {
    const metadata = await diagnose('http://169.254.169.254/latest/meta-data', { guard: new EgressGuard() });
    expect(statuses(metadata)).toEqual(['dns-egress:failed', 'connect:skipped', 'mcp:skipped', 'auth:skipped']);
    expect(step(metadata, 'dns-egress').detail).toMatch(/^Refused by the egress guard: Switchboard does not connect to 169\.254\.169\.254 \(link-local/);
    expect(step(metadata, 'dns-egress').fix).toMatch(/169\.254\.169\.254\/32\) to the organization's egress allow-list, or the operator to SWITCHBOARD_EGRESS_ALLOW/);

    // A name that resolves to loopback is refused the same way (and nothing is connected to).
    const guard = new EgressGuard({ resolve: async () => [{ address: '127.0.0.2', family: 4 }] });
    const named = await diagnose('https://internal.example/mcp', { guard });
    expect(step(named, 'dns-egress').status).toBe('failed');
    expect(step(named, 'dns-egress').detail).toMatch(/127\.0\.0\.2.*internal\.example resolves to it/);
  });

  it('https to a plain-http server fails the TLS handshake, naming the TLS error', async () => {
    const origin = await plain((_req, res) => res.end('hello'));
    const d = await diagnose(`https://${origin}/mcp`, { guard: guardFor(origin) });
    expect(statuses(d)).toEqual(['dns-egress:ok', 'connect:failed', 'mcp:skipped', 'auth:skipped']);
    expect(step(d, 'connect').detail).toMatch(new RegExp(`^The TLS handshake with ${origin} failed: \\S+: .*wrong version number`, 'i'));
    expect(step(d, 'connect').fix).toMatch(/does not speak TLS on this port: .*use http:\/\//);
  });

  it('a self-signed certificate fails the TLS handshake with its own advice', async () => {
    const server = createHttpsServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, (_req, res) => res.end('hi'));
    const origin = await listen(server);
    const d = await diagnose(`https://${origin}/mcp`, { guard: guardFor(origin) });
    expect(statuses(d)).toEqual(['dns-egress:ok', 'connect:failed', 'mcp:skipped', 'auth:skipped']);
    expect(step(d, 'connect').detail).toMatch(new RegExp(`^The TLS handshake with ${origin} failed: DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate`));
    expect(step(d, 'connect').fix).toMatch(/self-signed or issued by a private CA.*NODE_EXTRA_CA_CERTS/);
  });

  it('a refused port fails the connect step', async () => {
    const origin = await plain(() => {});
    servers.at(-1)!.close();
    await new Promise((r) => setTimeout(r, 50));
    const d = await diagnose(`http://${origin}/mcp`, { guard: guardFor(origin) });
    expect(step(d, 'connect').detail).toBe(`Nothing accepts connections at ${origin} (connection refused).`);
    expect(step(d, 'mcp').status).toBe('skipped');
  });

  it('a web server that is not MCP fails the handshake with "not an MCP server" and what it answered', async () => {
    const origin = await plain((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><title>Page not found</title></head><body><h1>Oops</h1></body></html>');
    });
    const d = await diagnose(`http://${origin}/mcp`, { guard: guardFor(origin) });
    expect(statuses(d)).toEqual(['dns-egress:ok', 'connect:ok', 'mcp:failed', 'auth:skipped']);
    expect(step(d, 'connect').detail).toMatch(/plain http, no TLS/);
    expect(step(d, 'mcp').detail).toBe(`Not an MCP server: POST http://${origin}/mcp answered HTTP 404 (text/html): "Page not found".`);
    expect(step(d, 'mcp').fix).toMatch(/must be the server's MCP endpoint/);
    expect(d.era).toBeUndefined();
  });

  it('a 401 whose resource_metadata URL is missing fails auth discovery with its own message', async () => {
    let origin = '';
    origin = await plain((req, res) => {
      if (req.url === '/mcp') {
        res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="http://${origin}/.well-known/oauth-protected-resource/mcp"`, 'content-type': 'application/json' });
        res.end('{"error":"unauthorized"}');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    const d = await diagnose(`http://${origin}/mcp`, { guard: guardFor(origin) });
    expect(statuses(d)).toEqual(['dns-egress:ok', 'connect:ok', 'mcp:ok', 'auth:failed']);
    expect(step(d, 'mcp').detail).toMatch(/^The server requires authorization: it answered HTTP 401 with WWW-Authenticate: Bearer resource_metadata=/);
    expect(step(d, 'auth').detail).toMatch(
      new RegExp(`^Auth discovery is broken: the 401's WWW-Authenticate header names protected-resource metadata \\(RFC 9728\\) at http://${origin}/\\.well-known/oauth-protected-resource/mcp, but it could not be read: it answered HTTP 404 \\(`),
    );
    expect(step(d, 'auth').fix).toMatch(/must serve the protected-resource metadata/);
    expect(d.ok).toBe(false);
  });

  it('a 401 with no metadata anywhere fails auth discovery; an API-key connector needs none', async () => {
    const origin = await plain((req, res) => {
      res.writeHead(req.url === '/mcp' ? 401 : 404, { 'content-type': 'text/plain' });
      res.end('no');
    });
    const d = await diagnose(`http://${origin}/mcp`, { guard: guardFor(origin) });
    expect(step(d, 'mcp').detail).toMatch(/requires authorization: it answered HTTP 401 without a WWW-Authenticate header/);
    expect(step(d, 'auth').status).toBe('failed');
    expect(step(d, 'auth').detail).toMatch(/publishes no protected-resource metadata .* serves no authorization server metadata either/);

    const keyed = await diagnose(`http://${origin}/mcp`, { guard: guardFor(origin), auth: 'headers' });
    expect(keyed.ok).toBe(true);
    expect(step(keyed, 'auth').detail).toMatch(/takes API-key headers/);
  });
});

describe('connection diagnostic: healthy servers', () => {
  it('an open MCP server: every step passes and the era is reported', async () => {
    const origin = new URL(upstream.url).host;
    const d = await diagnose(upstream.url, { guard: guardFor(origin) });
    expect(statuses(d)).toEqual(['dns-egress:ok', 'connect:ok', 'mcp:ok', 'auth:skipped']);
    expect(d.ok).toBe(true);
    expect(d.era).toBe('2026-07-28');
    expect(step(d, 'dns-egress').detail).toBe('127.0.0.1 is an IP address; the egress guard allows it.');
    expect(step(d, 'mcp').detail).toMatch(/^The server speaks MCP 2026-07-28 via the 2026-07-28 protocol; it is "Diag" 1\.0\.0/);
    expect(step(d, 'auth').detail).toMatch(/Not needed/);
    for (const s of d.steps) expect(s.ms).toBeGreaterThanOrEqual(0);
  });

  it('the demo tracker: 401, then protected-resource and authorization server metadata, its issuer named', async () => {
    const origin = new URL(tracker.url).host;
    const d = await diagnose(tracker.url, { guard: guardFor(origin) });
    expect(statuses(d)).toEqual(['dns-egress:ok', 'connect:ok', 'mcp:ok', 'auth:ok']);
    expect(d.ok).toBe(true);
    expect(step(d, 'mcp').detail).toMatch(/requires authorization: it answered HTTP 401/);
    expect(step(d, 'auth').detail).toContain(`names the authorization server ${tracker.issuer}`);
    expect(step(d, 'auth').detail).toMatch(/its metadata is good \(authorize at http:\/\/127\.0\.0\.1:\d+\/\S+, tokens at/);
  });
});
