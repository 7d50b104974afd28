/** The shapes of the REST API's answers the app reads (docs/api.md; the OpenAPI document at /api/v1/openapi.json). */

export type Role = 'primary_owner' | 'owner' | 'member';
export type Plan = 'free' | 'pro' | 'team' | 'enterprise';

export interface User {
  id: string;
  email: string;
  name: string | null;
  createdAt: string;
}

export interface Organization {
  id: string;
  slug: string;
  name: string;
  plan: Plan;
  parentId: string | null;
  createdAt: string;
}

export interface Membership {
  organization: Organization;
  role: Role;
}

export interface Me {
  user: User;
  organizations: Membership[];
  auth: { method: 'token' | 'session'; csrfToken?: string };
}

export interface AuthProviders {
  password: boolean;
  sso: Array<{ id: string; name: string; startUrl: string }>;
}

export const CATEGORIES = ['productivity', 'developer-tools', 'communication', 'files', 'design', 'finance', 'sales-crm', 'data', 'search', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export type Capabilities = { status: 'unknown' } | { status: 'known'; readOnly: number; writeDelete: number; other: number; total: number };

export interface ConnectorSummary {
  slug: string;
  name: string;
  tagline: string;
  category: Category;
  logoUrl: string | null;
  docsUrl: string | null;
  mcpUrl: string;
  transport: 'streamable-http' | 'sse';
  auth: { kind: 'oauth' | 'headers' | 'none'; headers: string[] };
  availability: { plans: Plan[]; clients: Array<'chat' | 'mcp'> };
  interactive: boolean;
  source: string;
  custom: boolean;
  /** A custom connector's organization (its id); null for directory listings. */
  ownerOrgId: string | null;
  capabilities: Capabilities;
}

export interface ConnectorTool {
  name: string;
  title: string | null;
  class: 'read-only' | 'write-delete' | 'other';
  annotations: Record<string, boolean | undefined>;
}

export interface Connector extends ConnectorSummary {
  description: string;
  useCases: string[];
  tools: ConnectorTool[] | null;
  toolsFrom: 'tools/list' | 'listing' | null;
  toolsRecordedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Connection {
  connector: string;
  status: 'connected' | 'expired';
  authKind: 'oauth' | 'headers' | 'none';
  scope: string | null;
  expiresAt: string | null;
  statusReason: string | null;
  connectedAt: string;
  lastRefreshedAt: string | null;
  headerNames: string[];
}

export interface EnabledConnector {
  connector: string;
  name: string;
  authKind: string;
  enabledBy: { userId: string; email: string } | null;
  enabledAt: string;
}

export interface ApiErrorBody {
  error: { code: string; message: string; reference: string; details?: Record<string, unknown> };
}
