import { auth, discoverOAuthServerInfo, type FetchLike, type OAuthDiscoveryState, type StoredOAuthTokens } from '@modelcontextprotocol/client';
import type { Kysely } from 'kysely';
import { currentRequestId } from '../audit/context.ts';
import { recordPersonalEvent, type AuditActor } from '../audit/events.ts';
import { enterpriseIdentityError, enterpriseRefusalFor } from '../identity/domains.ts';
import type { DB } from '../db/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { egressRefusalIn } from '../upstream/egress.ts';
import { AppError, invalidInput, notFound } from '../shared/app-error.ts';
import { randomToken } from '../shared/crypto.ts';
import { probeChallenge } from './challenge.ts';
import { authorizationFailed, connectionExpired, notConnected, unknownConnector } from './errors.ts';
import { validateHeaders } from './headers.ts';
import { connectedIdentity, withIdentityScopes } from './identity.ts';
import { SwitchboardOAuthProvider, flowCtx, type FlowState } from './oauth-provider.ts';
import { DatabaseRefreshLock, type RefreshLock } from './refresh-lock.ts';
import { revokeUpstream, type RevocationOutcome } from './revoke.ts';
import { ConnectionStore, type ConnectionRow } from './store.ts';
import type { ConnectionSummary, ConnectorResolver, ConnectorTarget, UpstreamCredentials } from './types.ts';
import type { Vault } from './vault.ts';
import { setPreregisteredClient } from './preregistered-client.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { PolicyChangeBus as ChangeNoticeBus } from '../policy/changes.ts';

type IdentityCheckContext = { issuer: string | undefined; clientId: string | undefined; discovery: OAuthDiscoveryState | undefined };

/** Refresh this long before expiry, so a token never expires between our check and the upstream's. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const FLOW_TTL_MS = 10 * 60_000;
const LEASE_MS = 30_000;
const WAIT_FOR_OTHER_REFRESH_MS = 20_000;
/** How long another node's change to a connection may take to show here without a shared change bus. */
const CACHE_TTL_MS = 15_000;

export interface ConnectionServiceDeps {
  db: Kysely<DB>;
  vault: Vault;
  publicUrl: string;
  resolveConnector: ConnectorResolver;
  log: Logger;
  /** Every request to an authorization server goes through it (the egress guard plugs in here). */
  fetch?: FetchLike;
  /** The fetch for one connector's traffic (the egress guard that opens its organization's ranges); `fetch` otherwise. */
  fetchFor?: (connector: ConnectorTarget) => FetchLike;
  lock?: RefreshLock;
  now?: () => number;
  /** Overrides PUBLIC_URL + /oauth/client-metadata.json as the published Client ID Metadata Document. */
  clientMetadataUrl?: string;
  /** Told of every connect, expiry and disconnect, so the person's MCP clients list their tools again. */
  changes?: ChangeNoticeBus;
}

/**
 * A person's connections to connectors: connecting (OAuth, headers, none), the credentials every
 * upstream call uses (refreshed before expiry and on a 401, once at a time across processes),
 * and disconnecting.
 */
export class ConnectionService {
  readonly store: ConnectionStore;
  readonly #deps: ConnectionServiceDeps;
  readonly #fetch: FetchLike;
  readonly #lock: RefreshLock;
  readonly #now: () => number;
  /** In-process single flight: concurrent callers of one connection share one refresh. */
  readonly #inflight = new Map<string, Promise<UpstreamCredentials>>();
  /** The hot path of every gateway call: a person's connection list and ready-made credentials, per node. */
  readonly #lists = new TtlCache<ConnectionSummary[]>({ ttlMs: CACHE_TTL_MS });
  readonly #credentials = new TtlCache<UpstreamCredentials>({ ttlMs: CACHE_TTL_MS });

  constructor(deps: ConnectionServiceDeps) {
    this.#deps = deps;
    this.store = new ConnectionStore(deps.db, deps.vault);
    this.#fetch = deps.fetch ?? ((url, init) => fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(10_000) }));
    this.#lock = deps.lock ?? new DatabaseRefreshLock(deps.db);
    this.#now = deps.now ?? Date.now;
  }

  async #connector(slug: string): Promise<ConnectorTarget> {
    const connector = await this.#deps.resolveConnector(slug);
    if (!connector) throw unknownConnector(slug);
    return connector;
  }

  #fetchOf(connector: ConnectorTarget): FetchLike {
    return this.#deps.fetchFor?.(connector) ?? this.#fetch;
  }

  #provider(connector: ConnectorTarget, userId: string, mode: ConstructorParameters<typeof SwitchboardOAuthProvider>[1]) {
    const { db, vault, publicUrl, clientMetadataUrl } = this.#deps;
    const checkIdentity = mode.kind === 'authorize' ? (tokens: StoredOAuthTokens, ctx: IdentityCheckContext) => this.#checkIdentity(userId, connector, tokens, ctx) : undefined;
    return new SwitchboardOAuthProvider({ db, vault, store: this.store, publicUrl, connector, userId, clientMetadataUrl, checkIdentity }, mode);
  }

  /**
   * The enterprise restriction (docs/enterprise.md), before anything of a new connection is stored: the email the
   * connector's authorization server reveals (ID token, else userinfo) must not be on a domain verified by an
   * enterprise the person is outside of. A connector that reveals no identity is let through.
   */
  async #checkIdentity(userId: string, connector: ConnectorTarget, tokens: StoredOAuthTokens, ctx: IdentityCheckContext): Promise<void> {
    const metadata = ctx.discovery?.authorizationServerMetadata as { userinfo_endpoint?: unknown } | undefined;
    const userinfoEndpoint = typeof metadata?.userinfo_endpoint === 'string' ? metadata.userinfo_endpoint : undefined;
    const identity = await connectedIdentity(tokens, {
      issuer: ctx.issuer,
      clientId: ctx.clientId,
      userinfoEndpoint,
      fetch: this.#fetchOf(connector),
      now: this.#now,
      note: (reason) => this.#deps.log.debug({ connector: connector.slug, reason }, 'connect: identity not taken from the authorization server'),
    });
    if (!identity) {
      this.#deps.log.debug({ connector: connector.slug, user: userId }, 'connect: the connector revealed no identity; no enterprise restriction applies');
      return;
    }
    const refusal = await enterpriseRefusalFor(this.#deps.db, userId, identity.email);
    if (!refusal) return;
    // The verified domain only, never the person's address.
    this.#deps.log.warn({ connector: connector.slug, user: userId, domain: refusal.domain, enterprise: refusal.enterpriseOrgId, source: identity.source, reference: currentRequestId() }, 'connect: refused, the identity belongs to an enterprise the person is outside of');
    throw enterpriseIdentityError();
  }

  /** Who started an authorization still pending, so the callback can insist it is the same person. */
  async flowOwner(state: string): Promise<string | undefined> {
    const row = await this.#deps.db.selectFrom('connection_flows').select('user_id').where('state', '=', state).executeTakeFirst();
    return row?.user_id;
  }

  #changed(userId: string, connector: string): void {
    this.invalidate(userId);
    void this.#deps.changes?.publish({ kind: 'connection', orgId: null, connector, userId }).catch(() => {});
  }

  /**
   * Connection changes are not made in one transaction with anything (tokens are saved by the OAuth client,
   * revocation talks to the upstream), so the event follows the change it records. Failing to store it is
   * logged loudly but does not undo or misreport a connection that did change.
   */
  async #audit(userId: string, slug: string, action: 'connected' | 'disconnected' | 'expired', details: Record<string, unknown>): Promise<void> {
    const actor: AuditActor = action === 'expired' ? { kind: 'system' } : { kind: 'user', userId };
    await recordPersonalEvent(this.#deps.db, userId, { kind: 'connection', action, actor, userId, connector: slug, subject: slug, details }).catch((err: unknown) =>
      this.#deps.log.error({ err, connector: slug, user: userId, action }, 'audit event could not be stored'),
    );
  }

  async authKindOf(slug: string): Promise<ConnectorTarget['auth']> {
    return (await this.#connector(slug)).auth;
  }

  /** The person's connections; from memory on the gateway's hot path (see `invalidate`). */
  list(userId: string): Promise<ConnectionSummary[]> {
    return this.#lists.get(userId, () => this.store.list(userId));
  }

  /**
   * Forgets what this node keeps in memory of a person's connections (their list and ready-made
   * credentials). Every change made here does it at once; a change notice from another node calls it too.
   */
  invalidate(userId: string): void {
    this.#lists.delete(userId);
    this.#credentials.deletePrefix(`${userId}\n`);
  }

  /** Forgets every person's (after this node may have missed change notices). */
  invalidateAll(): void {
    this.#lists.clear();
    this.#credentials.clear();
  }

  async get(userId: string, slug: string): Promise<ConnectionSummary | undefined> {
    const row = await this.store.get(userId, slug);
    return row ? this.store.summary(row) : undefined;
  }

  /**
   * Begins an OAuth authorization: discovery from the connector's 401, client identity
   * (pre-registered → CIMD → DCR), PKCE, `resource`. Returns where to send the person.
   * `scope` asks for more than before (step-up after `insufficient_scope`).
   */
  async startOAuth(userId: string, slug: string, options: { returnTo?: string | undefined; scope?: string | undefined } = {}): Promise<{ authorizationUrl: string }> {
    const connector = await this.#connector(slug);
    if (connector.auth !== 'oauth') throw invalidInput(`${connector.name} does not use OAuth; connect it with ${connector.auth === 'headers' ? 'its API key headers' : 'no credentials'}.`);
    const flow: FlowState = { state: randomToken(24) };
    await this.#deps.db.deleteFrom('connection_flows').where('expires_at', '<=', new Date(this.#now())).execute();
    await this.#deps.db
      .insertInto('connection_flows')
      .values({ state: flow.state, user_id: userId, connector_slug: slug, return_to: safePath(options.returnTo), scope: options.scope ?? null, expires_at: new Date(this.#now() + FLOW_TTL_MS) })
      .execute();
    const provider = this.#provider(connector, userId, { kind: 'authorize', flow });
    let result: string;
    try {
      const challenge = await probeChallenge(this.#fetchOf(connector), connector.url);
      // Discovered here rather than inside auth() (which then uses this state) to add `openid email` to the
      // scope when the authorization server offers them: the enterprise restriction needs the account's email.
      const discovery = await discoverOAuthServerInfo(connector.url, { fetchFn: this.#fetchOf(connector), ...(challenge.resourceMetadataUrl ? { resourceMetadataUrl: challenge.resourceMetadataUrl } : {}) });
      await provider.saveDiscoveryState({ ...discovery, resourceMetadataUrl: challenge.resourceMetadataUrl?.toString() });
      const scope = withIdentityScopes(options.scope ?? challenge.scope ?? discovery.resourceMetadata?.scopes_supported?.join(' '), discovery.authorizationServerMetadata?.scopes_supported);
      result = await auth(provider, {
        serverUrl: connector.url,
        fetchFn: this.#fetchOf(connector),
        ...(scope ? { scope } : {}),
        ...(challenge.resourceMetadataUrl ? { resourceMetadataUrl: challenge.resourceMetadataUrl } : {}),
      });
    } catch (err) {
      await this.#deps.db.deleteFrom('connection_flows').where('state', '=', flow.state).execute();
      this.#deps.log.warn({ connector: slug, err: (err as Error).message }, 'connect: authorization could not start');
      // Not a passing failure: retrying cannot help, and the refusal says what an owner can do.
      throw egressRefusalIn(err) ?? authorizationFailed(connector, `could not start the authorization (${(err as Error).message})`, err);
    }
    if (result !== 'REDIRECT' || !provider.authorizationUrl) {
      throw authorizationFailed(connector, 'the authorization server did not ask for the person\'s consent, which Switchboard requires for a personal connection');
    }
    return { authorizationUrl: provider.authorizationUrl.toString() };
  }

  /** An owner's OAuth client (id and optional secret) registered by hand at the connector's authorization server. */
  async setOAuthClient(slug: string, clientId: string, clientSecret: string | undefined): Promise<void> {
    await setPreregisteredClient(this.#deps.db, this.#deps.vault, slug, clientId, clientSecret);
  }

  /** The callback leg: checks `state` and `iss`, redeems the code with the PKCE verifier, stores the tokens. */
  async finishOAuth(params: URLSearchParams): Promise<{ userId: string; connector: string; returnTo: string }> {
    const state = params.get('state');
    const row = state ? await this.#deps.db.deleteFrom('connection_flows').where('state', '=', state).returningAll().executeTakeFirst() : undefined;
    if (!row || row.expires_at.getTime() <= this.#now()) {
      throw new AppError(400, 'authorization_expired', 'This authorization link has expired or was already used. Start connecting again from the directory.');
    }
    const connector = await this.#connector(row.connector_slug);
    const error = params.get('error');
    if (error) {
      const reason = error === 'access_denied' ? 'you (or the service) declined the authorization' : `the authorization server answered "${error}"`;
      throw new AppError(400, 'authorization_denied', `${connector.name} was not connected: ${reason}. Start connecting again if that was not intended.`);
    }
    const code = params.get('code');
    if (!code) throw authorizationFailed(connector, 'the authorization server sent no code back');
    const flow: FlowState = {
      state: row.state,
      ...(row.code_verifier_enc ? { codeVerifier: this.#deps.vault.decrypt(row.code_verifier_enc, flowCtx(row.state)) } : {}),
      ...(row.discovery_state ? { discoveryState: JSON.parse(row.discovery_state) as OAuthDiscoveryState } : {}),
    };
    const provider = this.#provider(connector, row.user_id, { kind: 'authorize', flow });
    try {
      const result = await auth(provider, { serverUrl: connector.url, authorizationCode: code, iss: params.get('iss') ?? undefined, fetchFn: this.#fetchOf(connector) });
      if (result !== 'AUTHORIZED' || !provider.savedConnection) throw new Error('no tokens were issued');
    } catch (err) {
      // Refused by the enterprise restriction: said as is (and logged in #checkIdentity); nothing was stored.
      if (err instanceof AppError && err.code === 'enterprise_identity') throw err;
      this.#deps.log.warn({ connector: connector.slug, err: (err as Error).message }, 'connect: code exchange failed');
      throw authorizationFailed(connector, `the authorization could not be completed (${(err as Error).message})`, err);
    }
    this.#deps.log.info({ connector: connector.slug, user: row.user_id }, 'connection established');
    await this.#audit(row.user_id, connector.slug, 'connected', { authKind: 'oauth' });
    this.#changed(row.user_id, connector.slug);
    return { userId: row.user_id, connector: connector.slug, returnTo: row.return_to };
  }

  /** For connectors that take API keys or other static headers (names from the listing's allow-list). */
  async connectWithHeaders(userId: string, slug: string, headers: Record<string, string>): Promise<ConnectionSummary> {
    const connector = await this.#connector(slug);
    if (connector.auth === 'oauth') throw invalidInput(`${connector.name} uses OAuth; connect it through its authorization page instead.`);
    const clean = connector.auth === 'headers' ? validateHeaders(connector, headers) : {};
    const row = await this.store.saveStatic(userId, connector, clean);
    // Header names only: their values are credentials.
    await this.#audit(userId, connector.slug, 'connected', { authKind: connector.auth, headerNames: Object.keys(clean) });
    this.#changed(userId, connector.slug);
    return this.store.summary(row);
  }

  /**
   * The headers an upstream request must carry for this person. Refreshes an OAuth token that expires
   * within 5 minutes, or the exact token an upstream just rejected with 401 (`rejectedAccessToken`).
   */
  async credentialsFor(userId: string, slug: string, options: { rejectedAccessToken?: string } = {}): Promise<UpstreamCredentials> {
    const key = `${userId}\n${slug}`;
    if (options.rejectedAccessToken !== undefined) {
      this.#credentials.delete(key);
      return this.#credentialsFromStore(userId, slug, options);
    }
    // Kept until the refresh margin of the token (then the store decides about refreshing), at most CREDENTIALS_TTL_MS.
    return this.#credentials.get(key, () => this.#credentialsFromStore(userId, slug, {}), (c) => (c.expiresAt === undefined ? Infinity : c.expiresAt - REFRESH_MARGIN_MS - this.#now()));
  }

  async #credentialsFromStore(userId: string, slug: string, options: { rejectedAccessToken?: string }): Promise<UpstreamCredentials> {
    const connector = await this.#connector(slug);
    const row = await this.store.get(userId, slug);
    // Nothing to authenticate: such a connector needs no connection of its own.
    if (!row && connector.auth === 'none') return { headers: {} };
    if (!row) throw notConnected(this.#deps.publicUrl, connector);
    if (row.status === 'expired') throw connectionExpired(this.#deps.publicUrl, connector, row.status_reason ?? 'the service no longer accepts it');
    if (row.auth_kind !== 'oauth') return { headers: this.store.headers(row) };
    const current = bearer(this.store, row);
    if (!this.#needsRefresh(row, current, options.rejectedAccessToken)) return current;
    const key = row.id;
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = this.#refresh(userId, connector, row.id, options.rejectedAccessToken).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  #needsRefresh(row: ConnectionRow, current: UpstreamCredentials, rejected: string | undefined): boolean {
    if (rejected !== undefined) return current.accessToken === rejected;
    return row.expires_at !== null && row.expires_at.getTime() - this.#now() < REFRESH_MARGIN_MS;
  }

  async #refresh(userId: string, connector: ConnectorTarget, connectionId: string, rejected: string | undefined): Promise<UpstreamCredentials> {
    const started = this.#now();
    for (;;) {
      const release = await this.#lock.tryAcquire(connectionId, LEASE_MS);
      if (release) {
        try {
          return await this.#refreshHolding(userId, connector, connectionId, rejected);
        } finally {
          await release();
        }
      }
      // Another process is refreshing: wait for its result rather than redeem the same refresh token.
      await new Promise((r) => setTimeout(r, 100));
      const row = await this.store.byId(connectionId);
      if (!row) throw notConnected(this.#deps.publicUrl, connector);
      if (row.status === 'expired') throw connectionExpired(this.#deps.publicUrl, connector, row.status_reason ?? 'the service no longer accepts it');
      const current = bearer(this.store, row);
      if (!this.#needsRefresh(row, current, rejected)) return current;
      if (this.#now() - started > WAIT_FOR_OTHER_REFRESH_MS) {
        throw new AppError(503, 'refresh_busy', `Renewing your access to ${connector.name} is taking too long. Try again in a moment.`);
      }
    }
  }

  async #refreshHolding(userId: string, connector: ConnectorTarget, connectionId: string, rejected: string | undefined): Promise<UpstreamCredentials> {
    // Re-read under the lock: the previous holder may have refreshed already.
    const row = await this.store.byId(connectionId);
    if (!row) throw notConnected(this.#deps.publicUrl, connector);
    if (row.status === 'expired') throw connectionExpired(this.#deps.publicUrl, connector, row.status_reason ?? 'the service no longer accepts it');
    const current = bearer(this.store, row);
    if (!this.#needsRefresh(row, current, rejected)) return current;
    const tokens = this.store.tokens(row);
    if (!tokens?.refresh_token) {
      if (rejected !== undefined || (row.expires_at && row.expires_at.getTime() <= this.#now())) {
        const reason = 'the access token ended and the service gave no way to renew it';
        await this.store.markExpired(row.id, reason);
        await this.#audit(userId, connector.slug, 'expired', { reason });
        this.#changed(userId, connector.slug);
        throw connectionExpired(this.#deps.publicUrl, connector, reason);
      }
      return current;
    }
    const provider = this.#provider(connector, userId, { kind: 'refresh', connection: row });
    let result = 'FAILED';
    try {
      result = await auth(provider, { serverUrl: connector.url, fetchFn: this.#fetchOf(connector) });
    } catch (err) {
      // invalid_grant: the refresh token is dead (revoked, expired, or rotated elsewhere). Anything
      // else (network, server error) may pass, so the connection is kept for the next attempt.
      if (!provider.grantInvalid && (err as { code?: unknown }).code !== 'invalid_grant') {
        this.#deps.log.warn({ connector: connector.slug, err: (err as Error).message }, 'refresh failed');
        throw authorizationFailed(connector, `could not renew the access token (${(err as Error).message})`, err);
      }
      provider.grantInvalid = true;
    }
    if (provider.grantInvalid || result !== 'AUTHORIZED' || !provider.savedConnection) {
      const reason = 'the service refused to renew access; it may have been revoked';
      await this.store.markExpired(row.id, reason);
      await this.#audit(userId, connector.slug, 'expired', { reason });
      this.#changed(userId, connector.slug);
      this.#deps.log.info({ connector: connector.slug, user: userId }, 'connection expired: refresh refused');
      throw connectionExpired(this.#deps.publicUrl, connector, reason);
    }
    this.#deps.log.info({ connector: connector.slug, user: userId }, 'access token refreshed');
    return bearer(this.store, provider.savedConnection);
  }

  /** Ends the connection at once: revokes upstream where offered, then deletes every stored secret. */
  async disconnect(userId: string, slug: string): Promise<{ revocation: RevocationOutcome }> {
    const row = await this.store.get(userId, slug);
    if (!row) throw notFound(`You have no connection to "${slug}".`);
    let revocation: RevocationOutcome = 'unsupported';
    if (row.auth_kind === 'oauth' && (row.access_token_enc || row.refresh_token_enc)) {
      const connector = await this.#deps.resolveConnector(slug);
      const provider = connector ? this.#provider(connector, userId, { kind: 'refresh', connection: row }) : undefined;
      const tokens = this.store.tokens(row);
      const discovery = provider?.discoveryState();
      const client = provider && row.issuer ? await provider.clientInformation({ issuer: row.issuer }) : undefined;
      const result = tokens ? await revokeUpstream(connector ? this.#fetchOf(connector) : this.#fetch, discovery, client, tokens) : { outcome: 'unsupported' as const };
      revocation = result.outcome;
      if (result.outcome === 'failed') this.#deps.log.warn({ connector: slug, detail: result.detail }, 'disconnect: upstream revocation failed; secrets deleted anyway');
    }
    await this.store.delete(row.id);
    await this.#audit(userId, slug, 'disconnected', { revocation });
    this.#deps.log.info({ connector: slug, user: userId, revocation }, 'connection removed');
    this.#changed(userId, slug);
    return { revocation };
  }
}

function bearer(store: ConnectionStore, row: ConnectionRow): UpstreamCredentials {
  const tokens = store.tokens(row);
  if (!tokens) return { headers: {} };
  const scheme = tokens.token_type && tokens.token_type.toLowerCase() !== 'bearer' ? tokens.token_type : 'Bearer';
  return { headers: { Authorization: `${scheme} ${tokens.access_token}` }, accessToken: tokens.access_token, ...(row.expires_at ? { expiresAt: row.expires_at.getTime() } : {}) };
}

function safePath(value: string | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\x00-\x1f\x7f]/.test(value)) return '/';
  return value.slice(0, 2000);
}
