import type { ApiErrorBody, AuthProviders, Connection, Connector, ConnectorSummary, EnabledConnector, Me, User } from './types.ts';

/**
 * The one way the app talks to Switchboard: the REST API under /api/v1, with the session cookie, the CSRF token on
 * every change, and errors turned into ApiError (the API's message and reference, ready to show).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly reference: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, reference?: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.reference = reference;
    this.details = details;
  }
}

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** Remembers the session's CSRF token (from sign-in or GET /me). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the API answers 401 to a signed-in call: the session ended, so the app shows sign-in. */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

function csrfFromCookie(): string | undefined {
  const match = /(?:^|;\s*)(?:__Host-)?sb_csrf=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/** The headers a change needs besides the cookie (the CSRF token), for calls made outside `request` (the chat's stream). */
export function csrfHeaders(): Record<string, string> {
  const token = csrfToken ?? csrfFromCookie();
  return token ? { 'x-csrf-token': token } : {};
}

/** An API answer that is not ok, as the ApiError a person reads (a 401 ends the session unless expected). */
export async function errorFromResponse(res: Response, options: { expect401?: boolean } = {}): Promise<ApiError> {
  const reference = res.headers.get('x-request-id') ?? undefined;
  let body: ApiErrorBody | undefined;
  try {
    body = (await res.json()) as ApiErrorBody;
  } catch {
    body = undefined;
  }
  const error = body?.error
    ? new ApiError(res.status, body.error.code, body.error.message, body.error.reference, body.error.details)
    : new ApiError(res.status, 'unexpected_answer', `Switchboard answered ${res.status} ${res.statusText || ''}`.trim() + ' without an explanation. Try again; if it keeps happening, tell your operator.', reference);
  if (res.status === 401 && !options.expect401) onUnauthorized?.();
  return error;
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 is the expected answer (checking whether someone is signed in, signing in): do not end the session. */
  expect401?: boolean;
}

/** One call to the API (exported for the other api/ modules: settings.ts, admin.ts). */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken ?? csrfFromCookie();
    if (token) headers['x-csrf-token'] = token;
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Switchboard could not be reached. Check your network connection, then try again.');
  }
  if (res.ok) {
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
  throw await errorFromResponse(res, options.expect401 ? { expect401: true } : {});
}

const enc = encodeURIComponent;

export const api = {
  providers: () => request<AuthProviders>('GET', '/auth/providers'),
  login: (email: string, password: string) => request<{ user: User; csrfToken: string; expiresAt: string }>('POST', '/auth/login', { body: { email, password }, expect401: true }),
  logout: () => request<void>('POST', '/auth/logout'),
  me: (signal?: AbortSignal) => request<Me>('GET', '/me', { expect401: true, ...(signal ? { signal } : {}) }),

  connectors: (query: { q?: string; category?: string; limit?: number }, signal?: AbortSignal) => {
    const params = new URLSearchParams();
    if (query.q) params.set('q', query.q);
    if (query.category) params.set('category', query.category);
    params.set('limit', String(query.limit ?? 500));
    return request<{ connectors: ConnectorSummary[]; total: number }>('GET', `/connectors?${params}`, signal ? { signal } : {});
  },
  connector: (slug: string, signal?: AbortSignal) => request<{ connector: Connector }>('GET', `/connectors/${enc(slug)}`, signal ? { signal } : {}),
  addCustomConnector: (body: { org: string; url: string; name?: string; description?: string }) =>
    request<{ connector: Connector; matchedListing: string | null }>('POST', '/connectors', { body }),

  connections: (signal?: AbortSignal) => request<{ connections: Connection[] }>('GET', '/connections', signal ? { signal } : {}),
  /** OAuth connectors answer with the URL to open; the others connect at once (headers: the API key fields). */
  connect: (slug: string, body: { returnTo?: string; headers?: Record<string, string> }) =>
    request<{ authorizationUrl?: string; connection?: Connection }>('POST', `/connections/${enc(slug)}`, { body }),
  disconnect: (slug: string) => request<{ revocation: 'revoked' | 'unsupported' | 'failed' }>('DELETE', `/connections/${enc(slug)}`),

  orgConnectors: (org: string, signal?: AbortSignal) => request<{ connectors: EnabledConnector[] }>('GET', `/orgs/${enc(org)}/connectors`, signal ? { signal } : {}),
  enableForOrg: (org: string, slug: string) => request<{ connector: EnabledConnector; changed: boolean }>('PUT', `/orgs/${enc(org)}/connectors/${enc(slug)}`),
};
