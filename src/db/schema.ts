import type { ColumnType, Generated, Selectable } from 'kysely';

/** Written as Date or ISO string, read as Date, defaulted by the database on insert. */
type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  disabled_at: NullableTimestamp;
}

export interface OrganizationsTable {
  id: string;
  slug: string;
  name: string;
  plan: 'free' | 'pro' | 'team' | 'enterprise';
  parent_id: string | null;
  /** Enterprise restriction: identities on verified domains only for people inside (docs/enterprise.md). */
  restrict_verified_domains: ColumnType<boolean, boolean | undefined, boolean>;
  /** CIDR ranges the egress guard opens for this organization's custom connectors (migration 0012). */
  egress_allow: ColumnType<string[], string | undefined, string>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** A domain an organization claims; verified by DNS TXT record or by the operator (migration 0011). */
export interface OrgDomainsTable {
  org_id: string;
  domain: string;
  token: string;
  verified_at: Date | null;
  method: 'dns' | 'manual' | null;
  created_at: CreatedAt;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: 'primary_owner' | 'owner' | 'member';
  created_at: CreatedAt;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value: a database leak does not yield usable sessions. */
  id_hash: string;
  user_id: string;
  csrf_token: string;
  auth_method: 'password' | 'sso';
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface AccessTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  /** `sbp_…wxyz`: enough to recognise a token in a list, not enough to use it. */
  hint: string;
  source: 'user' | 'cli' | 'bootstrap';
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface UserIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  email: string | null;
  created_at: CreatedAt;
  last_login_at: Timestamp;
}

export interface SsoLoginFlowsTable {
  state: string;
  code_verifier: string;
  nonce: string;
  return_to: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface SystemSettingsTable {
  key: string;
  value: string;
  updated_at: CreatedAt;
}

/** Written as a JSON string (both drivers pass it through), read back parsed. */
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;

/** The connector catalog (src/directory): one row per listing, whatever its source. */
export interface ConnectorListingsTable {
  slug: string;
  name: string;
  tagline: string;
  description: string;
  use_cases: Json<string[]>;
  category: string;
  logo_url: string | null;
  docs_url: string | null;
  mcp_url: string;
  transport: 'streamable-http' | 'sse';
  auth_kind: 'oauth' | 'headers' | 'none';
  auth_headers: Json<string[]>;
  plans: Json<Array<'free' | 'pro' | 'team' | 'enterprise'>>;
  clients: Json<Array<'chat' | 'mcp'>>;
  interactive: boolean;
  source: 'seed' | 'demo' | 'bootstrap' | 'import' | 'custom';
  origin: string | null;
  /** Custom connectors only: the organization that added it, the only one that sees it. */
  owner_org_id: Generated<string | null>;
  created_by: Generated<string | null>;
  tools: NullableJson<Array<{ name: string; title?: string; annotations?: Record<string, unknown> }>>;
  tools_recorded_at: NullableTimestamp;
  call_timeout_seconds: number | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** One row per tool call through the gateway core: who, what, the policy decision, the outcome. */
/**
 * The audit log: tool calls (`kind` 'tool_call') and administrative changes, append-only (a trigger refuses
 * UPDATE, DELETE and TRUNCATE; migration 0009). See docs/audit.md.
 */
export interface AuditEventsTable {
  id: Generated<string>;
  at: CreatedAt;
  kind: ColumnType<AuditKind, AuditKind | undefined, never>;
  /** The person who acted: the caller of a tool, the member who made a change; null when the operator or Switchboard did. */
  user_id: string | null;
  org_id: string | null;
  connector_slug: string | null;
  tool: string | null;
  decision: 'allow' | 'ask' | 'block' | null;
  outcome: 'ok' | 'error' | 'refused' | null;
  latency_ms: number | null;
  /** Which way in: mcp, chat, api. */
  surface: string | null;
  request_id: string | null;
  /** Why a call was refused or failed (never arguments or results). */
  detail: string | null;
  /** Admin events: what was done (enabled, role_changed, …). */
  action: string | null;
  /** Admin events: who did it, a user id, 'operator' or 'system'. */
  actor: string | null;
  /** Admin events: what it was done to (the member's user id, the connector slug). */
  subject: string | null;
  /** Admin events: the new rules, old and new role…; never secrets. Written as a JSON string. */
  details: ColumnType<unknown, string | null | undefined, never>;
}

export type AuditKind = 'tool_call' | 'enablement' | 'policy' | 'connection' | 'membership';

/** Data keys of the credential vault, each wrapped under the secret key (see src/connections/vault.ts). */
export interface VaultKeysTable {
  id: Generated<number>;
  wrapped_key: string;
  created_at: CreatedAt;
  retired_at: NullableTimestamp;
}

/** Switchboard's own client registrations at upstream authorization servers (DCR or CIMD), keyed by issuer. */
export interface OAuthClientsTable {
  issuer: string;
  redirect_uri: string;
  client_id: string;
  registration: 'dcr' | 'cimd';
  /** The full client information as the AS returned it (may hold a client secret): sealed. */
  client_info_enc: string;
  created_at: CreatedAt;
}

/** A client id/secret an owner registered with a connector's AS themselves (pre-registered client). */
export interface ConnectorOAuthClientsTable {
  connector_slug: string;
  client_id: string;
  client_secret_enc: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface ConnectionsTable {
  id: string;
  user_id: string;
  connector_slug: string;
  status: 'connected' | 'expired';
  auth_kind: 'oauth' | 'headers' | 'none';
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  token_type: string | null;
  scope: string | null;
  expires_at: NullableTimestamp;
  issuer: string | null;
  /** Discovery results (resource and AS metadata): public documents, kept to skip rediscovery. */
  discovery_state: string | null;
  headers_enc: string | null;
  /** Why the connection is expired, for the person (never a secret). */
  status_reason: string | null;
  /** Holder of the refresh lease until this time: one refresh at a time across processes. */
  refresh_lease_until: NullableTimestamp;
  refresh_lease_owner: string | null;
  last_refreshed_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** An OAuth authorization in progress, between the redirect to the AS and the callback. */
export interface ConnectionFlowsTable {
  state: string;
  user_id: string;
  connector_slug: string;
  code_verifier_enc: string | null;
  discovery_state: string | null;
  scope: string | null;
  return_to: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

/** A connector an organization's owners (or the operator: enabled_by null) added to the organization. */
export interface OrgConnectorsTable {
  org_id: string;
  connector_slug: string;
  enabled_by: string | null;
  enabled_at: CreatedAt;
}

/** An organization's settings for one connector that are not policy rules: its interactive UI switch. */
export interface OrgConnectorSettingsTable {
  org_id: string;
  connector_slug: string;
  ui_enabled: Generated<boolean>;
  updated_by: string | null;
  updated_at: CreatedAt;
}

/** An organization's rules for one connector (src/policy). */
export interface OrgConnectorRulesTable {
  org_id: string;
  connector_slug: string;
  categories: Json<Partial<Record<'read' | 'write' | 'other', 'allow' | 'ask' | 'block'>>>;
  tools: Json<Record<string, 'allow' | 'ask' | 'block'>>;
  overrides: Json<Record<string, 'read' | 'write' | 'other'>>;
  updated_by: string | null;
  updated_at: CreatedAt;
}

/** A person's own rules for one connector, account-wide, and their off switch (src/policy). */
export interface UserConnectorRulesTable {
  user_id: string;
  connector_slug: string;
  categories: Json<Partial<Record<'read' | 'write' | 'other', 'allow' | 'ask' | 'block'>>>;
  tools: Json<Record<string, 'allow' | 'ask' | 'block'>>;
  disabled: boolean;
  updated_at: CreatedAt;
}

/** Switchboard's own authorization server (src/mcp-auth): one oidc-provider model instance per row, keyed by a hash of its id. */
export interface McpAuthModelsTable {
  model: string;
  id_hash: string;
  payload: Json<Record<string, unknown>>;
  grant_id: string | null;
  uid: string | null;
  account_id: string | null;
  client_id: string | null;
  /** The client's name as shown at consent (grants only), for the person's list of authorized clients. */
  client_name: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** How many tool definitions a person's clients get (docs/tool-access.md, migration 0013). */
export type ToolAccessModeColumn = 'auto' | 'always' | 'on_demand';
/** A tool by its connector's slug and its own name at the connector. */
export interface PinnedToolColumn {
  connector: string;
  tool: string;
}

/** A person's default tool access mode and the tools they keep loaded in every mode. */
export interface UserToolAccessTable {
  user_id: string;
  mode: ColumnType<ToolAccessModeColumn, ToolAccessModeColumn | undefined, ToolAccessModeColumn>;
  pinned: ColumnType<PinnedToolColumn[], string | undefined, string>;
  updated_at: CreatedAt;
}

/** A person's mode for one MCP client: an OAuth client id, or the id of a personal access token. */
export interface UserToolAccessClientsTable {
  user_id: string;
  client_kind: 'oauth' | 'token';
  client_id: string;
  mode: ToolAccessModeColumn;
  updated_at: CreatedAt;
}

/** The tools an organization's owners keep loaded for every member (when the member may use them). */
export interface OrgToolAccessTable {
  org_id: string;
  pinned: ColumnType<PinnedToolColumn[], string | undefined, string>;
  updated_by: string | null;
  updated_at: CreatedAt;
}

/** A person's conversation in the web chat (src/chat, migration 0014). */
export interface ChatConversationsTable {
  id: string;
  user_id: string;
  org_id: string | null;
  title: string;
  /** True once the person named it (or the first message did): no longer renamed automatically. */
  titled: ColumnType<boolean, boolean | undefined, boolean>;
  /** The conversation's tool access override; null: the person's default. */
  tool_access: ToolAccessModeColumn | null;
  /** Connector slug → false for connectors switched off in this conversation. */
  connectors: ColumnType<Record<string, boolean>, string | undefined, string>;
  /** Client-facing names of tools earlier searches found (On demand). */
  discovered: ColumnType<string[], string | undefined, string>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** One AI SDK UI message of a conversation, in order. */
export interface ChatMessagesTable {
  conversation_id: string;
  position: number;
  id: string;
  role: 'user' | 'assistant' | 'system';
  message: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface DB {
  chat_conversations: ChatConversationsTable;
  chat_messages: ChatMessagesTable;
  user_tool_access: UserToolAccessTable;
  user_tool_access_clients: UserToolAccessClientsTable;
  org_tool_access: OrgToolAccessTable;
  org_domains: OrgDomainsTable;
  mcp_auth_models: McpAuthModelsTable;
  org_connectors: OrgConnectorsTable;
  org_connector_rules: OrgConnectorRulesTable;
  user_connector_rules: UserConnectorRulesTable;
  audit_events: AuditEventsTable;
  org_connector_settings: OrgConnectorSettingsTable;
  vault_keys: VaultKeysTable;
  oauth_clients: OAuthClientsTable;
  connector_oauth_clients: ConnectorOAuthClientsTable;
  connections: ConnectionsTable;
  connection_flows: ConnectionFlowsTable;
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  access_tokens: AccessTokensTable;
  user_identities: UserIdentitiesTable;
  sso_login_flows: SsoLoginFlowsTable;
  system_settings: SystemSettingsTable;
  connector_listings: ConnectorListingsTable;
}

export type UserRow = Selectable<UsersTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type AccessTokenRow = Selectable<AccessTokensTable>;
export type SessionRow = Selectable<SessionsTable>;
// Generated is re-exported for migrations that add serial columns later.
export type { Generated };
