import { z } from 'zod';

/**
 * The Content-Security-Policy of an MCP App's sandbox, built from what its `ui://` resource declares
 * (`_meta.ui.csp`, MCP Apps 2026-01-26) and nothing more: the host never loosens it beyond the declared
 * origins. A declared entry that is not a plain origin (scheme, host, optional `*.` prefix, optional
 * port) is dropped rather than passed on, so a resource cannot smuggle directives (`'unsafe-eval'`,
 * `;`, `*`) into the header.
 */
export const declaredCspSchema = z
  .object({
    connectDomains: z.array(z.string()).optional(),
    resourceDomains: z.array(z.string()).optional(),
    frameDomains: z.array(z.string()).optional(),
    baseUriDomains: z.array(z.string()).optional(),
  })
  .partial();
export type DeclaredCsp = z.infer<typeof declaredCspSchema>;

const ORIGIN = /^(https|wss|http|ws):\/\/(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;
const LOOPBACK = /^(http|ws):\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** A declared origin as a CSP source, or undefined when it is not a plain https/wss origin (or loopback http/ws). */
export function cspSource(value: string): string | undefined {
  const v = value.trim().toLowerCase().replace(/\/$/, '');
  if (v.length > 253 || !ORIGIN.test(v)) return undefined;
  if ((v.startsWith('http:') || v.startsWith('ws:')) && !LOOPBACK.test(v)) return undefined;
  return v;
}

function sources(list: string[] | undefined): string[] {
  const out: string[] = [];
  for (const entry of list ?? []) {
    const s = cspSource(entry);
    if (s && !out.includes(s)) out.push(s);
  }
  return out.slice(0, 32);
}

/**
 * The header value. Defaults are the spec's: no network, no nested frames, inline script and style
 * (an app is one HTML document), images and media from data: URLs. `frame-ancestors` names the one
 * origin allowed to embed the sandbox: Switchboard's own web app.
 */
export function appSandboxCsp(declared: DeclaredCsp | undefined, embedderOrigin: string): string {
  // Never Switchboard's own origin: an app must not reach its API (or frame it) with the person's cookies.
  const own = embedderOrigin.toLowerCase();
  const pick = (list: string[] | undefined) => sources(list).filter((s) => s !== own);
  const resources = pick(declared?.resourceDomains);
  const connect = pick(declared?.connectDomains);
  const frames = pick(declared?.frameDomains);
  const bases = pick(declared?.baseUriDomains);
  const list = (items: string[], none = "'none'") => (items.length ? items.join(' ') : none);
  return [
    "default-src 'none'",
    `script-src 'self' 'unsafe-inline' ${resources.join(' ')}`.trim(),
    `style-src 'self' 'unsafe-inline' ${resources.join(' ')}`.trim(),
    `img-src 'self' data: blob: ${resources.join(' ')}`.trim(),
    `font-src 'self' data: ${resources.join(' ')}`.trim(),
    `media-src 'self' data: blob: ${resources.join(' ')}`.trim(),
    `connect-src ${list(connect)}`,
    `frame-src ${list(frames)}`,
    "object-src 'none'",
    `base-uri ${bases.length ? `'self' ${bases.join(' ')}` : "'self'"}`,
    "form-action 'none'",
    `frame-ancestors ${embedderOrigin}`,
  ].join('; ');
}
