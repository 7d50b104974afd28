/**
 * Tool access modes, as the gateway applies them (docs/tool-access.md). Pure: no storage, no protocol, so the
 * chat can apply the same rule with its own model's context size.
 *
 * - `always`: every tool definition is loaded (listed).
 * - `on_demand`: a small list — search_tools, call_tool, suggest_connectors, pinned tools and tools a search
 *   added — and everything else is found by search.
 * - `auto` (the default): `always` while the definitions fit the budget (10% of the model's context) and the
 *   person uses fewer than 10 connectors, otherwise `on_demand`.
 */
export const TOOL_ACCESS_MODES = ['auto', 'always', 'on_demand'] as const;
export type ToolAccessMode = (typeof TOOL_ACCESS_MODES)[number];
export type LoadedMode = Exclude<ToolAccessMode, 'auto'>;

/** Share of the model's context that tool definitions may take in Auto. */
export const AUTO_BUDGET_SHARE = 0.1;
/** Auto loads everything only below this many connectors. */
export const AUTO_CONNECTOR_LIMIT = 10;
/** The context size assumed for MCP clients, whose model Switchboard does not know (`gateway.mcpContextTokens`). */
export const DEFAULT_CONTEXT_TOKENS = 200_000;

/** A tool by its connector's slug and its own name there. */
export interface PinnedTool {
  connector: string;
  tool: string;
}

/** The MCP client connection a request came through: an OAuth client, or a personal access token. */
export interface McpClientRef {
  kind: 'oauth' | 'token';
  id: string;
}

/** What the gateway reads about a person's tool access (the policy module's settings, through a port). */
export interface ToolAccessSettings {
  mode: ToolAccessMode;
  clients: Array<McpClientRef & { mode: ToolAccessMode }>;
  pinned: PinnedTool[];
  orgPinned: PinnedTool[];
}

export type ToolAccessSettingsPort = (userId: string, orgId: string | undefined) => Promise<ToolAccessSettings>;

/** Where the mode in force came from. */
export type ModeSource = 'request' | 'client' | 'person' | 'default';

/**
 * The mode a request asked for: a `?tools=` parameter on the /mcp URL (or a chat's own setting) wins over the
 * client's override, which wins over the person's default.
 */
export function configuredMode(settings: ToolAccessSettings, client: McpClientRef | undefined, requested: ToolAccessMode | undefined): { mode: ToolAccessMode; source: ModeSource } {
  if (requested) return { mode: requested, source: 'request' };
  const override = client && settings.clients.find((c) => c.kind === client.kind && c.id === client.id);
  if (override) return { mode: override.mode, source: 'client' };
  return { mode: settings.mode, source: 'person' };
}

export interface AutoInput {
  /** Tokens of every tool definition the person may use. */
  definitionTokens: number;
  /** Connectors contributing at least one tool. */
  connectors: number;
  contextTokens: number;
}

/** What Auto becomes, and a sentence saying why, with the figures. */
export function resolveAuto(input: AutoInput): { mode: LoadedMode; reason: string; budgetTokens: number } {
  const budgetTokens = Math.floor(input.contextTokens * AUTO_BUDGET_SHARE);
  const n = (value: number) => value.toLocaleString('en');
  const budget = `the budget of ${n(budgetTokens)} tokens (${AUTO_BUDGET_SHARE * 100}% of a ${n(input.contextTokens)}-token context)`;
  const connectors = `${input.connectors} connector${input.connectors === 1 ? '' : 's'}`;
  if (input.connectors >= AUTO_CONNECTOR_LIMIT) {
    return { mode: 'on_demand', budgetTokens, reason: `Your tools come from ${connectors} (${AUTO_CONNECTOR_LIMIT} or more), so they are found on demand.` };
  }
  if (input.definitionTokens > budgetTokens) {
    return { mode: 'on_demand', budgetTokens, reason: `The tool definitions of your ${connectors} take ${n(input.definitionTokens)} tokens, over ${budget}, so they are found on demand.` };
  }
  return { mode: 'always', budgetTokens, reason: `The tool definitions of your ${connectors} take ${n(input.definitionTokens)} tokens, within ${budget}, and you use fewer than ${AUTO_CONNECTOR_LIMIT} connectors, so all are loaded.` };
}

/** Reads a mode from text (a URL parameter): `on-demand` and `ondemand` are accepted too. */
export function parseMode(value: string): ToolAccessMode | undefined {
  const v = value.trim().toLowerCase().replace(/-/g, '_');
  if (v === 'ondemand') return 'on_demand';
  return (TOOL_ACCESS_MODES as readonly string[]).includes(v) ? (v as ToolAccessMode) : undefined;
}
