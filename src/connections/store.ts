import type { StoredOAuthTokens } from '@modelcontextprotocol/client';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ConnectionsTable, DB } from '../db/schema.ts';
import { newId } from '../shared/crypto.ts';
import type { ConnectionSummary, ConnectorTarget } from './types.ts';
import type { Vault } from './vault.ts';

export type ConnectionRow = Selectable<ConnectionsTable>;

const ctx = (id: string, field: string) => `connection:${id}:${field}`;

/** Connection rows, with every secret sealed by the vault on the way in and opened on the way out. */
export class ConnectionStore {
  readonly db: Kysely<DB>;
  readonly #vault: Vault;

  constructor(db: Kysely<DB>, vault: Vault) {
    this.db = db;
    this.#vault = vault;
  }

  get(userId: string, slug: string): Promise<ConnectionRow | undefined> {
    return this.db.selectFrom('connections').selectAll().where('user_id', '=', userId).where('connector_slug', '=', slug).executeTakeFirst();
  }

  byId(id: string): Promise<ConnectionRow | undefined> {
    return this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(userId: string): Promise<ConnectionSummary[]> {
    const rows = await this.db.selectFrom('connections').selectAll().where('user_id', '=', userId).orderBy('connector_slug').execute();
    return rows.map((row) => this.summary(row));
  }

  summary(row: ConnectionRow): ConnectionSummary {
    return {
      connector: row.connector_slug,
      status: row.status,
      authKind: row.auth_kind,
      scope: row.scope,
      expiresAt: row.expires_at,
      statusReason: row.status_reason,
      connectedAt: row.created_at,
      lastRefreshedAt: row.last_refreshed_at,
      headerNames: row.headers_enc ? Object.keys(this.headers(row)) : [],
    };
  }

  tokens(row: ConnectionRow): StoredOAuthTokens | undefined {
    if (!row.access_token_enc) return undefined;
    const tokens: StoredOAuthTokens = {
      access_token: this.#vault.decrypt(row.access_token_enc, ctx(row.id, 'access_token')),
      token_type: row.token_type ?? 'Bearer',
    };
    if (row.refresh_token_enc) tokens.refresh_token = this.#vault.decrypt(row.refresh_token_enc, ctx(row.id, 'refresh_token'));
    if (row.scope) tokens.scope = row.scope;
    if (row.expires_at) tokens.expires_in = Math.max(0, Math.floor((row.expires_at.getTime() - Date.now()) / 1000));
    if (row.issuer) tokens.issuer = row.issuer;
    return tokens;
  }

  headers(row: ConnectionRow): Record<string, string> {
    if (!row.headers_enc) return {};
    return JSON.parse(this.#vault.decrypt(row.headers_enc, ctx(row.id, 'headers'))) as Record<string, string>;
  }

  /**
   * Stores a token response in one statement, so a rotated refresh token is never half-saved. A
   * response without a refresh token keeps the one we had (RFC 6749 §6 lets the AS omit it).
   */
  async saveTokens(userId: string, connector: ConnectorTarget, tokens: StoredOAuthTokens, options: { issuer?: string | undefined; refreshed: boolean }): Promise<ConnectionRow> {
    const existing = await this.get(userId, connector.slug);
    const id = existing?.id ?? newId();
    const now = new Date();
    const values = {
      status: 'connected' as const,
      auth_kind: 'oauth' as const,
      access_token_enc: this.#vault.encrypt(tokens.access_token, ctx(id, 'access_token')),
      refresh_token_enc: tokens.refresh_token ? this.#vault.encrypt(tokens.refresh_token, ctx(id, 'refresh_token')) : (existing?.refresh_token_enc ?? null),
      token_type: tokens.token_type ?? 'Bearer',
      scope: tokens.scope ?? existing?.scope ?? null,
      expires_at: typeof tokens.expires_in === 'number' ? new Date(now.getTime() + tokens.expires_in * 1000) : null,
      issuer: options.issuer ?? tokens.issuer ?? existing?.issuer ?? null,
      status_reason: null,
      headers_enc: null,
      updated_at: now,
      ...(options.refreshed ? { last_refreshed_at: now } : {}),
    };
    return this.#upsert(id, userId, connector.slug, values);
  }

  /** One row per (person, connector): insert, or replace what `values` names. */
  #upsert(id: string, userId: string, slug: string, values: Omit<Insertable<ConnectionsTable>, 'id' | 'user_id' | 'connector_slug'>): Promise<ConnectionRow> {
    return this.db
      .insertInto('connections')
      .values({ id, user_id: userId, connector_slug: slug, ...values })
      .onConflict((oc) => oc.columns(['user_id', 'connector_slug']).doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async saveDiscoveryState(id: string, state: string): Promise<void> {
    await this.db.updateTable('connections').set({ discovery_state: state }).where('id', '=', id).execute();
  }

  async saveStatic(userId: string, connector: ConnectorTarget, headers: Record<string, string>): Promise<ConnectionRow> {
    const existing = await this.get(userId, connector.slug);
    const id = existing?.id ?? newId();
    const values = {
      status: 'connected' as const,
      auth_kind: connector.auth,
      headers_enc: Object.keys(headers).length > 0 ? this.#vault.encrypt(JSON.stringify(headers), ctx(id, 'headers')) : null,
      access_token_enc: null,
      refresh_token_enc: null,
      expires_at: null,
      scope: null,
      status_reason: null,
      updated_at: new Date(),
    };
    return this.#upsert(id, userId, connector.slug, values);
  }

  /** A dead grant: the secrets are useless, so they go; the row stays to tell the person to reconnect. */
  async markExpired(id: string, reason: string): Promise<void> {
    await this.db
      .updateTable('connections')
      .set({ status: 'expired', status_reason: reason, access_token_enc: null, refresh_token_enc: null, expires_at: null, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('connections').where('id', '=', id).execute();
  }
}
