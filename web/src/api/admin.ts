import { request } from './client.ts';
import type { Connector, EnabledConnector, Role } from './types.ts';
import type { CategoryRules, Decision, PinnedTool, ToolCategory } from './settings.ts';

/**
 * An organization's administration (the Admin console, owners): members and roles, connectors and custom
 * connectors, rules, interactive UI, pinned tools, domains and the enterprise restriction, the egress allow-list,
 * and the audit log. The shapes are the REST API's (docs/api.md, /api/v1/openapi.json).
 */

export interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  joinedAt: string;
}

export interface OrgRules {
  connector: string;
  categories: CategoryRules;
  tools: Record<string, Decision>;
  overrides: Record<string, ToolCategory>;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface InteractiveUi {
  connector: string;
  enabled: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface OrgDomain {
  domain: string;
  verified: boolean;
  verifiedAt: string | null;
  method: 'dns' | 'manual' | null;
  txtRecord: string;
  createdAt: string;
}

export interface EnterpriseSetting {
  restrictVerifiedDomains: boolean;
  eligible: boolean;
}

export type AuditKind = 'tool_call' | 'enablement' | 'policy' | 'connection' | 'membership';

export interface AuditEvent {
  id: string;
  at: string;
  kind: AuditKind;
  action: string | null;
  actor: string | null;
  userId: string | null;
  orgId: string | null;
  connector: string | null;
  tool: string | null;
  decision: Decision | null;
  outcome: 'ok' | 'error' | 'refused' | null;
  latencyMs: number | null;
  surface: string | null;
  subject: string | null;
  requestId: string | null;
  detail: string | null;
  details: unknown;
}

export interface AuditFilters {
  kind?: AuditKind | undefined;
  action?: string | undefined;
  user?: string | undefined;
  connector?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const enc = encodeURIComponent;
const o = (org: string) => `/orgs/${enc(org)}`;
const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

export function auditQuery(filters: AuditFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export const adminApi = {
  members: (org: string, signal?: AbortSignal) => request<{ members: Member[] }>('GET', `${o(org)}/members`, opts(signal)),
  addMember: (org: string, email: string, role: 'owner' | 'member') => request<{ member: Member }>('POST', `${o(org)}/members`, { body: { email, role } }),
  setRole: (org: string, userId: string, role: 'owner' | 'member') => request<void>('PATCH', `${o(org)}/members/${enc(userId)}`, { body: { role } }),
  removeMember: (org: string, userId: string) => request<void>('DELETE', `${o(org)}/members/${enc(userId)}`),

  enabled: (org: string, signal?: AbortSignal) => request<{ connectors: EnabledConnector[] }>('GET', `${o(org)}/connectors`, opts(signal)),
  enable: (org: string, slug: string) => request<{ connector: EnabledConnector; changed: boolean }>('PUT', `${o(org)}/connectors/${enc(slug)}`),
  disable: (org: string, slug: string) => request<void>('DELETE', `${o(org)}/connectors/${enc(slug)}`),
  addCustom: (body: { org: string; url: string; name?: string; description?: string; oauthClientId?: string; oauthClientSecret?: string }) =>
    request<{ connector: Connector; matchedListing: string | null }>('POST', '/connectors', { body }),
  removeCustom: (slug: string) => request<void>('DELETE', `/connectors/${enc(slug)}`),

  rules: (org: string, connector: string, signal?: AbortSignal) => request<{ rules: OrgRules }>('GET', `${o(org)}/connectors/${enc(connector)}/policy`, opts(signal)),
  setRules: (org: string, connector: string, rules: { categories: CategoryRules; tools: Record<string, Decision>; overrides: Record<string, ToolCategory> }) =>
    request<{ rules: OrgRules; changed: boolean }>('PUT', `${o(org)}/connectors/${enc(connector)}/policy`, { body: rules }),
  ui: (org: string, connector: string, signal?: AbortSignal) => request<{ ui: InteractiveUi }>('GET', `${o(org)}/connectors/${enc(connector)}/ui`, opts(signal)),
  setUi: (org: string, connector: string, enabled: boolean) => request<{ ui: InteractiveUi; changed: boolean }>('PUT', `${o(org)}/connectors/${enc(connector)}/ui`, { body: { enabled } }),
  pins: (org: string, signal?: AbortSignal) => request<{ pinned: PinnedTool[]; updatedBy: string | null; updatedAt: string | null }>('GET', `${o(org)}/tool-access`, opts(signal)),
  setPins: (org: string, pinned: PinnedTool[]) => request<{ pinned: PinnedTool[]; changed: boolean }>('PUT', `${o(org)}/tool-access`, { body: { pinned } }),

  domains: (org: string, signal?: AbortSignal) => request<{ domains: OrgDomain[] }>('GET', `${o(org)}/domains`, opts(signal)),
  addDomain: (org: string, domain: string) => request<{ domain: OrgDomain }>('POST', `${o(org)}/domains`, { body: { domain } }),
  verifyDomain: (org: string, domain: string) => request<{ domain: OrgDomain }>('POST', `${o(org)}/domains/${enc(domain)}/verify`),
  removeDomain: (org: string, domain: string) => request<void>('DELETE', `${o(org)}/domains/${enc(domain)}`),
  enterprise: (org: string, signal?: AbortSignal) => request<EnterpriseSetting>('GET', `${o(org)}/enterprise`, opts(signal)),
  setEnterprise: (org: string, restrictVerifiedDomains: boolean) => request<EnterpriseSetting>('PUT', `${o(org)}/enterprise`, { body: { restrictVerifiedDomains } }),

  egress: (org: string, signal?: AbortSignal) => request<{ allow: string[] }>('GET', `${o(org)}/egress`, opts(signal)),
  setEgress: (org: string, allow: string[]) => request<{ allow: string[]; changed: boolean }>('PUT', `${o(org)}/egress`, { body: { allow } }),

  audit: (org: string, filters: AuditFilters, cursor?: string, signal?: AbortSignal) =>
    request<{ events: AuditEvent[]; nextCursor: string | null }>('GET', `${o(org)}/audit${auditQuery(filters, { limit: '50', ...(cursor ? { cursor } : {}) })}`, opts(signal)),
  auditExportUrl: (org: string, filters: AuditFilters) => `/api/v1${o(org)}/audit/export${auditQuery(filters)}`,
};
