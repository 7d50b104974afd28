import type { Tool } from '@modelcontextprotocol/server';
import { toolDefinitionTokens, toolDefinitionsTokens, type Embedder } from '../toolsearch/index.ts';
import { AddedTools } from './added-tools.ts';
import type { Caller, GatewayCore, GatewayTool, GatewayToolList } from './core.ts';
import { onDemandToolDefinitions } from './on-demand-tools.ts';
import { PersonToolIndex, type DescribeConnector } from './person-tool-index.ts';
import { configuredMode, resolveAuto, type LoadedMode, type McpClientRef, type ModeSource, type ToolAccessMode, type ToolAccessSettingsPort } from './tool-access-mode.ts';

/** How a request asks for its tools: its client connection, and a mode it names itself (the /mcp `?tools=`). */
export interface ToolAccessRequest {
  client?: McpClientRef | undefined;
  requested?: ToolAccessMode | undefined;
  /** The model's context size, when known (the chat); MCP clients get the configured one. */
  contextTokens?: number | undefined;
}

/** Token accounting: what each mode would load, counted with a real tokenizer (src/toolsearch/token-count.ts). */
export interface TokenFigures {
  contextTokens: number;
  /** Auto's budget: 10% of the context. */
  budgetTokens: number;
  /** Connectors contributing at least one tool. */
  connectors: number;
  always: { tools: number; tokens: number };
  onDemand: { tools: number; tokens: number };
  auto: { resolvesTo: LoadedMode; reason: string };
}

export interface ToolAccessView {
  /** The mode asked for, and where that came from. */
  configured: ToolAccessMode;
  source: ModeSource;
  /** What is served: Auto resolved. */
  mode: LoadedMode;
  reason: string;
  list: GatewayToolList;
  /** The tools `tools/list` serves in this mode, in order. */
  listed: Tool[];
  /** On demand: the pinned and added tools it lists besides Switchboard's own. */
  loaded: GatewayTool[];
  figures: TokenFigures;
}

export interface ToolAccessDeps {
  core: GatewayCore;
  settings: ToolAccessSettingsPort;
  describe: DescribeConnector;
  /** The context size assumed for MCP clients (`gateway.mcpContextTokens`). */
  contextTokens: number;
  /** The operator's embedding model: searches are hybrid with it (docs/tool-search.md), lexical without. */
  embedder?: Embedder | undefined;
}

/**
 * Tool access modes for a person's requests (docs/tool-access.md): which mode is in force (request, client,
 * person, default), what Auto resolves to, what `tools/list` serves, and the token figures of each mode.
 */
export class ToolAccess {
  readonly index: PersonToolIndex;
  readonly added = new AddedTools();
  readonly #deps: ToolAccessDeps;
  /** Per list (the core rebuilds it only on change): tokens of every definition, and the connectors they come from. */
  readonly #listFigures = new WeakMap<GatewayToolList, { tokens: number; connectors: number }>();
  readonly #toolTokens = new WeakMap<Tool, number>();
  /** Switchboard's own On demand tools and their tokens, by the figures their descriptions quote. */
  readonly #own = new Map<string, { tools: Tool[]; tokens: number }>();

  constructor(deps: ToolAccessDeps) {
    this.#deps = deps;
    this.index = new PersonToolIndex({ describe: deps.describe, embedder: deps.embedder });
  }

  /** Tokens of one tool's definition (memoized per definition object). */
  tokensOf(tool: Tool): number {
    let tokens = this.#toolTokens.get(tool);
    if (tokens === undefined) this.#toolTokens.set(tool, (tokens = toolDefinitionTokens(tool)));
    return tokens;
  }

  #figuresOf(list: GatewayToolList): { tokens: number; connectors: number } {
    let figures = this.#listFigures.get(list);
    if (!figures) {
      let tokens = 0;
      for (const t of list.tools) tokens += this.tokensOf(t.tool);
      figures = { tokens, connectors: new Set(list.tools.map((t) => t.connector)).size };
      this.#listFigures.set(list, figures);
    }
    return figures;
  }

  #ownTools(tools: number, connectors: number, allTokens: number): { tools: Tool[]; tokens: number } {
    const key = `${tools}/${connectors}/${allTokens}`;
    let own = this.#own.get(key);
    if (!own) {
      const defs = onDemandToolDefinitions({ tools, connectors, allTokens });
      own = { tools: defs, tokens: toolDefinitionsTokens(defs) };
      if (this.#own.size >= 1_000) this.#own.clear();
      this.#own.set(key, own);
    }
    return own;
  }

  async view(caller: Caller, request: ToolAccessRequest = {}): Promise<ToolAccessView> {
    const [settings, list] = await Promise.all([this.#deps.settings(caller.userId, caller.orgId), this.#deps.core.listTools(caller)]);
    const { mode: configured, source } = configuredMode(settings, request.client, request.requested);
    const contextTokens = request.contextTokens ?? this.#deps.contextTokens;
    const { tokens: allTokens, connectors } = this.#figuresOf(list);
    const auto = resolveAuto({ definitionTokens: allTokens, connectors, contextTokens });

    // On demand: Switchboard's own tools, then the organization's and the person's pins, then tools a search added.
    const own = this.#ownTools(list.tools.length, connectors, allTokens);
    const loaded: GatewayTool[] = [];
    const seen = new Set<string>();
    const load = (tool: GatewayTool | undefined) => {
      if (tool && !seen.has(tool.name)) seen.add(tool.name), loaded.push(tool);
    };
    for (const pin of [...settings.orgPinned, ...settings.pinned]) load(list.byName.get(this.#deps.core.naming.toolName(pin.connector, pin.tool)));
    for (const name of this.added.of(caller.userId, caller.orgId, request.client)) load(list.byName.get(name));
    const onDemandTokens = own.tokens + loaded.reduce((sum, t) => sum + this.tokensOf(t.tool), 0);

    const mode: LoadedMode = configured === 'auto' ? auto.mode : configured;
    const reason =
      configured === 'auto'
        ? `Auto: ${auto.reason}`
        : `${configured === 'always' ? 'Always available' : 'On demand'} (set ${source === 'request' ? 'by this connection\'s URL or chat' : source === 'client' ? 'for this client' : 'as your default'}).`;
    return {
      configured,
      source,
      mode,
      reason,
      list,
      listed: mode === 'always' ? list.tools.map((t) => t.tool) : [...own.tools, ...loaded.map((t) => t.tool)],
      loaded,
      figures: {
        contextTokens,
        budgetTokens: auto.budgetTokens,
        connectors,
        always: { tools: list.tools.length, tokens: allTokens },
        onDemand: { tools: own.tools.length + loaded.length, tokens: onDemandTokens },
        auto: { resolvesTo: auto.mode, reason: auto.reason },
      },
    };
  }
}

/** The figures as a sentence (for search results and the like). */
export function figuresText(f: TokenFigures, mode: LoadedMode): string {
  const n = (value: number) => value.toLocaleString('en');
  return (
    `Tool definitions: all ${n(f.always.tools)} of your tools take ${n(f.always.tokens)} tokens (Always available); ` +
    `this On demand list takes ${n(f.onDemand.tokens)} tokens for ${n(f.onDemand.tools)} tools; Auto would ${f.auto.resolvesTo === 'always' ? 'load them all' : 'find them on demand'} ` +
    `(budget ${n(f.budgetTokens)} of ${n(f.contextTokens)}). Serving: ${mode === 'always' ? 'Always available' : 'On demand'}.`
  );
}
