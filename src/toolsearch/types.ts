/**
 * What the tool index holds and returns. The index knows nothing of people, policy or storage: the
 * gateway feeds it the tools one person may use (blocked tools never enter), so a search can only
 * return what that person could call.
 */

/** A connector (an MCP server) as the index sees it. */
export interface SearchableServer {
  /** Unique key: the connector slug (or a dataset's server name). */
  name: string;
  title?: string | undefined;
  description?: string | undefined;
}

/** One tool of a server. */
export interface SearchableTool {
  /** Unique key within the index (the gateway uses the client-facing namespaced name). */
  key: string;
  /** The tool's own name at its server. */
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  /** JSON Schema of the arguments: property names and descriptions are indexed. */
  inputSchema?: unknown;
}

export interface ToolHit {
  key: string;
  server: string;
  tool: string;
  score: number;
}

export interface ServerHit {
  server: string;
  score: number;
}

export interface SearchOptions {
  /** Most results to return (default 10). */
  limit?: number | undefined;
  /**
   * Only tools whose name, title or description match this JavaScript regular expression
   * (case-insensitive). With an empty query the regex alone selects, in catalogue order.
   */
  regex?: string | undefined;
  /** Keep only tools this returns true for. */
  filter?: ((key: string) => boolean) | undefined;
}
