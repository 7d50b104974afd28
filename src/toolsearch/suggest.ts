import { ToolIndex } from './tool-index.ts';
import type { SearchableServer, SearchableTool } from './types.ts';

export interface SuggestCandidate {
  server: SearchableServer;
  /** The connector's tools when known (connected connectors); directory-only listings may have none. */
  tools?: SearchableTool[] | undefined;
  /** Connected by the person (and enabled): usable now. */
  connected: boolean;
}

export interface Suggestion {
  server: string;
  score: number;
}

export interface SuggestResult {
  /** Connected connectors that fit, best first. */
  candidates: Suggestion[];
  /** Two or more connected connectors fit with close scores: let the person pick. */
  ambiguous: boolean;
  /** Not-yet-connected connectors that fit, best first (the caller adds their connect links). */
  unconnected: Suggestion[];
}

export interface SuggestOptions {
  /** Most connectors of each kind returned (default 5). */
  limit?: number | undefined;
  /** A connector fits when its score is at least this share of the best one's (default 0.5). */
  fit?: number | undefined;
  /** Two connected connectors are a toss-up when the second scores at least this share of the first (default 0.8). */
  close?: number | undefined;
}

/**
 * Which of a person's connectors a request is for. Each connector is scored by its best-fitting tool
 * (or, for a directory listing with no tools known, by its own description), the same ranking as tool
 * search. Connected ones that fit come back best first, flagged `ambiguous` when the runner-up is close
 * enough that the person should pick; unconnected ones that fit come back apart, so the caller can offer
 * to connect them. The order is by fit only: being connected never lifts a worse fit above a better one
 * within either list.
 */
export function suggestConnectors(query: string, candidates: SuggestCandidate[], options: SuggestOptions = {}): SuggestResult {
  const limit = options.limit ?? 5;
  const fitShare = options.fit ?? 0.5;
  const closeShare = options.close ?? 0.8;
  const index = new ToolIndex();
  for (const c of candidates) {
    const tools = c.tools?.length ? c.tools : [{ key: `${c.server.name}\u0000listing`, name: c.server.name, title: c.server.title, description: c.server.description }];
    index.upsertServer(c.server, tools);
  }
  const ranked = index.rankServers(query, candidates.length);
  const best = ranked[0]?.score ?? 0;
  const fits = ranked.filter((r) => r.score > 0 && r.score >= best * fitShare);
  const connected = new Set(candidates.filter((c) => c.connected).map((c) => c.server.name));
  const usable = fits.filter((r) => connected.has(r.server)).slice(0, limit);
  const ambiguous = usable.length >= 2 && usable[1]!.score >= usable[0]!.score * closeShare;
  return {
    candidates: ambiguous ? usable.filter((r) => r.score >= usable[0]!.score * closeShare) : usable,
    ambiguous,
    unconnected: fits.filter((r) => !connected.has(r.server)).slice(0, limit),
  };
}
