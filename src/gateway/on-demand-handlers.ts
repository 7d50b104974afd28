import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Caller, GatewayCore, GatewayToolList } from './core.ts';
import { suggestFor, suggestionsText, type SuggestDeps } from './connector-suggestions.ts';
import { argumentProblem, SEARCH_TOOLS, searchToolsArgs, SUGGEST_CONNECTORS, suggestConnectorsArgs } from './on-demand-tools.ts';
import { toolError } from './results.ts';
import { figuresText, type ToolAccess, type ToolAccessRequest, type ToolAccessView } from './tool-access.ts';

/** What the On demand tools need besides the core (mcp-server.ts runs `call_tool` itself: it needs the request's context). */
export interface OnDemandDeps {
  core: GatewayCore;
  access: ToolAccess;
  suggest: SuggestDeps;
  /** Tells the person's clients that their tool list changed (a search added tools to it). */
  toolsChanged(userId: string): void;
}

/**
 * `search_tools`: the caller's own tools that fit, with their full definitions; optionally added to the list.
 * `view` is the request's tool access view, which the caller has already read to route the call.
 */
export async function searchTools(deps: OnDemandDeps, caller: Caller, request: ToolAccessRequest, view: ToolAccessView, raw: unknown): Promise<CallToolResult> {
  const parsed = searchToolsArgs.safeParse(raw ?? {});
  if (!parsed.success) return toolError(argumentProblem(SEARCH_TOOLS, parsed.error));
  const { query, regex, limit, add_to_list: addToList } = parsed.data;
  if (!query.trim() && !regex) return toolError('Say what you are looking for: give a query in words (e.g. "create an issue"), or a regex.');
  if (regex !== undefined) {
    try {
      new RegExp(regex, 'i');
    } catch (err) {
      return toolError(`The regex "${regex}" is not a valid JavaScript regular expression (${(err as Error).message}). Fix it, or leave it out and search with words.`);
    }
  }
  // Hybrid with the operator's embedding model when one is configured; never fails because of it (lexical then).
  const { hits, ranking, lexicalOnly } = await deps.access.index.searchRanked(caller, view.list, query, { limit, regex });
  let added: string[] = [];
  if (addToList && hits.length > 0) {
    added = deps.access.added.add(caller.userId, caller.orgId, request.client, hits.map((h) => h.tool.name));
    if (added.length > 0) {
      // Only an On demand list changes; an Always available one already holds every tool.
      view = await deps.access.view(caller, request);
      if (view.mode === 'on_demand') deps.toolsChanged(caller.userId);
    }
  }

  const lines: string[] = [];
  const what = query.trim() ? `"${query.trim()}"` : `the regex /${regex}/`;
  if (hits.length === 0) {
    lines.push(`No tool of yours fits ${what}. Try other words, or suggest_connectors to find a connector that could do it.`);
  } else {
    lines.push(`${hits.length} tool${hits.length === 1 ? '' : 's'} fit ${what}. Call one with call_tool {"name": "<name>", "arguments": {…}}:`);
    hits.forEach(({ tool }, i) => {
      const confirm = tool.decision === 'ask' ? '; asks you to confirm before it runs' : '';
      lines.push('', `${i + 1}. ${tool.name}${tool.tool.title ? ` — ${tool.tool.title}` : ''} (connector ${tool.connector}${confirm})`, `Description: ${tool.tool.description ?? '(none)'}`, `Input schema: ${JSON.stringify(tool.tool.inputSchema)}`);
    });
  }
  if (addToList) {
    lines.push('', added.length > 0 ? `Added to your tool list: ${added.join(', ')}.${view.mode === 'always' ? ' (Your list already holds every tool: it is in Always available mode.)' : ''}` : hits.length > 0 ? 'These tools were already in your tool list.' : 'Nothing was added to your tool list.');
  }
  if (view.list.problems.length > 0) lines.push('', `Not searched (their tools could not be listed): ${view.list.problems.map((p) => `${p.connector} (${p.message})`).join('; ')}.`);
  lines.push('', figuresText(view.figures, view.mode));
  return {
    content: [{ type: 'text', text: lines.join('\n') }],
    structuredContent: {
      tools: hits.map(({ tool, score }) => ({
        name: tool.name,
        ...(tool.tool.title ? { title: tool.tool.title } : {}),
        description: tool.tool.description ?? '',
        inputSchema: tool.tool.inputSchema,
        connector: tool.connector,
        decision: tool.decision,
        score,
        tokens: deps.access.tokensOf(tool.tool),
      })),
      added,
      mode: view.mode,
      ranking,
      ...(deps.access.index.hybrid && lexicalOnly ? { lexicalOnly } : {}),
      figures: view.figures,
    },
  };
}

/** `suggest_connectors`: which connected connector to use (or to ask about), and which to connect; `list` is the caller's. */
export async function suggestConnectorsTool(deps: OnDemandDeps, caller: Caller, list: GatewayToolList, raw: unknown): Promise<CallToolResult> {
  const parsed = suggestConnectorsArgs.safeParse(raw ?? {});
  if (!parsed.success) return toolError(argumentProblem(SUGGEST_CONNECTORS, parsed.error));
  const { query, limit } = parsed.data;
  const allowed = await deps.core.allowedConnectors(caller);
  const suggestions = await suggestFor(deps.suggest, list, allowed, caller.orgId, query, limit);
  return { content: [{ type: 'text', text: suggestionsText(query, suggestions) }], structuredContent: { ...suggestions } };
}
