import { z } from 'zod';
import type { GatewayTool } from '../gateway/core.ts';
import { DEFAULT_CONTEXT_TOKENS, resolveAuto, TOOL_ACCESS_MODES, type LoadedMode, type ToolAccessMode } from '../gateway/tool-access-mode.ts';
import { toolDefinitionsTokens } from '../toolsearch/index.ts';

/**
 * Tool access modes in the chat. The modes and Auto's rule (a tenth of the model's context, fewer than
 * ten connectors) are the gateway's (`gateway/tool-access-mode.ts`), so the chat and MCP clients decide
 * alike; the chat brings its own model's context size and its per-conversation override.
 */
export const toolAccessModeSchema = z.enum(TOOL_ACCESS_MODES);
export type { LoadedMode, ToolAccessMode };

/**
 * The mode in force for a turn: the conversation's override, else the person's default, else Auto.
 * Both come from storage or a request body, so they are parsed here rather than trusted.
 */
export function resolveToolAccessMode(settings: { conversation?: unknown; person?: unknown }): ToolAccessMode {
  const conversation = toolAccessModeSchema.safeParse(settings.conversation);
  if (conversation.success) return conversation.data;
  const person = toolAccessModeSchema.safeParse(settings.person);
  if (person.success) return person.data;
  return 'auto';
}

export interface LoadingDecision {
  /** The mode asked for. */
  mode: ToolAccessMode;
  /** What the turn does (Auto resolved). */
  loading: LoadedMode;
  /** A sentence for the person: what was decided and why, with the figures. */
  reason: string;
  /** Tokens every definition would take (the tokenizer of `toolsearch/token-count.ts`, as the gateway counts). */
  definitionTokens: number;
  /** Auto's budget: a tenth of the model's context. */
  budgetTokens: number;
  connectors: number;
}

/** What a turn loads for `mode`, given the person's tools and the model's context size. */
export function decideLoading(mode: ToolAccessMode, tools: readonly GatewayTool[], contextTokens = DEFAULT_CONTEXT_TOKENS): LoadingDecision {
  const context = z.number().int().positive().parse(contextTokens);
  const connectors = new Set(tools.map((t) => t.connector)).size;
  const definitionTokens = toolDefinitionsTokens(tools.map((t) => t.tool));
  const auto = resolveAuto({ definitionTokens, connectors, contextTokens: context });
  if (mode === 'auto') return { mode, loading: auto.mode, reason: `Auto: ${auto.reason}`, definitionTokens, budgetTokens: auto.budgetTokens, connectors };
  const reason = mode === 'always' ? 'Always available: every tool definition is loaded.' : 'On demand: tools are found by search as they are needed.';
  return { mode, loading: mode, reason, definitionTokens, budgetTokens: auto.budgetTokens, connectors };
}
