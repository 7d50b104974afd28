import { anthropic } from '@ai-sdk/anthropic';
import { getAnthropicLanguageModelEntry } from '@ai-sdk/anthropic/internal';
import { toolSearch, type Tool } from 'ai';
import { z } from 'zod';
import type { Caller, GatewayTool, GatewayToolList } from '../gateway/core.ts';
import type { PersonToolIndex } from '../gateway/person-tool-index.ts';
import { ToolIndex } from '../toolsearch/index.ts';

/**
 * Ranks the person's deferred tools for a query and returns their client-facing names, best first.
 * `eligible` holds the names the search may return (the SDK's own list of deferred tools still
 * eligible); anything else returned is ignored by the SDK anyway.
 */
export type ToolSearchFunction = (query: string, options: { limit: number; eligible: ReadonlySet<string> }) => string[] | Promise<string[]>;

/** An index keyed by client-facing tool name: `ToolIndex` (synchronous) and `HybridToolIndex` (asynchronous) fit. */
export interface ToolSearchIndex {
  search(query: string, options: { limit?: number; filter?: (key: string) => boolean }): Array<{ key: string }> | Promise<Array<{ key: string }>>;
}

/** An index over the given tools, for callers that do not keep one per person. */
export function indexTools(tools: readonly GatewayTool[]): ToolIndex {
  const index = new ToolIndex();
  const byConnector = Map.groupBy(tools, (t) => t.connector);
  for (const [connector, list] of byConnector) {
    index.upsertServer(
      { name: connector },
      list.map((t) => ({ key: t.name, name: t.originalName, title: t.tool.title, description: t.tool.description, inputSchema: t.tool.inputSchema })),
    );
  }
  return index;
}

export function searchWithIndex(index: ToolSearchIndex): ToolSearchFunction {
  return (query, { limit, eligible }) => {
    const hits = index.search(query, { limit, filter: (key) => eligible.has(key) });
    return Array.isArray(hits) ? hits.map((hit) => hit.key) : hits.then((found) => found.map((hit) => hit.key));
  };
}

/**
 * The gateway's per-person index (`ToolAccess.index`) as the chat's search: hybrid with the operator's embedding
 * model when one is configured, lexical otherwise, over the person's own list and the tools still deferred.
 */
export function searchWithPersonIndex(index: PersonToolIndex, caller: Caller, list: GatewayToolList): ToolSearchFunction {
  return async (query, { limit, eligible }) => (await index.search(caller, list, query, { limit, filter: (name) => eligible.has(name) })).map((hit) => hit.tool.name);
}

/**
 * The provider-neutral search tool: the AI SDK's `toolSearch()`, ranking with Switchboard's search
 * instead of the SDK's keyword match. The SDK offers the model only this tool and the undeferred ones,
 * and adds each match's definition from the next step on (it does what a `prepareStep` narrowing
 * `activeTools` would, and keeps the matches for the rest of the generation).
 */
export function neutralSearchTool(search: ToolSearchFunction, maxResults: number): Tool {
  return toolSearch({
    maxResults,
    search: ({ query, tools }) => search(query, { limit: maxResults, eligible: new Set(tools.map((t) => t.name)) }),
  });
}

/** Anthropic's server-side search (BM25: the model asks in words, as a person would). */
export function anthropicSearchTool(): Tool {
  return anthropic.tools.toolSearchBm25_20251119();
}

/**
 * Whether a model runs Anthropic's native tool search: an Anthropic provider, and a model the SDK's own
 * catalog marks `toolSearch: true`. The catalog lists undated ids; a dated snapshot
 * (`claude-haiku-4-5-20251001`) is looked up without its date. Anything else (unknown ids, older
 * models, other providers) takes the provider-neutral path.
 */
export function supportsAnthropicToolSearch(model: { provider: string; modelId: string }): boolean {
  if (!model.provider.startsWith('anthropic')) return false;
  const ids = [model.modelId, model.modelId.replace(/-\d{8}$/, '')];
  return ids.some((id) => {
    try {
      return getAnthropicLanguageModelEntry(id).capabilities.language.tools.toolSearch === true;
    } catch {
      return false;
    }
  });
}

// The two result shapes a search leaves in a step: the SDK's `{ tools: [{ name }] }`, and Anthropic's
// tool references. Results are provider data, so they are parsed, never assumed.
const neutralResult = z.object({ tools: z.array(z.object({ name: z.string() })) });
const anthropicResult = z.array(z.object({ type: z.literal('tool_reference'), toolName: z.string() }));

/** Names of the tools a search found in these steps (in order, without repeats). */
export function foundTools(steps: ReadonlyArray<{ toolResults: ReadonlyArray<{ toolName: string; output: unknown }> }>, searchToolName: string): string[] {
  const found = new Set<string>();
  for (const step of steps) {
    for (const result of step.toolResults) {
      if (result.toolName !== searchToolName) continue;
      const neutral = neutralResult.safeParse(result.output);
      if (neutral.success) for (const t of neutral.data.tools) found.add(t.name);
      const native = anthropicResult.safeParse(result.output);
      if (native.success) for (const ref of native.data) found.add(ref.toolName);
    }
  }
  return [...found];
}
