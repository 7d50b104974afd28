import type { ToolAccessMode } from '../api/settings.ts';
import type { Category, ConnectorSummary } from '../api/types.ts';

export const CATEGORY_LABELS: Record<Category, string> = {
  productivity: 'Productivity',
  'developer-tools': 'Developer tools',
  communication: 'Communication',
  files: 'Files',
  design: 'Design',
  finance: 'Finance',
  'sales-crm': 'Sales & CRM',
  data: 'Data',
  search: 'Search',
  other: 'Other',
};

export const AUTH_LABELS: Record<ConnectorSummary['auth']['kind'], string> = {
  oauth: 'Sign in with the service (OAuth)',
  headers: 'API key',
  none: 'No sign-in needed',
};

export const PLAN_LABELS: Record<string, string> = { free: 'Free', pro: 'Pro', team: 'Team', enterprise: 'Enterprise' };
/** Tool access modes as Settings and the chat's + menu name them. */
export const MODE_LABELS: Record<ToolAccessMode, string> = { auto: 'Auto', always: 'Always available', on_demand: 'On demand' };
export const CLIENT_LABELS: Record<string, string> = { chat: 'Switchboard chat', mcp: 'MCP clients (Claude, Cursor, …)' };

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
