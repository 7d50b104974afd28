import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import {
  discoverAuthorizationServerMetadata,
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
  type FetchLike,
} from '@modelcontextprotocol/client';
import { AppError } from '../shared/app-error.ts';
import { EgressRefusedError, type EgressGuard } from './egress.ts';
import { openUpstream } from './mcp-client.ts';

/**
 * The connection diagnostic: what `POST /api/v1/connectors/{slug}/diagnose` and `switchboard connectors
 * diagnose URL` report. It walks the way Switchboard reaches a connector, one step at a time, and says for a
 * failing step what went wrong and what to do about it:
 *
 * 1. `dns-egress`: the name resolves, and the egress guard allows every address it resolves to;
 * 2. `connect`: TCP, and for https the TLS handshake (certificate checked as for real calls);
 * 3. `mcp`: the MCP handshake, and which spec era the server speaks (2026-07-28, else the 2025-11-25
 *    initialize handshake), or that it requires authorization first;
 * 4. `auth`: when it does, OAuth discovery: protected-resource metadata (RFC 9728), then the authorization
 *    server's metadata (RFC 8414 / OpenID Connect discovery).
 *
 * Every request goes through the egress guard. After a failed step the later ones are `skipped`.
 */

export type DiagnosticStepName = 'dns-egress' | 'connect' | 'mcp' | 'auth';

export interface DiagnosticStep {
  step: DiagnosticStepName;
  status: 'ok' | 'failed' | 'skipped';
  /** What was found, in a sentence. */
  detail: string;
  /** For a failed step: what to do about it. */
  fix?: string;
  ms: number;
}

export interface Diagnosis {
  url: string;
  ok: boolean;
  steps: DiagnosticStep[];
  /** The MCP version the server negotiated (e.g. 2026-07-28, 2025-11-25), when the handshake completed. */
  era?: string;
}

export interface DiagnoseOptions {
  guard: EgressGuard;
  /** The fetch for the MCP and discovery requests; the guard's by default (pass one that goes through it). */
  fetch?: FetchLike;
  /** Each step ends after this long (default 10 s). */
  timeoutMs?: number;
  /** The listing's kind of authorization, when known: an API-key connector's 401 needs no OAuth discovery. */
  auth?: 'oauth' | 'headers' | 'none';
}

const STEPS: DiagnosticStepName[] = ['dns-egress', 'connect', 'mcp', 'auth'];

class StepFailure extends Error {
  readonly fix: string;
  constructor(detail: string, fix: string) {
    super(detail);
    this.fix = fix;
  }
}

class Timeout extends Error {}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Timeout(`no answer within ${ms / 1000} s`)), ms);
      timer.unref();
    }),
  ]);
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export async function diagnose(url: string, options: DiagnoseOptions): Promise<Diagnosis> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const steps: DiagnosticStep[] = [];
  const diagnosis: Diagnosis = { url, ok: false, steps };
  const baseFetch: FetchLike = options.fetch ?? options.guard.fetch;
  // Discovery requests get the step's deadline too (the SDK helpers pass no signal of their own).
  const boundedFetch: FetchLike = (input, init) => baseFetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });

  const run = async (step: DiagnosticStepName, body: () => Promise<{ detail: string; status?: 'ok' | 'skipped' }>): Promise<boolean> => {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    try {
      const { detail, status = 'ok' } = await within(body(), timeoutMs);
      steps.push({ step, status, detail, ms: ms() });
      return true;
    } catch (err) {
      const failure = err instanceof StepFailure ? err : unexpected(step, err, timeoutMs);
      steps.push({ step, status: 'failed', detail: failure.message, fix: failure.fix, ms: ms() });
      return false;
    }
  };

  let target: URL | undefined;
  let addresses: string[] = [];
  /** The 401's WWW-Authenticate header (null: a 401 without one); undefined when no authorization was asked for. */
  let challenge: string | null | undefined;
  const passed =
    (await run('dns-egress', async () => {
      const checked = await checkEgress(options.guard, url);
      target = checked.url;
      addresses = checked.addresses;
      return { detail: checked.detail };
    })) &&
    (await run('connect', () => connect(options.guard, target!, addresses, timeoutMs))) &&
    (await run('mcp', async () => {
      const handshake = await mcpHandshake(url, boundedFetch, timeoutMs);
      if (handshake.version) diagnosis.era = handshake.version;
      challenge = handshake.challenge;
      return { detail: handshake.detail };
    })) &&
    (await run('auth', () => authDiscovery(url, challenge, boundedFetch, options.auth)));
  for (const step of STEPS.slice(steps.length)) steps.push({ step, status: 'skipped', detail: `Not tried: the ${steps.find((s) => s.status === 'failed')?.step ?? 'previous'} step failed.`, ms: 0 });
  diagnosis.ok = passed && steps.every((s) => s.status !== 'failed');
  return diagnosis;
}

function unexpected(step: DiagnosticStepName, err: unknown, timeoutMs: number): StepFailure {
  if (err instanceof Timeout) {
    const what = step === 'connect' ? 'The connection' : step === 'mcp' ? 'The MCP handshake' : step === 'auth' ? 'Auth discovery' : 'Resolving the name';
    return new StepFailure(`${what} got no answer within ${seconds(timeoutMs)}.`, 'Check that the server is up and that no firewall drops Switchboard\'s traffic to it; then run the diagnostic again.');
  }
  return new StepFailure(`Unexpected failure: ${(err as Error)?.message ?? String(err)}.`, 'Run the diagnostic again; if it keeps failing, look for this URL in the server log.');
}

// ---- 1. DNS and the egress decision ----

async function checkEgress(guard: EgressGuard, url: string): Promise<{ url: URL; addresses: string[]; detail: string }> {
  let checked: Awaited<ReturnType<EgressGuard['check']>>;
  try {
    checked = await guard.check(url);
  } catch (err) {
    if (err instanceof EgressRefusedError) {
      const fix =
        err.category === 'scheme' || err.category === 'credentials'
          ? 'Correct the URL: it must start with http:// or https:// and carry no user name or password.'
          : `If this server is meant to be reachable, an organization owner adds its address range (e.g. ${err.address}/32) to the organization's egress allow-list, or the operator to SWITCHBOARD_EGRESS_ALLOW; otherwise correct the URL.`;
      // The guard's own advice is the step's fix here, said once.
      throw new StepFailure(`Refused by the egress guard: ${err.message.replace(/ If this server is meant to be reachable.*$/s, '')}`, fix);
    }
    if (err instanceof AppError && err.code === 'dns_failure') {
      const host = (err.cause as NodeJS.ErrnoException | undefined)?.code;
      throw new StepFailure(
        `The name ${hostOf(url)} does not resolve${host ? ` (${host})` : ''}.`,
        "Check the URL's spelling. If the name is internal, make sure the DNS resolver Switchboard uses knows it.",
      );
    }
    if (err instanceof AppError && err.code === 'invalid_request') throw new StepFailure(err.message, 'Give the full URL of the MCP endpoint, e.g. https://mcp.example.com/mcp.');
    throw err;
  }
  const list = checked.addresses.map((a) => a.address);
  const host = checked.url.hostname;
  const detail = list.length === 1 && list[0] === host.replace(/^\[|\]$/g, '') ? `${host} is an IP address; the egress guard allows it.` : `${host} resolves to ${list.join(', ')}; the egress guard allows ${list.length === 1 ? 'it' : 'them all'}.`;
  return { url: checked.url, addresses: list, detail };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

// ---- 2. TCP and TLS ----

const TLS_ERRORS = new Set([
  'EPROTO',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function tlsFix(code: string, message: string): string {
  if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY|UNTRUSTED/.test(code)) {
    return "The server's certificate is self-signed or issued by a private CA. Give the server a certificate from a public CA, or start Switchboard with NODE_EXTRA_CA_CERTS naming your CA's certificate.";
  }
  if (/EXPIRED|NOT_YET_VALID/.test(code)) return "The server's certificate is outside its validity period: the server's operator must renew it (or fix the server's clock).";
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return "The server's certificate does not name this host: use the host name the certificate was issued for, or have it reissued.";
  if (/wrong.version.number|WRONG_VERSION|http request|packet length too long/i.test(`${code} ${message}`)) {
    return 'The server does not speak TLS on this port: if it is a plain-HTTP server use http://, otherwise use the port where it serves https.';
  }
  return 'Check the server\'s TLS set-up (certificate chain, protocol versions) with the server\'s operator.';
}

function isTlsError(err: NodeJS.ErrnoException): boolean {
  const code = err.code ?? '';
  return TLS_ERRORS.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /SSL|TLS|certificate/i.test(err.message);
}

async function connect(guard: EgressGuard, url: URL, addresses: string[], timeoutMs: number): Promise<{ detail: string }> {
  const secure = url.protocol === 'https:';
  const port = url.port || (secure ? '443' : '80');
  const where = `${url.hostname}:${port}`;
  const answer = await new Promise<{ remote: string; tls?: { protocol: string | null; subject: string; validTo: string } }>((resolve, reject) => {
    // A HEAD request through the guard's agents: the socket they open is the one a real call would (checked
    // addresses, the same certificate verification). Any HTTP answer proves TCP and TLS; the answer is dropped.
    const request = (secure ? https : http).request(url, { method: 'HEAD', agent: secure ? guard.httpsAgent : guard.httpAgent, headers: { accept: 'application/json, text/event-stream' }, timeout: timeoutMs });
    request.once('response', (res) => {
      const socket = res.socket as TLSSocket;
      const cert = secure ? socket.getPeerCertificate?.() : undefined;
      const remote = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort ?? port}` : addresses[0] ?? where;
      resolve({
        remote,
        ...(secure ? { tls: { protocol: socket.getProtocol?.() ?? null, subject: [cert?.subject?.CN ?? cert?.subjectaltname ?? 'the server'].flat().join(', '), validTo: cert?.valid_to ?? '' } } : {}),
      });
      res.resume();
      // Not reused: the diagnostic's socket tells nothing to later requests.
      res.socket.destroy();
    });
    request.once('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${seconds(timeoutMs)}`), { code: 'ETIMEDOUT' })));
    request.once('error', reject);
    request.end();
  }).catch((err: NodeJS.ErrnoException) => {
    throw connectFailure(err, url, where, secure);
  });
  const tcp = `Connected to ${where} (${answer.remote}) over TCP`;
  if (!answer.tls) return { detail: `${tcp}; plain http, no TLS.` };
  return { detail: `${tcp}; TLS ${answer.tls.protocol ?? ''} handshake ok, certificate for ${answer.tls.subject}${answer.tls.validTo ? ` valid until ${answer.tls.validTo}` : ''}.`.replace('TLS  ', 'TLS ') };
}

function connectFailure(err: NodeJS.ErrnoException, url: URL, where: string, secure: boolean): StepFailure {
  const refusal = err instanceof EgressRefusedError ? err : undefined;
  if (refusal) return new StepFailure(`Refused by the egress guard at connect time: ${refusal.message}`, "The name resolved to a refused address when connecting (its DNS answers change). Allow the range on purpose, or correct the server's DNS.");
  const code = err.code ?? '';
  if (secure && isTlsError(err)) {
    return new StepFailure(`The TLS handshake with ${where} failed: ${code ? `${code}: ` : ''}${err.message}.`, tlsFix(code, err.message));
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new StepFailure(`Nothing accepts connections at ${where} (connection refused).`, "Check the URL's port, and that the server is running and listening on that address.");
    case 'ETIMEDOUT':
      return new StepFailure(`Connecting to ${where} got no answer (${err.message}).`, 'Check that the server is up and that no firewall drops traffic from Switchboard to it.');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new StepFailure(`There is no route to ${where} (${code}).`, "Check the network between Switchboard and the server (routes, VPN, firewall).");
    case 'ECONNRESET':
      return new StepFailure(`${where} closed the connection (ECONNRESET)${secure ? ' during or before the TLS handshake' : ''}.`, secure ? 'The server may not speak TLS on this port, or a firewall/proxy cut the connection: check the port and the server\'s TLS set-up.' : 'Check that an HTTP server listens on this port, and that no proxy or firewall cuts the connection.');
    case 'ENOTFOUND':
      return new StepFailure(`The name ${url.hostname} does not resolve (ENOTFOUND).`, "Check the URL's spelling.");
    default:
      return new StepFailure(`Connecting to ${where} failed: ${code ? `${code}: ` : ''}${err.message}.`, 'Check that the server is up and reachable from the Switchboard host.');
  }
}

// ---- 3. The MCP handshake ----

interface Seen {
  method: string;
  url: string;
  status: number;
  contentType: string;
  wwwAuthenticate: string | null;
  /** The start of the body, for answers that are not MCP. */
  snippet?: string;
}

const MCP_TYPES = /^(application\/json|text\/event-stream)/i;

async function mcpHandshake(url: string, fetchFn: FetchLike, timeoutMs: number): Promise<{ detail: string; version?: string; challenge?: string | null }> {
  const seen: Seen[] = [];
  const recording: FetchLike = async (input, init) => {
    const res = await fetchFn(input, init);
    const entry: Seen = {
      method: (init?.method ?? 'GET').toUpperCase(),
      url: String(input instanceof Request ? input.url : input),
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      wwwAuthenticate: res.headers.get('www-authenticate'),
    };
    seen.push(entry);
    if (res.status >= 400 || (res.status < 300 && res.status !== 202 && res.status !== 204 && !MCP_TYPES.test(entry.contentType))) {
      entry.snippet = await snippetOf(res.clone());
    }
    return res;
  };
  let client: Awaited<ReturnType<typeof openUpstream>> | undefined;
  try {
    client = await within(openUpstream(url, { get: async () => ({ headers: {} }) }, { fetch: recording }), timeoutMs);
    const version = client.getNegotiatedProtocolVersion();
    const server = client.getServerVersion();
    const era = client.getProtocolEra() === 'modern' ? 'the 2026-07-28 protocol' : 'the initialize handshake (2025 era)';
    return {
      detail: `The server speaks MCP ${version ?? '(version not reported)'} via ${era}${server ? `; it is "${server.name}" ${server.version}` : ''}. No authorization was asked for.`,
      ...(version ? { version } : {}),
      challenge: undefined,
    };
  } catch (err) {
    const refused = seen.find((s) => s.status === 401 || (s.status === 403 && /bearer/i.test(s.wwwAuthenticate ?? '')));
    if (refused) {
      return {
        detail: `The server requires authorization: it answered HTTP ${refused.status}${refused.wwwAuthenticate ? ` with WWW-Authenticate: ${refused.wwwAuthenticate.slice(0, 300)}` : ' without a WWW-Authenticate header'}. Auth discovery is checked next.`,
        challenge: refused.wwwAuthenticate,
      };
    }
    if (err instanceof Timeout) throw err;
    const last = seen.at(-1);
    if (!last) {
      const cause = causeText(err);
      throw new StepFailure(`The MCP request to ${url} failed before any answer: ${cause}.`, 'The server accepted the connection but did not answer over HTTP: check that an HTTP server (not another protocol) listens on this port.');
    }
    const notMcp = seen.find((s) => s.snippet !== undefined);
    if (notMcp) {
      throw new StepFailure(
        `Not an MCP server: ${notMcp.method} ${notMcp.url} answered HTTP ${notMcp.status}${notMcp.contentType ? ` (${notMcp.contentType.split(';')[0]})` : ''}${notMcp.snippet ? `: "${notMcp.snippet}"` : ''}.`,
        "Check the URL: it must be the server's MCP endpoint (often ending in /mcp), not its website, documentation or REST API.",
      );
    }
    throw new StepFailure(
      `The server answered (HTTP ${last.status}, ${last.contentType || 'no content type'}) but the MCP handshake failed: ${causeText(err)}.`,
      'Switchboard speaks MCP 2026-07-28 and 2025-11-25 (Streamable HTTP). Check that the URL is a Streamable HTTP MCP endpoint (not an old SSE-only one) and that the server is up to date.',
    );
  } finally {
    await client?.close().catch(() => {});
  }
}

async function snippetOf(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, 2000);
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
    const flat = (title ?? text).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    return flat.length > 160 ? `${flat.slice(0, 157)}…` : flat;
  } catch {
    return '';
  }
}

function causeText(err: unknown): string {
  const parts: string[] = [];
  for (let at = err, depth = 0; at instanceof Error && depth < 4; at = at.cause, depth++) {
    const code = (at as NodeJS.ErrnoException).code;
    parts.push(`${at.message}${code && !at.message.includes(String(code)) ? ` (${code})` : ''}`);
  }
  return (parts.length > 0 ? parts.join(': ') : String(err)).replace(/[.\s]+$/, '');
}

// ---- 4. Auth discovery ----

async function authDiscovery(url: string, header: string | null | undefined, baseFetch: FetchLike, kind: DiagnoseOptions['auth']): Promise<{ detail: string; status?: 'ok' | 'skipped' }> {
  // What each discovery URL answered, so a failure can say so (the SDK's errors do not always).
  const answers = new Map<string, number>();
  const fetchFn: FetchLike = async (input, init) => {
    const res = await baseFetch(input, init);
    answers.set(String(input instanceof Request ? input.url : input), res.status);
    return res;
  };
  const answered = (at: string) => (answers.has(at) ? `it answered HTTP ${answers.get(at)}` : 'no answer');
  if (header === undefined) return { status: 'skipped', detail: 'Not needed: the server answered without asking for authorization.' };
  if (kind === 'headers') return { detail: 'The server asks for credentials; this connector takes API-key headers, so there is no OAuth discovery. Connect it with the headers its provider gave you.' };
  const params = header ? extractWWWAuthenticateParams(new Response(null, { status: 401, headers: { 'www-authenticate': header } })) : {};
  const fromHeader = params.resourceMetadataUrl;
  const wellKnown = wellKnownResource(url);

  let resource: Awaited<ReturnType<typeof discoverOAuthProtectedResourceMetadata>> | undefined;
  let resourceAt: string | undefined = fromHeader?.href ?? wellKnown;
  try {
    resource = await discoverOAuthProtectedResourceMetadata(url, fromHeader ? { resourceMetadataUrl: fromHeader } : {}, fetchFn);
  } catch (err) {
    if (fromHeader) {
      throw new StepFailure(
        `Auth discovery is broken: the 401's WWW-Authenticate header names protected-resource metadata (RFC 9728) at ${fromHeader.href}, but it could not be read: ${answered(fromHeader.href)} (${causeText(err)}).`,
        "The server's operator must serve the protected-resource metadata (JSON with `resource` and `authorization_servers`) at the URL its WWW-Authenticate header names, or correct that URL.",
      );
    }
    resourceAt = undefined;
  }

  // Without protected-resource metadata, clients fall back to the server's own origin as its authorization server (2025-03-26).
  const issuer = resource?.authorization_servers?.[0] ?? new URL(url).origin;
  let metadata: Awaited<ReturnType<typeof discoverAuthorizationServerMetadata>>;
  try {
    metadata = await discoverAuthorizationServerMetadata(issuer, { fetchFn });
  } catch (err) {
    throw new StepFailure(
      `Auth discovery is broken: the authorization server ${issuer}${resourceAt ? ` (named by ${resourceAt})` : ''} has metadata Switchboard cannot use: ${causeText(err)}.`,
      "The authorization server's operator must publish valid RFC 8414 metadata (issuer, authorization_endpoint, token_endpoint, response_types_supported) whose issuer matches its URL.",
    );
  }
  if (!metadata) {
    if (!resource) {
      throw new StepFailure(
        `Auth discovery is broken: the server asks for authorization but publishes no protected-resource metadata (RFC 9728; no resource_metadata in its WWW-Authenticate header, nothing at ${wellKnown}), and its origin ${issuer} serves no authorization server metadata either.`,
        "The server's operator must publish protected-resource metadata naming its authorization server. If the connector takes an API key instead of OAuth, list it with authKind \"headers\".",
      );
    }
    throw new StepFailure(
      `Auth discovery is broken: ${resourceAt} names the authorization server ${issuer}, which publishes no metadata (nothing at /.well-known/oauth-authorization-server or /.well-known/openid-configuration).`,
      "The authorization server's operator must publish RFC 8414 or OpenID Connect discovery metadata, or the protected-resource metadata must name the right authorization server.",
    );
  }
  const registration = metadata.registration_endpoint
    ? 'dynamic client registration'
    : (metadata as { client_id_metadata_document_supported?: boolean }).client_id_metadata_document_supported
      ? 'client ID metadata documents'
      : undefined;
  return {
    detail:
      `${resource ? `Protected-resource metadata at ${resourceAt} names the authorization server ${metadata.issuer}` : `No protected-resource metadata; the server's origin is its authorization server ${metadata.issuer}`}; ` +
      `its metadata is good (authorize at ${metadata.authorization_endpoint}, tokens at ${metadata.token_endpoint}). ` +
      (registration ? `Switchboard registers itself there by ${registration}.` : 'It offers no client registration: an operator must register Switchboard there and run `switchboard connectors set-client`.'),
  };
}

function wellKnownResource(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/$/, '');
  return `${parsed.origin}/.well-known/oauth-protected-resource${path}`;
}
