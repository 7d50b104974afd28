import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appSandboxCsp, cspSource } from '../../src/server/app-sandbox-csp.ts';
import { startAppSandbox, type AppSandbox } from '../../src/server/app-sandbox.ts';

const EMBEDDER = 'http://127.0.0.1:3000';
let sandbox: AppSandbox;

beforeAll(async () => {
  sandbox = await startAppSandbox({ host: '127.0.0.1', port: 0, embedderOrigin: EMBEDDER });
});
afterAll(async () => {
  await sandbox?.close();
});

const param = (csp: unknown) => Buffer.from(JSON.stringify(csp)).toString('base64url');

describe('the interactive app sandbox origin', () => {
  it('serves the proxy page on its own origin, embeddable only by the web app, with the spec default CSP when none is declared', async () => {
    expect(new URL(sandbox.url).origin).not.toBe(EMBEDDER);
    const res = await fetch(`${sandbox.url}/sandbox.html`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).toContain("frame-src 'none'");
    expect(csp).toContain(`frame-ancestors ${EMBEDDER}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('ui/notifications/sandbox-proxy-ready');
    expect(html).toContain(JSON.stringify(EMBEDDER));
  });

  it('enforces what the resource declares and nothing more', async () => {
    const res = await fetch(`${sandbox.url}/sandbox.html?csp=${param({ connectDomains: ['https://api.example.com'], resourceDomains: ['https://*.cdn.example.com'], frameDomains: ['https://www.youtube.com'] })}`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain('connect-src https://api.example.com');
    expect(csp).toMatch(/script-src 'self' 'unsafe-inline' https:\/\/\*\.cdn\.example\.com/);
    expect(csp).toContain('frame-src https://www.youtube.com');
  });

  it('drops declared entries that are not plain origins, so nothing can be smuggled into the header', async () => {
    const res = await fetch(`${sandbox.url}/sandbox.html?csp=${param({ connectDomains: ["https://ok.example.com; script-src 'unsafe-eval'", '*', 'http://evil.example.com', 'javascript:alert(1)'] })}`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('evil');
    // Switchboard's own origin is never opened to an app, even when declared
    const own = await fetch(`${sandbox.url}/sandbox.html?csp=${param({ connectDomains: [EMBEDDER], frameDomains: [EMBEDDER] })}`);
    expect(own.headers.get('content-security-policy')).toContain("connect-src 'none'");
    expect(own.headers.get('content-security-policy')).toContain("frame-src 'none'");
    // an unreadable parameter counts as nothing declared
    const garbled = await fetch(`${sandbox.url}/sandbox.html?csp=%%%`);
    expect(garbled.headers.get('content-security-policy')).toBe(appSandboxCsp(undefined, EMBEDDER));
  });

  it('serves nothing else, and says so', async () => {
    const other = await fetch(`${sandbox.url}/`);
    expect(other.status).toBe(404);
    expect(await other.text()).toMatch(/only serves \/sandbox\.html/);
    const post = await fetch(`${sandbox.url}/sandbox.html`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('accepts https/wss origins and loopback http only', () => {
    expect(cspSource('https://API.example.com/')).toBe('https://api.example.com');
    expect(cspSource('wss://rt.example.com:8443')).toBe('wss://rt.example.com:8443');
    expect(cspSource('http://localhost:5173')).toBe('http://localhost:5173');
    expect(cspSource('http://example.com')).toBeUndefined();
    expect(cspSource('https://example.com/path')).toBeUndefined();
    expect(cspSource("'self'")).toBeUndefined();
  });
});
