import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Agent as UndiciAgent, fetch as undiciFetch } from 'undici';
import { AppError } from '../shared/app-error.ts';
import { AllowList, describeAddress } from './egress-addresses.ts';

export { addressCategory } from './egress-addresses.ts';

/**
 * The egress guard: every connection Switchboard opens on a person's behalf goes through it.
 *
 * Why: a person supplies connector and OAuth URLs, so without it they could make Switchboard reach
 * the operator's network or the cloud metadata endpoint (SSRF). Checking the URL is not enough: a
 * name can resolve to a public address when checked and to 127.0.0.1 when connected (DNS
 * rebinding), so connections resolve through `lookup`, which checks the very addresses the socket
 * then uses. IP literals skip `lookup` in Node, so they are checked before the request is made.
 */

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;

export interface EgressOptions {
  /** CIDR ranges (operator's or organization's) that are reachable even though not public. */
  allow?: string[];
  /**
   * Exact `http(s)://IP:port` origins that are reachable whatever their address: services Switchboard itself
   * started beside it (the demo services on 127.0.0.1). A port, not a range: nothing else on that host opens.
   */
  allowOrigins?: string[];
  resolve?: Resolver;
}

export class EgressRefusedError extends AppError {
  /** The refused address; empty when the URL itself is refused (scheme, credentials). */
  readonly address: string;
  readonly category: string;
  readonly host: string;

  constructor(host: string, address: string, category: string, message: string) {
    super(403, 'egress_refused', message, { details: { host, address, category } });
    this.name = 'EgressRefusedError';
    this.host = host;
    this.address = address;
    this.category = category;
  }
}

const defaultResolve: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Credentials meant for one origin; a redirect elsewhere must not carry them. */
const ORIGIN_CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization'];
const BODY_HEADERS = ['content-encoding', 'content-language', 'content-location', 'content-type', 'content-length'];
/** A redirect's body is read (so its socket can be reused) up to this much, then dropped with the socket. */
const REDIRECT_BODY_LIMIT = 256 * 1024;

const unbracket = (hostname: string) => (hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname);
const familyOf = (address: string): 4 | 6 => (isIP(address) === 6 ? 6 : 4);

export class EgressGuard {
  readonly #allow: AllowList;
  readonly #origins: Set<string>;
  readonly #resolve: Resolver;
  #httpAgent: http.Agent | undefined;
  #httpsAgent: https.Agent | undefined;
  #dispatcher: UndiciAgent | undefined;

  constructor(options: EgressOptions = {}) {
    this.#allow = new AllowList(options.allow ?? []);
    this.#origins = new Set((options.allowOrigins ?? []).map((origin) => {
      const url = new URL(origin);
      if (!isIP(unbracket(url.hostname))) throw new Error(`The allowed origin ${origin} must name an IP address, not a host name.`);
      return endpoint(unbracket(url.hostname), url.port || (url.protocol === 'https:' ? '443' : '80'));
    }));
    this.#resolve = options.resolve ?? defaultResolve;
  }

  /**
   * A guard with more allowed ranges (an organization's allow-list on top of the operator's). It has
   * its own connection pools, since a pooled socket was checked against the allow-list that opened it.
   */
  withAllowed(ranges: string[]): EgressGuard {
    return new EgressGuard({ allow: [...this.#allow.ranges, ...ranges], allowOrigins: [...this.#origins].map((e) => `http://${e}`), resolve: this.#resolve });
  }

  /** Resolves the URL's host and checks every address; returns the checked addresses. */
  async check(url: string | URL): Promise<{ url: URL; addresses: Array<{ address: string; family: 4 | 6 }> }> {
    const parsed = this.#checkUrl(url);
    const host = unbracket(parsed.hostname);
    if (isIP(host)) return { url: parsed, addresses: [{ address: host, family: familyOf(host) }] };
    return { url: parsed, addresses: await this.#resolveChecked(host) };
  }

  /** Node `lookup` that only ever hands the socket addresses it has checked. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    this.#resolveChecked(unbracket(hostname)).then(
      (checked) => {
        const usable = family === 4 || family === 6 ? checked.filter((a) => a.family === family) : checked;
        const first = usable[0];
        if (!first) {
          const error: NodeJS.ErrnoException = new Error(`${hostname} has no IPv${family} address.`);
          error.code = 'ENOTFOUND';
          callback(error, options.all ? [] : '');
        } else if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: Error) => callback(error, options.all ? [] : ''),
    );
  };

  get httpAgent(): http.Agent {
    return (this.#httpAgent ??= this.#guardLiterals(new http.Agent({ keepAlive: true, lookup: this.lookup })));
  }

  get httpsAgent(): https.Agent {
    return (this.#httpsAgent ??= this.#guardLiterals(new https.Agent({ keepAlive: true, lookup: this.lookup })));
  }

  /** `fetch` for SDK transports: destinations checked and pinned, redirects followed here and re-checked. */
  readonly fetch: typeof globalThis.fetch = (input, init) => this.#fetch(input, init);

  async close(): Promise<void> {
    this.#httpAgent?.destroy();
    this.#httpsAgent?.destroy();
    await this.#dispatcher?.close();
    this.#httpAgent = this.#httpsAgent = this.#dispatcher = undefined;
  }

  #refuse(host: string, address: string, how: string): void {
    if (this.#allow.has(address)) return;
    const described = describeAddress(address);
    if (!described) return;
    const label = described.note ? `${described.category}: ${described.note}` : described.category;
    throw new EgressRefusedError(
      host,
      address,
      described.category,
      `Switchboard does not connect to ${address} (${label}): ${how}. If this server is meant to be reachable, an owner can allow its address range in the organization's egress allow-list.`,
    );
  }

  /** Everything that can be decided without DNS: scheme, credentials, IP-literal hosts. */
  #checkUrl(input: string | URL): URL {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new AppError(400, 'invalid_request', `"${String(input)}" is not a URL.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new EgressRefusedError(url.host, '', 'scheme', `Switchboard connects to servers over http:// or https:// only, not ${url.protocol}// (${url.href}).`);
    }
    if (url.username || url.password) {
      throw new EgressRefusedError(url.host, '', 'credentials', `Switchboard does not connect to URLs with a user name or password in them (${url.host}); remove them from the URL and sign in when asked instead.`);
    }
    const host = unbracket(url.hostname);
    if (isIP(host) && !this.#origins.has(endpoint(host, url.port || (url.protocol === 'https:' ? '443' : '80')))) this.#refuse(host, host, 'it is the address in the URL');
    return url;
  }

  async #resolveChecked(host: string): Promise<Array<{ address: string; family: 4 | 6 }>> {
    if (isIP(host)) {
      this.#refuse(host, host, 'it is the address in the URL');
      return [{ address: host, family: familyOf(host) }];
    }
    let answers: Array<{ address: string; family: 4 | 6 }>;
    try {
      answers = await this.#resolve(host);
    } catch (cause) {
      throw dnsFailure(host, cause);
    }
    if (answers.length === 0) throw dnsFailure(host);
    // Every answer, not just the first: the socket may try any of them.
    for (const { address } of answers) this.#refuse(host, address, `${host} resolves to it`);
    return answers.map(({ address }) => ({ address, family: familyOf(address) }));
  }

  #guardLiterals<A extends http.Agent>(agent: A): A {
    // Node connects to an IP-literal host without calling `lookup`, and to a socket path without any address.
    const create = agent.createConnection;
    agent.createConnection = (options, callback) => {
      try {
        if (options.socketPath) throw new EgressRefusedError(options.socketPath, '', 'socket-path', 'Switchboard does not connect to local sockets on a person\'s behalf.');
        const host = unbracket(options.host ?? options.hostname ?? '');
        if (isIP(host) && !this.#origins.has(endpoint(host, String(options.port ?? '')))) this.#refuse(host, host, 'it is the address in the URL');
      } catch (error) {
        process.nextTick(() => callback?.(error as Error, undefined as never));
        return undefined;
      }
      return create.call(agent, options, callback);
    };
    return agent;
  }

  async #fetch(input: Parameters<typeof globalThis.fetch>[0], init: RequestInit = {}): Promise<Response> {
    const request = typeof input === 'string' || input instanceof URL ? undefined : input;
    let url = this.#checkUrl(request ? request.url : input as string | URL);
    let method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers ?? request?.headers);
    // A Request's body is a one-shot stream; read it now so a 307/308 can send it again.
    let body: RequestInit['body'] = init.body !== undefined ? init.body : request?.body ? await request.arrayBuffer() : undefined;
    const signal = init.signal ?? request?.signal;
    const mode = init.redirect ?? request?.redirect ?? 'follow';
    const dispatcher = (this.#dispatcher ??= new UndiciAgent({ connect: { lookup: this.lookup } }));

    for (let redirects = 0; ; redirects++) {
      let response: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        response = await undiciFetch(url, {
          ...(init as object),
          method,
          headers: [...headers],
          body: body as never,
          signal,
          redirect: mode === 'follow' ? 'manual' : mode,
          dispatcher,
          ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
        });
      } catch (error) {
        throw guardErrorIn(error) ?? error;
      }
      const location = response.headers.get('location');
      if (mode !== 'follow' || !REDIRECT_STATUSES.has(response.status) || location === null) return response as unknown as Response;

      await drain(response.body);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new AppError(502, 'upstream_bad_redirect', `Couldn't reach ${url.origin}: it redirected to "${location}", which is not a URL.`);
      }
      if (redirects === MAX_REDIRECTS) {
        throw new AppError(502, 'too_many_redirects', `Couldn't reach ${url.origin}: it redirected more than ${MAX_REDIRECTS} times (the next hop was ${next.origin}).`);
      }
      const crossOrigin = next.origin !== url.origin;
      url = this.#checkUrl(next);
      if ((response.status === 303 && method !== 'GET' && method !== 'HEAD') || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
        for (const name of BODY_HEADERS) headers.delete(name);
      } else if (body instanceof ReadableStream) {
        throw new AppError(502, 'upstream_bad_redirect', `Couldn't reach ${url.origin}: it redirected a streamed ${method} request, which cannot be sent twice.`);
      }
      // Dropped for good: a later hop back to the first origin does not get them back either, as in fetch.
      if (crossOrigin) for (const name of ORIGIN_CREDENTIALS) headers.delete(name);
    }
  }
}

const endpoint = (address: string, port: string) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);

function dnsFailure(host: string, cause?: unknown): AppError {
  return new AppError(502, 'dns_failure', `Couldn't reach the MCP server: the name ${host} does not resolve. Check the URL's spelling.`, { cause });
}

/**
 * The operator's guard and, per set of extra ranges (an organization's allow-list for its custom connectors), a
 * guard that opens those too. Each keeps its own connection pools, since a pooled socket was checked against the
 * list that opened it; a list that changes gets a new guard, so a removed range stops working for new requests.
 */
export class EgressGuards {
  readonly base: EgressGuard;
  readonly #extra = new Map<string, EgressGuard>();

  constructor(base: EgressGuard) {
    this.base = base;
  }

  for(ranges: readonly string[] | undefined): EgressGuard {
    if (!ranges || ranges.length === 0) return this.base;
    const key = [...ranges].sort().join(',');
    let guard = this.#extra.get(key);
    if (!guard) {
      guard = this.base.withAllowed([...ranges]);
      this.#extra.set(key, guard);
    }
    return guard;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.base.close(), ...[...this.#extra.values()].map((g) => g.close())]);
  }
}

/** The guard's refusal behind an error that wrapped it (SDK auth helpers, fetch's TypeError), if there is one. */
export function egressRefusalIn(error: unknown): EgressRefusedError | undefined {
  for (let at = error, depth = 0; at instanceof Error && depth < 6; at = at.cause, depth++) if (at instanceof EgressRefusedError) return at;
  return undefined;
}

/** undici reports connect failures as TypeError("fetch failed") with the lookup's error as cause. */
function guardErrorIn(error: unknown): AppError | undefined {
  for (let at = error, depth = 0; at instanceof Error && depth < 4; at = at.cause, depth++) {
    if (at instanceof EgressRefusedError || (at instanceof AppError && at.code === 'dns_failure')) return at;
  }
  return undefined;
}

async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (let seen = 0; ;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > REDIRECT_BODY_LIMIT) return void (await reader.cancel());
    }
  } catch {
    // The hop's body was never going to be used; a broken one only costs the socket.
  }
}
