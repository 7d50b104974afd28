import type { ToolApprovalStatus, ToolSet } from 'ai';
import { z } from 'zod';
import type { GatewayTool } from '../gateway/core.ts';
import { approvalPrompts, approvalRules, type ApprovalPrompt } from './approvals.ts';
import { gatewayTool, toCaller, type ChatCaller, type ChatGateway, type Deferral } from './gateway-tools.ts';
import { decideLoading, resolveToolAccessMode, type LoadingDecision } from './tool-access.ts';
import { uiResourceUri, visibleToModel } from './apps.ts';
import type { ToolPartMetadata } from './stream-parts.ts';
import { anthropicSearchTool, foundTools, indexTools, neutralSearchTool, searchWithIndex, supportsAnthropicToolSearch, type ToolSearchFunction } from './tool-search.ts';

/** A conversation's list of tools found by earlier searches, as stored with it. */
export const discoveredSchema = z.array(z.string().min(1).max(128)).max(1000);

export interface TurnToolsInput {
  gateway: ChatGateway;
  caller: ChatCaller;
  /** The language model of the turn (any AI SDK model has both fields). */
  model: { provider: string; modelId: string };
  /** The conversation's override and the person's default (stored values, parsed here). */
  toolAccess?: { conversation?: unknown; person?: unknown };
  /** What earlier turns of this conversation found (`TurnTools.discoveredAfter` of the last turn). */
  discovered?: unknown;
  /** The model's context size in tokens (Auto's budget is a tenth of it); the gateway's default otherwise. */
  contextTokens?: number;
  /**
   * Tools to load in full even on demand: client-facing names, or the `{ connector, tool }` pins of the
   * person's and organization's tool-access settings.
   */
  pinned?: ReadonlyArray<string | { connector: string; tool: string }>;
  /**
   * The search behind `search_tools`, e.g. the gateway's per-person index (`searchWithPersonIndex(ToolAccess.index,
   * …)`, hybrid when the operator configured an embedding model), or `searchWithIndex` over a `HybridToolIndex`.
   * By default a lexical index is built from this turn's tools.
   */
  search?: ToolSearchFunction;
  /**
   * With an Anthropic model: force (for a model the SDK's catalog does not know yet) or forbid Anthropic's
   * native search. By default it is used where the catalog says the model has it.
   */
  nativeToolSearch?: boolean;
  /** Tools one search may load (default 5, the SDK's own default). */
  maxResults?: number;
  /** Connectors' display names, for the tool parts' metadata (the slug otherwise). */
  connectorNames?: ReadonlyMap<string, string>;
}

export interface TurnTools {
  decision: LoadingDecision;
  /** Pass as `tools` to generateText/streamText. */
  tools: ToolSet;
  /** Pass as `toolApproval`: every `ask` tool waits for the person. */
  toolApproval: Record<string, ToolApprovalStatus>;
  /** On demand through Anthropic's own tool search. */
  native: boolean;
  /** The search tool's key in `tools` (on demand only). */
  searchToolName: string | undefined;
  /** Tools whose definitions the model has from the first step. */
  loaded: string[];
  /** The carried-in discoveries still available to the person. */
  discovered: string[];
  /** The person's tools by client-facing name. */
  byName: ReadonlyMap<string, GatewayTool>;
  /** The conversation's discoveries after this turn: store them with the conversation. */
  discoveredAfter(steps: ReadonlyArray<{ toolResults: ReadonlyArray<{ toolName: string; output: unknown }> }>): string[];
  /** The approval cards to show for a generation that stopped on `ask` tools. */
  approvalPrompts(content: ReadonlyArray<{ type: string }>): ApprovalPrompt[];
}

const optionsSchema = z.object({
  contextTokens: z.number().int().positive().optional(),
  maxResults: z.number().int().positive().max(50).default(5),
  pinned: z.array(z.union([z.string(), z.object({ connector: z.string(), tool: z.string() })])).default([]),
  nativeToolSearch: z.boolean().optional(),
});

/** The tools of one chat turn, as the person's mode, policy and earlier discoveries make them. */
export async function prepareTurnTools(input: TurnToolsInput): Promise<TurnTools> {
  const options = optionsSchema.parse({ contextTokens: input.contextTokens, maxResults: input.maxResults, pinned: input.pinned, nativeToolSearch: input.nativeToolSearch });
  const caller = toCaller(input.caller);
  // MCP Apps: a tool only its app may call (visibility without "model") is never offered to the model.
  const tools = (await input.gateway.listTools(caller)).tools.filter((t) => visibleToModel(t.tool));
  const decision = decideLoading(resolveToolAccessMode(input.toolAccess ?? {}), tools, options.contextTokens);
  const byName = new Map(tools.map((t) => [t.name, t]));
  const stored = discoveredSchema.safeParse(input.discovered ?? []);
  // A stored list is a hint, not a grant: names the person no longer has (disconnected, now blocked) drop out.
  const discovered = (stored.success ? stored.data : []).filter((name) => byName.has(name));
  // Anthropic's tool search is an Anthropic API tool: never offered to another provider, whatever the override.
  const native = decision.loading === 'on_demand' && input.model.provider.startsWith('anthropic') && (options.nativeToolSearch ?? supportsAnthropicToolSearch(input.model));

  const pinned = (t: GatewayTool) => options.pinned.some((p) => (typeof p === 'string' ? p === t.name : p.connector === t.connector && p.tool === t.originalName));
  const known = new Set(discovered);
  const deferral = (t: GatewayTool): Deferral => (decision.loading === 'always' || known.has(t.name) || pinned(t) ? 'none' : native ? 'anthropic' : 'sdk');
  const set: ToolSet = {};
  for (const t of tools) set[t.name] = gatewayTool(input.gateway, caller, t, deferral(t), toolPartMetadata(t, input.connectorNames));

  let searchToolName: string | undefined;
  if (decision.loading === 'on_demand') {
    searchToolName = freeName(native ? 'tool_search' : 'search_tools', set);
    set[searchToolName] = native ? anthropicSearchTool() : neutralSearchTool(input.search ?? searchWithIndex(indexTools(tools)), options.maxResults);
  }

  return {
    decision,
    tools: set,
    toolApproval: approvalRules(tools),
    native,
    searchToolName,
    loaded: tools.filter((t) => deferral(t) === 'none').map((t) => t.name),
    discovered,
    byName,
    discoveredAfter: (steps) => {
      const found = searchToolName ? foundTools(steps, searchToolName) : [];
      return [...new Set([...discovered, ...found.filter((name) => byName.has(name))])];
    },
    approvalPrompts: (content) => approvalPrompts(content, byName),
  };
}

/** The search tool's key, unless a connector's tool already has it (possible with pass-through names). */
function freeName(base: string, set: ToolSet): string {
  let name = base;
  while (Object.hasOwn(set, name)) name = `${name}_`;
  return name;
}

/** What the UI shows about a tool call: its connector and the tool's own name (docs/chat.md#stream-parts). */
export function toolPartMetadata(t: GatewayTool, names?: ReadonlyMap<string, string>): ToolPartMetadata {
  return {
    connector: t.connector,
    connectorName: names?.get(t.connector) ?? t.connector,
    tool: t.originalName,
    title: t.tool.title ?? t.tool.annotations?.title,
    decision: t.decision,
    resourceUri: uiResourceUri(t.tool),
  };
}
