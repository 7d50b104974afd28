import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';

/**
 * The web app (web/, built by Vite into web/dist) served at `/`: files from memory, hashed assets cached for a year,
 * everything else revalidated, and index.html for any other page path so the app's own router can take it
 * (docs/web.md). Paths that belong to the server are never answered with the app.
 */

/**
 * The app's Content Security Policy: its own scripts, styles, fonts and API only; images also from https (connector
 * logos). No inline script or style, no eval, no frames of it elsewhere. Widen it here, in one place, when a
 * feature needs more: `webAppCsp` opens `frame-src` to the sandbox origin of interactive connectors (MCP Apps),
 * and to nothing else.
 */
export const WEB_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** WEB_APP_CSP with frames allowed from exactly these origins (the MCP Apps sandbox); WEB_APP_CSP itself without. */
export function webAppCsp(frameSrc: readonly string[] = []): string {
  if (frameSrc.length === 0) return WEB_APP_CSP;
  return WEB_APP_CSP.replace("frame-src 'none'", `frame-src ${frameSrc.join(' ')}`);
}

/** Never answered with the app: the API, MCP, OAuth, discovery documents and the operator's endpoints. */
const SERVER_PREFIXES = ['/api', '/mcp', '/oauth', '/.well-known', '/healthz', '/readyz', '/metrics'];

interface WebFile {
  body: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
  encoded: Map<'br' | 'gzip', Promise<Buffer>>;
}

export interface WebApp {
  /** The answer for a GET/HEAD of `pathname`, or undefined when the app has nothing to say about it. */
  serve(c: Context<AppEnv>): Promise<Response> | undefined;
  /** Whether a browser asking for `/` should get the app (it asks for HTML). */
  wantsApp(c: Context<AppEnv>): boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json',
};
const COMPRESSIBLE = /^(text\/|application\/(json|manifest)|image\/svg)/;
const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Reads a built app (a folder with index.html) into memory; undefined when it is not there. `frameSrc`: the
 * origins its pages may frame (the interactive app sandbox).
 */
export function loadWebApp(dir: string, options: { frameSrc?: readonly string[] } = {}): WebApp | undefined {
  const csp = webAppCsp(options.frameSrc);
  if (!existsSync(path.join(dir, 'index.html'))) return undefined;
  const files = new Map<string, WebFile>();
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full, `${prefix}${entry.name}/`);
      else if (entry.isFile() && statSync(full).size <= 10 * 1024 * 1024) {
        const body = readFileSync(full);
        const ext = path.extname(entry.name).toLowerCase();
        files.set(`/${prefix}${entry.name}`, {
          body,
          type: TYPES[ext] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
          // Vite puts content-hashed names under assets/: they never change, so they may be cached for good.
          immutable: prefix.startsWith('assets/'),
          encoded: new Map(),
        });
      }
    }
  };
  walk(dir, '');
  const index = files.get('/index.html')!;

  const respond = async (c: Context<AppEnv>, file: WebFile, html: boolean): Promise<Response> => {
    const headers = new Headers({
      'content-type': file.type,
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      etag: file.etag,
      'x-content-type-options': 'nosniff',
      vary: 'accept-encoding',
    });
    if (html) {
      headers.set('content-security-policy', csp);
      headers.set('referrer-policy', 'same-origin');
      headers.set('x-frame-options', 'DENY');
    }
    if (c.req.header('if-none-match') === file.etag) return new Response(null, { status: 304, headers });
    let body = file.body;
    if (file.body.length > 1024 && COMPRESSIBLE.test(file.type)) {
      const accepts = c.req.header('accept-encoding') ?? '';
      const encoding = /\bbr\b/.test(accepts) ? 'br' : /\bgzip\b/.test(accepts) ? 'gzip' : undefined;
      if (encoding) {
        let encoded = file.encoded.get(encoding);
        if (!encoded) {
          encoded = encoding === 'br' ? brotli(file.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } }) : gzipAsync(file.body, { level: 9 });
          file.encoded.set(encoding, encoded);
        }
        body = await encoded;
        headers.set('content-encoding', encoding);
      }
    }
    headers.set('content-length', String(body.length));
    return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };

  return {
    wantsApp: (c) => /\btext\/html\b/.test(c.req.header('accept') ?? ''),
    serve(c) {
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return undefined;
      const pathname = c.req.path;
      if (SERVER_PREFIXES.some((p) => pathname === p || pathname.startsWith(`${p}/`))) return undefined;
      const file = files.get(pathname);
      if (file) return respond(c, file, file.type.startsWith('text/html'));
      // A missing file (an old asset, a typo) is a 404, not the app; a page path is the app's to route.
      const last = pathname.slice(pathname.lastIndexOf('/') + 1);
      if (pathname.startsWith('/assets/') || last.includes('.')) return undefined;
      return respond(c, index, true);
    },
  };
}
