import type { GatewayTool } from '../gateway/core.ts';
import { suggestConnectors, type SearchableServer, type SearchableTool, type SuggestResult } from '../toolsearch/index.ts';

/** A directory listing the person has not connected, offered when it fits better than what they have. */
export interface UnconnectedApp {
  server: SearchableServer;
  tools?: SearchableTool[] | undefined;
}

/**
 * Which of the person's apps fit a message. When two connected apps fit about equally (`ambiguous`),
 * the chat lets the person pick instead of guessing; the pick can then be pinned for the turn
 * (`prepareTurnTools({ pinned })`). Only tools the policy lets the person use are candidates, because
 * the list comes from the gateway core.
 */
export function suggestApps(message: string, tools: readonly GatewayTool[], unconnected: readonly UnconnectedApp[] = [], limit = 5): SuggestResult {
  const connected = [...Map.groupBy(tools, (t) => t.connector)].map(([connector, list]) => ({
    server: { name: connector },
    tools: list.map((t) => ({ key: t.name, name: t.originalName, title: t.tool.title, description: t.tool.description, inputSchema: t.tool.inputSchema })),
    connected: true,
  }));
  const others = unconnected.filter((app) => !connected.some((c) => c.server.name === app.server.name)).map((app) => ({ ...app, connected: false }));
  return suggestConnectors(message, [...connected, ...others], { limit });
}
