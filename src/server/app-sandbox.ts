import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appSandboxCsp, declaredCspSchema, type DeclaredCsp } from './app-sandbox-csp.ts';

/**
 * The origin MCP Apps run on: the outer frame of the MCP Apps "sandbox proxy" (a double iframe), served
 * on its own port so an app never shares an origin with Switchboard's web app — no access to its
 * cookies, storage or DOM. The web app embeds `/sandbox.html?csp=…` in an iframe; the page announces
 * itself (`ui/notifications/sandbox-proxy-ready`), receives the app's HTML
 * (`ui/notifications/sandbox-resource-ready`), renders it in an inner iframe and relays every other
 * message both ways, to and from the embedding origin only. The app's declared CSP arrives in the URL
 * and is enforced by this response's header (which the inner `srcdoc` document inherits), so neither the
 * app nor a message can loosen it.
 */

const ALLOWED_SANDBOX_TOKENS = ['allow-scripts', 'allow-same-origin', 'allow-forms', 'allow-popups', 'allow-modals', 'allow-downloads'];
const PERMISSIONS: Record<string, string> = { camera: 'camera', microphone: 'microphone', geolocation: 'geolocation', clipboardWrite: 'clipboard-write' };

/** The proxy page; its only input is the embedding origin, as a JSON string literal. */
export function sandboxPage(embedderOrigin: string): string {
  const host = JSON.stringify(embedderOrigin).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard app sandbox</title>
<style>html,body{margin:0;height:100%;overflow:hidden;background:transparent}iframe{border:0;width:100%;height:100%;display:block}</style>
</head><body><script>
(() => {
  const HOST = ${host};
  const TOKENS = ${JSON.stringify(ALLOWED_SANDBOX_TOKENS)};
  const PERMISSIONS = ${JSON.stringify(PERMISSIONS)};
  if (window.self === window.top) { document.body.textContent = 'This page only runs inside Switchboard.'; return; }
  let inner;
  const sandboxOf = (value) => {
    const asked = typeof value === 'string' ? value.split(/\\s+/) : ['allow-scripts', 'allow-same-origin', 'allow-forms'];
    return asked.filter((t) => TOKENS.includes(t)).join(' ');
  };
  const allowOf = (permissions) => Object.keys(PERMISSIONS).filter((k) => permissions && permissions[k]).map((k) => PERMISSIONS[k]).join('; ');
  window.addEventListener('message', (event) => {
    if (event.source === window.parent) {
      if (event.origin !== HOST) return;
      const msg = event.data;
      if (msg && msg.method === 'ui/notifications/sandbox-resource-ready') {
        if (inner) return;
        const p = msg.params || {};
        inner = document.createElement('iframe');
        inner.setAttribute('sandbox', sandboxOf(p.sandbox));
        const allow = allowOf(p.permissions);
        if (allow) inner.setAttribute('allow', allow);
        inner.setAttribute('title', 'Interactive app');
        inner.srcdoc = String(p.html || '');
        document.body.appendChild(inner);
        return;
      }
      if (msg && typeof msg.method === 'string' && msg.method.startsWith('ui/notifications/sandbox-')) return;
      if (inner && inner.contentWindow) inner.contentWindow.postMessage(msg, '*');
      return;
    }
    if (inner && event.source === inner.contentWindow) window.parent.postMessage(event.data, HOST);
  });
  window.parent.postMessage({ jsonrpc: '2.0', method: 'ui/notifications/sandbox-proxy-ready', params: {} }, HOST);
})();
</script></body></html>`;
}

/** The declared CSP from the `csp` query parameter (base64url JSON); anything unreadable counts as none declared. */
export function declaredCspParam(value: string | null): DeclaredCsp | undefined {
  if (!value) return undefined;
  try {
    const parsed = declaredCspSchema.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface AppSandbox {
  /** The sandbox's origin as the browser reaches it, e.g. http://127.0.0.1:3001. */
  url: string;
  close(): Promise<void>;
}

export interface AppSandboxOptions {
  host: string;
  port: number;
  /** The web app's origin: the only one allowed to embed the sandbox and exchange messages with it. */
  embedderOrigin: string;
  /** The sandbox's public URL when it differs from host:port (behind a proxy or on its own host name). */
  publicUrl?: string | undefined;
}

export async function startAppSandbox(options: AppSandboxOptions): Promise<AppSandbox> {
  const page = sandboxPage(options.embedderOrigin);
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Only GET: this origin serves the interactive app sandbox.\n');
      return;
    }
    if (url.pathname !== '/sandbox.html') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end('Not found: this origin only serves /sandbox.html for interactive apps.\n');
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': appSandboxCsp(declaredCspParam(url.searchParams.get('csp')), options.embedderOrigin),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-resource-policy': 'cross-origin',
    });
    res.end(req.method === 'HEAD' ? undefined : page);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`The interactive app sandbox cannot listen on port ${options.port}: it is in use. Set SWITCHBOARD_SANDBOX_PORT to a free port.`) : err),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    url: (options.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, ''),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
