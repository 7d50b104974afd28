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
  created_at: CreatedAt;
  updated_at: CreatedAt;
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

export interface DB {
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  access_tokens: AccessTokensTable;
  user_identities: UserIdentitiesTable;
  sso_login_flows: SsoLoginFlowsTable;
  system_settings: SystemSettingsTable;
}

export type UserRow = Selectable<UsersTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type AccessTokenRow = Selectable<AccessTokensTable>;
export type SessionRow = Selectable<SessionsTable>;
// Generated is re-exported for migrations that add serial columns later.
export type { Generated };
