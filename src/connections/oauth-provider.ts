import type { OAuthClientMetadata, OAuthClientProvider, OAuthDiscoveryState, StoredOAuthClientInformation, StoredOAuthTokens } from '@modelcontextprotocol/client';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { preregisteredSecretCtx } from './preregistered-client.ts';
import type { ConnectionRow, ConnectionStore } from './store.ts';
import type { ConnectorTarget } from './types.ts';
import type { Vault } from './vault.ts';

export const CALLBACK_PATH = '/api/v1/connections/callback';
export const CLIENT_METADATA_PATH = '/oauth/client-metadata.json';

/** Switchboard as an OAuth client: the same identity at every authorization server. */
export function clientMetadataFor(publicUrl: string): OAuthClientMetadata {
  const metadata: OAuthClientMetadata = {
    client_name: 'Switchboard',
    client_uri: publicUrl,
    redirect_uris: [`${publicUrl}${CALLBACK_PATH}`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // A public client with PKCE: Client ID Metadata Documents cannot carry a secret, and one
    // registration style everywhere keeps the vault free of per-AS client secrets.
    token_endpoint_auth_method: 'none',
    application_type: 'web',
  };
  return metadata;
}

/** A Client ID Metadata Document needs an https URL with a path; without https, registration falls back to DCR. */
export function clientMetadataUrlFor(publicUrl: string): string | undefined {
  return publicUrl.startsWith('https://') ? `${publicUrl}${CLIENT_METADATA_PATH}` : undefined;
}

/** The state of one authorization in progress, persisted between the redirect and the callback. */
export interface FlowState {
  state: string;
  codeVerifier?: string;
  discoveryState?: OAuthDiscoveryState;
}

interface ProviderDeps {
  /** Where Switchboard's Client ID Metadata Document is published, when not at PUBLIC_URL (e.g. a CDN). */
  clientMetadataUrl?: string | undefined;
  db: Kysely<DB>;
  vault: Vault;
  store: ConnectionStore;
  publicUrl: string;
  connector: ConnectorTarget;
  userId: string;
  /**
   * Called with a fresh authorization's tokens before anything is stored; throwing refuses the connection
   * (the enterprise restriction, docs/enterprise.md). Not called on refresh.
   */
  checkIdentity?: ((tokens: StoredOAuthTokens, ctx: { issuer: string | undefined; clientId: string | undefined; discovery: OAuthDiscoveryState | undefined }) => Promise<void>) | undefined;
}

const flowCtx = (state: string) => `connection_flow:${state}:code_verifier`;
const clientCtx = (issuer: string, redirectUri: string) => `oauth_client:${issuer}:${redirectUri}`;

/**
 * The storage half of the SDK's OAuth client, backed by our database and vault. The SDK's `auth()`
 * does the protocol (discovery, CIMD/DCR, PKCE, resource indicators, `iss` check, refresh); this class
 * only remembers things. Two modes: `authorize` (a fresh authorization: no stored tokens are offered,
 * so the SDK never refreshes instead of asking the person) and `refresh` (stored tokens, no person).
 */
export class SwitchboardOAuthProvider implements OAuthClientProvider {
  readonly #deps: ProviderDeps;
  readonly #mode: 'authorize' | 'refresh';
  readonly #flow: FlowState | undefined;
  readonly #connection: ConnectionRow | undefined;
  /** Set when the SDK wants to send the person to the authorization server. */
  authorizationUrl: URL | undefined;
  /** Set when the authorization server refused the stored grant (e.g. invalid_grant on refresh). */
  grantInvalid = false;
  savedConnection: ConnectionRow | undefined;

  constructor(deps: ProviderDeps, mode: { kind: 'authorize'; flow: FlowState } | { kind: 'refresh'; connection: ConnectionRow }) {
    this.#deps = deps;
    this.#mode = mode.kind;
    this.#flow = mode.kind === 'authorize' ? mode.flow : undefined;
    this.#connection = mode.kind === 'refresh' ? mode.connection : undefined;
  }

  get redirectUrl(): string {
    return `${this.#deps.publicUrl}${CALLBACK_PATH}`;
  }

  get clientMetadataUrl(): string | undefined {
    return this.#deps.clientMetadataUrl ?? clientMetadataUrlFor(this.#deps.publicUrl);
  }

  get clientMetadata(): OAuthClientMetadata {
    return clientMetadataFor(this.#deps.publicUrl);
  }

  state(): string {
    // In refresh mode the SDK asks for a state only after the grant was refused, to start an
    // authorization nobody will follow: the connection is marked expired instead.
    return this.#flow?.state ?? 'refresh-without-person';
  }

  async clientInformation(ctx?: { issuer: string }): Promise<StoredOAuthClientInformation | undefined> {
    const db = this.#deps.db;
    const pre = await db.selectFrom('connector_oauth_clients').selectAll().where('connector_slug', '=', this.#deps.connector.slug).executeTakeFirst();
    if (pre) {
      const info: StoredOAuthClientInformation = { client_id: pre.client_id };
      if (pre.client_secret_enc) info.client_secret = this.#deps.vault.decrypt(pre.client_secret_enc, preregisteredSecretCtx(pre.connector_slug));
      return info;
    }
    if (!ctx?.issuer) return undefined;
    const row = await db.selectFrom('oauth_clients').selectAll().where('issuer', '=', ctx.issuer).where('redirect_uri', '=', this.redirectUrl).executeTakeFirst();
    if (!row) return undefined;
    return JSON.parse(this.#deps.vault.decrypt(row.client_info_enc, clientCtx(row.issuer, row.redirect_uri))) as StoredOAuthClientInformation;
  }

  async saveClientInformation(info: StoredOAuthClientInformation, ctx?: { issuer: string }): Promise<void> {
    const issuer = ctx?.issuer ?? info.issuer;
    if (!issuer) return;
    const registration = info.client_id === this.clientMetadataUrl ? 'cimd' : 'dcr';
    const values = { client_id: info.client_id, registration, client_info_enc: this.#deps.vault.encrypt(JSON.stringify({ ...info, issuer }), clientCtx(issuer, this.redirectUrl)) } as const;
    await this.#deps.db
      .insertInto('oauth_clients')
      .values({ issuer, redirect_uri: this.redirectUrl, ...values })
      .onConflict((oc) => oc.columns(['issuer', 'redirect_uri']).doUpdateSet(values))
      .execute();
  }

  tokens(): StoredOAuthTokens | undefined {
    if (this.#mode === 'authorize') return undefined;
    return this.#connection ? this.#deps.store.tokens(this.#connection) : undefined;
  }

  async saveTokens(tokens: StoredOAuthTokens, ctx?: { issuer: string }): Promise<void> {
    if (this.#mode === 'authorize' && this.#deps.checkIdentity) {
      const issuer = ctx?.issuer ?? tokens.issuer;
      const client = await this.clientInformation(issuer ? { issuer } : undefined);
      await this.#deps.checkIdentity(tokens, { issuer, clientId: client?.client_id, discovery: this.#flow?.discoveryState });
    }
    const row = await this.#deps.store.saveTokens(this.#deps.userId, this.#deps.connector, tokens, { issuer: ctx?.issuer, refreshed: this.#mode === 'refresh' });
    const discovery = this.#flow?.discoveryState;
    if (discovery) await this.#deps.store.saveDiscoveryState(row.id, JSON.stringify(discovery));
    this.savedConnection = row;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }

  async saveCodeVerifier(codeVerifier: string): Promise<void> {
    if (!this.#flow) return;
    this.#flow.codeVerifier = codeVerifier;
    await this.#deps.db
      .updateTable('connection_flows')
      .set({ code_verifier_enc: this.#deps.vault.encrypt(codeVerifier, flowCtx(this.#flow.state)) })
      .where('state', '=', this.#flow.state)
      .execute();
  }

  codeVerifier(): string {
    if (!this.#flow?.codeVerifier) throw new Error('The authorization was started elsewhere or has expired: no code verifier is stored for it.');
    return this.#flow.codeVerifier;
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    if (this.#flow) {
      this.#flow.discoveryState = state;
      await this.#deps.db.updateTable('connection_flows').set({ discovery_state: JSON.stringify(state) }).where('state', '=', this.#flow.state).execute();
    } else if (this.#connection) {
      await this.#deps.store.saveDiscoveryState(this.#connection.id, JSON.stringify(state));
    }
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    if (this.#flow) return this.#flow.discoveryState;
    const stored = this.#connection?.discovery_state;
    return stored ? (JSON.parse(stored) as OAuthDiscoveryState) : undefined;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'tokens' || scope === 'all') this.grantInvalid = true;
    if ((scope === 'client' || scope === 'all') && this.#connection?.issuer) {
      // The AS no longer knows our registration: forget it so the next authorization registers again.
      await this.#deps.db.deleteFrom('oauth_clients').where('issuer', '=', this.#connection.issuer).where('redirect_uri', '=', this.redirectUrl).execute();
    }
    if (scope === 'discovery' && this.#flow) this.#flow.discoveryState = undefined;
  }
}

export { flowCtx };
