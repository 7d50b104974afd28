import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

/**
 * A few API routes are visited by a browser rather than called by a program: the OAuth callback of a connection
 * (often in the web app's popup), the "connect" link errors point to, and single sign-on. A refusal there is shown
 * as a page a person can read, with the same message and reference the JSON would carry. In the web app's popup the
 * page hands the error to the window that opened it and closes, so the person sees it where they started.
 */
const BROWSER_ROUTES = [/^\/api\/v1\/connections\/callback$/, /^\/api\/v1\/connections\/[^/]+\/authorize$/, /^\/api\/v1\/auth\/sso(\/callback)?$/];

export function wantsErrorPage(c: Context<AppEnv>): boolean {
  if (c.req.method !== 'GET') return false;
  // A top-level navigation by a browser (Fetch Metadata), or at least a request that asks for HTML first.
  const navigating = c.req.header('sec-fetch-mode') === 'navigate' || /^text\/html\b/.test(c.req.header('accept') ?? '');
  return navigating && BROWSER_ROUTES.some((r) => r.test(c.req.path));
}

// Static: the page's data travels in a JSON block, so the script and style hash once and the CSP can pin them.
const SCRIPT = `(function(){var d=JSON.parse(document.getElementById('sb-error').textContent);
if(window.opener&&window.opener!==window){try{window.opener.postMessage({type:'switchboard:connection',ok:false,error:d},location.origin);window.close();}catch(e){}}})();`;
const STYLE = `:root{color-scheme:light dark;--bg:#f7f7f8;--fg:#17181c;--muted:#5b5f6b;--card:#fff;--line:#dcdde3;--accent:#3b4fd8}
@media (prefers-color-scheme:dark){:root{--bg:#111215;--fg:#ececf1;--muted:#a3a6b2;--card:#1a1c21;--line:#2e3139;--accent:#8c9bff}}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;display:grid;place-items:center;min-height:100vh;padding:16px;box-sizing:border-box}
main{max-width:34rem;background:var(--card);border:1px solid var(--line);border-radius:12px;padding:24px}
h1{font-size:1.25rem;margin:0 0 8px}p{margin:0 0 12px}.ref{color:var(--muted);font-size:.875rem}code{font-family:ui-monospace,monospace}
a{color:var(--accent);font-weight:600}a:focus-visible{outline:3px solid var(--accent);outline-offset:2px;border-radius:4px}`;
const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const CSP = `default-src 'none'; script-src ${hash(SCRIPT)}; style-src ${hash(STYLE)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function errorPage(c: Context<AppEnv>, status: number, error: { code: string; message: string; reference: string }): Response {
  const here = `${c.req.path}${new URL(c.req.url).search}`;
  const signIn = status === 401;
  const title = signIn ? 'Sign in to continue' : error.code.startsWith('authorization_') ? 'Not connected' : 'That did not work';
  const action = signIn
    ? `<a href="/sign-in?next=${encodeURIComponent(here)}">Sign in to Switchboard</a>`
    : `<a href="/directory">Back to the directory</a>`;
  const data = JSON.stringify(error).replace(/</g, '\\u003c');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Switchboard</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(error.message)}</p><p class="ref">Reference <code>${escapeHtml(error.reference)}</code>: quote it if you ask for help.</p><p>${action}</p></main>
<script type="application/json" id="sb-error">${data}</script><script>${SCRIPT}</script></body></html>`;
  return c.html(html, status as 400, { 'content-security-policy': CSP, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' });
}
