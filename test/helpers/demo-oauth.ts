import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  type StreamableHTTPClientTransportOptions,
} from '@modelcontextprotocol/client';

/**
 * Test-side OAuth for the demo services: an in-memory OAuthClientProvider for the SDK v2 client, and a "browser"
 * that drives the demo authorization server's login and consent forms with fetch and a cookie jar.
 */

export const TEST_REDIRECT_URL = 'http://localhost:9/callback';

/** An OAuthClientProvider that keeps everything in memory and remembers the last authorization URL it was sent to. */
export class InMemoryOAuthClient implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  #client: StoredOAuthClientInformation | undefined;
  #tokens: StoredOAuthTokens | undefined;
  #verifier = '';
  #discovery: OAuthDiscoveryState | undefined;
  readonly #metadata: OAuthClientMetadata;

  constructor(options: { clientName?: string; confidential?: boolean } = {}) {
    this.#metadata = {
      client_name: options.clientName ?? 'Switchboard test client',
      redirect_uris: [TEST_REDIRECT_URL],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: options.confidential ? 'client_secret_basic' : 'none',
    };
  }

  get redirectUrl(): string {
    return TEST_REDIRECT_URL;
  }
  get clientMetadata(): OAuthClientMetadata {
    return this.#metadata;
  }
  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.#client;
  }
  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.#client = info;
  }
  tokens(): StoredOAuthTokens | undefined {
    return this.#tokens;
  }
  saveTokens(tokens: StoredOAuthTokens): void {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }
  codeVerifier(): string {
    return this.#verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.#discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'client') this.#client = undefined;
    if (scope === 'all' || scope === 'discovery') this.#discovery = undefined;
  }
}

/** Cookies by name for one origin: enough for the authorization server's session and interaction cookies. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      const expired = /max-age=0\b/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line);
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

export interface BrowserChoices {
  email: string;
  password: string;
  /** Default `allow`. */
  decision?: 'allow' | 'deny';
  /** The scopes to approve on the consent page; default everything asked for. */
  scopes?: string[];
}

/** A record of the pages the browser saw, for assertions. */
export interface BrowserVisit {
  callbackUrl: URL;
  pages: Array<{ kind: 'login' | 'consent'; html: string }>;
}

/**
 * Follows the authorization URL through login and consent, as a person in a browser would, and returns the URL
 * the authorization server finally redirects to (the client's callback, never fetched).
 */
export async function authorizeInBrowser(authorizationUrl: URL, choices: BrowserChoices, jar = new CookieJar()): Promise<BrowserVisit> {
  const origin = authorizationUrl.origin;
  const pages: BrowserVisit['pages'] = [];
  let url = authorizationUrl;
  for (let hop = 0; hop < 20; hop++) {
    if (url.origin !== origin) return { callbackUrl: url, pages };
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`the authorization server answered ${res.status} at ${url.pathname}: ${html.slice(0, 500)}`);
    const uid = /\/interaction\/([^/]+)$/.exec(url.pathname)?.[1];
    if (!uid) throw new Error(`unexpected page at ${url.href}`);
    let form: URLSearchParams;
    let action: string;
    if (html.includes('name="password"')) {
      pages.push({ kind: 'login', html });
      action = `/interaction/${uid}/login`;
      form = new URLSearchParams({ email: choices.email, password: choices.password });
    } else {
      pages.push({ kind: 'consent', html });
      action = `/interaction/${uid}/consent`;
      form = new URLSearchParams({ decision: choices.decision ?? 'allow' });
      if (choices.scopes) {
        form.set('scope_choice', 'explicit');
        for (const scope of choices.scopes) form.append('scope', scope);
      }
    }
    const posted = await fetch(new URL(action, origin), { method: 'POST', redirect: 'manual', headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    jar.store(posted);
    const next = posted.headers.get('location');
    if (posted.status !== 303 || !next) throw new Error(`posting ${action} answered ${posted.status}: ${(await posted.text()).slice(0, 500)}`);
    url = new URL(next, origin);
  }
  throw new Error('too many redirects at the authorization server');
}

export type Era = 'modern' | 'legacy';

/** A v2 client: `modern` negotiates (and gets 2026-07-28 from a v2 server); `legacy` runs the plain 2025-11-25 handshake. */
export function demoClient(era: Era): Client {
  return new Client({ name: 'switchboard-demo-test', version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : {});
}

export interface DemoConnection {
  client: Client;
  oauth: InMemoryOAuthClient;
  jar: CookieJar;
  /** The browser's trip through login and consent (absent when the provider already held tokens). */
  visit: BrowserVisit | undefined;
}

/**
 * Connects to a demo MCP URL as a person: the first connect meets the 401 and registers, the browser signs in and
 * consents, `finishAuth` redeems the code, and a fresh transport connects with the token.
 */
export async function connectAs(
  mcpUrl: string,
  choices: BrowserChoices,
  options: { era?: Era; oauth?: InMemoryOAuthClient; jar?: CookieJar; transport?: Omit<StreamableHTTPClientTransportOptions, 'authProvider'> } = {},
): Promise<DemoConnection> {
  const { era = 'modern', oauth = new InMemoryOAuthClient(), jar = new CookieJar() } = options;
  const transport = () => new StreamableHTTPClientTransport(new URL(mcpUrl), { ...options.transport, authProvider: oauth });
  const first = demoClient(era);
  try {
    await first.connect(transport());
    return { client: first, oauth, jar, visit: undefined };
  } catch (error) {
    if (!(error instanceof UnauthorizedError) || !oauth.authorizationUrl) throw error;
  }
  const visit = await authorizeInBrowser(oauth.authorizationUrl, choices, jar);
  await transport().finishAuth(visit.callbackUrl.searchParams);
  const client = demoClient(era);
  await client.connect(transport());
  return { client, oauth, jar, visit };
}

export interface ToolOutcome {
  isError: boolean;
  text: string;
  data: Record<string, unknown>;
}

export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolOutcome> {
  const result = await client.callTool({ name, arguments: args });
  const content = Array.isArray(result.content) ? result.content : [];
  const text = content.map((c: { type: string; text?: string }) => (c.type === 'text' ? (c.text ?? '') : '')).join('\n');
  return { isError: result.isError === true, text, data: (result.structuredContent ?? {}) as Record<string, unknown> };
}
