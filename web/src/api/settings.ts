import { request } from './client.ts';

/**
 * The person's own settings (the Settings pages): connections' diagnostics, their own tool rules, personal access
 * tokens, the MCP clients they authorized, the endpoint to give those clients, and tool access modes. The shapes
 * are the REST API's (docs/api.md, /api/v1/openapi.json).
 */

export type Decision = 'allow' | 'ask' | 'block';
export type ToolCategory = 'read' | 'write' | 'other';
export type CategoryRules = Partial<Record<ToolCategory, Decision>>;

export interface PersonRules {
  connector: string;
  categories: CategoryRules;
  tools: Record<string, Decision>;
  disabled: boolean;
  updatedAt: string | null;
}

export interface ToolDecision {
  name: string;
  decision: Decision;
  category: ToolCategory;
  categoryFrom: 'owner' | 'annotations';
  source: 'plan' | 'enablement' | 'person-off' | 'org-tool' | 'org-category' | 'person-tool' | 'person-category' | 'default';
  reason: string;
}

export interface Decisions {
  connector: string;
  toolsKnown: boolean;
  tools: ToolDecision[];
}

export interface DiagnosticStep {
  step: 'dns-egress' | 'connect' | 'mcp' | 'auth';
  status: 'ok' | 'failed' | 'skipped';
  detail: string;
  fix?: string;
  ms: number;
}

export interface Diagnosis {
  connector: string;
  url: string;
  ok: boolean;
  era?: string;
  steps: DiagnosticStep[];
}

export interface AccessToken {
  id: string;
  name: string;
  hint: string;
  source: 'user' | 'cli' | 'bootstrap';
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface McpClient {
  clientId: string;
  name: string;
  authorizedAt: string;
  lastUsedAt: string | null;
}

export interface McpEndpoint {
  url: string;
  organizations: Array<{ slug: string; name: string; default: boolean; url: string }>;
}

export type ToolAccessMode = 'auto' | 'always' | 'on_demand';
export interface PinnedTool {
  connector: string;
  tool: string;
}
export interface ClientMode {
  kind: 'oauth' | 'token';
  id: string;
  mode: ToolAccessMode;
}

export interface ToolAccessFigures {
  organization: string | null;
  contextTokens: number;
  budgetTokens: number;
  connectors: number;
  always: { tools: number; tokens: number };
  onDemand: { tools: number; tokens: number };
  auto: { resolvesTo: 'always' | 'on_demand'; reason: string };
  problems: Array<{ connector: string; message: string }>;
}

export interface ToolAccess {
  mode: ToolAccessMode;
  resolvesTo: 'always' | 'on_demand' | null;
  pinned: PinnedTool[];
  clients: Array<ClientMode & { name: string | null; resolvesTo: 'always' | 'on_demand' | null }>;
  organization: { slug: string; pinned: PinnedTool[] } | null;
  figures: ToolAccessFigures | null;
}

const enc = encodeURIComponent;
const orgQuery = (org: string | undefined) => (org ? `?org=${enc(org)}` : '');

export const settingsApi = {
  diagnose: (slug: string) => request<Diagnosis>('POST', `/connectors/${enc(slug)}/diagnose`),

  myRules: (connector: string, signal?: AbortSignal) => request<{ rules: PersonRules }>('GET', `/me/connectors/${enc(connector)}/policy`, signal ? { signal } : {}),
  setMyRules: (connector: string, rules: { categories: CategoryRules; tools: Record<string, Decision>; disabled: boolean }) =>
    request<{ rules: PersonRules; changed: boolean }>('PUT', `/me/connectors/${enc(connector)}/policy`, { body: rules }),
  decisions: (org: string, connector: string, signal?: AbortSignal) => request<Decisions>('GET', `/orgs/${enc(org)}/connectors/${enc(connector)}/decisions`, signal ? { signal } : {}),

  tokens: (signal?: AbortSignal) => request<{ tokens: AccessToken[] }>('GET', '/me/tokens', signal ? { signal } : {}),
  createToken: (body: { name: string; expiresInDays?: number }) => request<{ token: string; accessToken: AccessToken }>('POST', '/me/tokens', { body }),
  revokeToken: (id: string) => request<{ accessToken: AccessToken }>('DELETE', `/me/tokens/${enc(id)}`),

  clients: (signal?: AbortSignal) => request<{ clients: McpClient[] }>('GET', '/me/clients', signal ? { signal } : {}),
  revokeClient: (clientId: string) => request<{ revoked: true; clientId: string }>('DELETE', `/me/clients/${enc(clientId)}`),
  endpoint: (signal?: AbortSignal) => request<McpEndpoint>('GET', '/me/mcp-endpoint', signal ? { signal } : {}),

  toolAccess: (org: string | undefined, signal?: AbortSignal) => request<ToolAccess>('GET', `/me/tool-access${orgQuery(org)}`, signal ? { signal } : {}),
  setToolAccess: (org: string | undefined, body: { mode?: ToolAccessMode; clients?: ClientMode[]; pinned?: PinnedTool[] }) =>
    request<ToolAccess & { changed: boolean }>('PUT', `/me/tool-access${orgQuery(org)}`, { body }),
};
