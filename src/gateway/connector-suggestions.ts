import { suggestConnectors, type SuggestCandidate } from '../toolsearch/index.ts';
import type { GatewayTool, GatewayToolList } from './core.ts';
import type { DescribeConnector } from './person-tool-index.ts';

/**
 * A directory listing that could be suggested to someone who has not connected it. Only directory listings:
 * custom connectors (an organization's own) are never offered here — an organization's connected custom
 * connectors reach suggestions through the person's own tool list instead.
 */
export interface DirectoryEntry {
  slug: string;
  name: string;
  description: string;
  tools: Array<{ name: string; title?: string | undefined }> | null;
}

/** Directory listings offered to MCP clients on the organization's plan (never custom connectors). */
export type DirectoryPort = (orgId: string | undefined) => Promise<DirectoryEntry[]>;

export interface ConnectedSuggestion {
  connector: string;
  name: string;
  description: string;
  score: number;
  /** How many of its tools the person may use. */
  tools: number;
}

export interface UnconnectedSuggestion {
  connector: string;
  name: string;
  description: string;
  score: number;
  /** Where the person connects it. */
  connectUrl: string;
  /** False when the organization has not added it (an owner must, before it can be used). */
  enabledInOrganization: boolean;
}

export interface ConnectorSuggestions {
  /** The one connected connector to use without asking, when exactly one fits clearly. */
  use: string | null;
  /** Two or more connected connectors fit with close scores: the person should pick. */
  ambiguous: boolean;
  candidates: ConnectedSuggestion[];
  unconnected: UnconnectedSuggestion[];
}

export interface SuggestDeps {
  directory: DirectoryPort;
  describe: DescribeConnector;
  connectUrl: (slug: string) => string;
}

/**
 * Ranks the person's connected connectors (those their tool list comes from: enabled, connected, allowed) and the
 * directory's not-yet-connected ones for a request, by fit alone (suggestConnectors). `allowed` are the
 * connectors the organization lets this person use (to tell "connect it" from "ask an owner to add it").
 */
export async function suggestFor(deps: SuggestDeps, list: GatewayToolList, allowed: readonly string[], orgId: string | undefined, query: string, limit: number): Promise<ConnectorSuggestions> {
  const grouped = new Map<string, GatewayTool[]>();
  for (const tool of list.tools) grouped.set(tool.connector, [...(grouped.get(tool.connector) ?? []), tool]);
  const about = new Map<string, { name: string; description: string }>();
  await Promise.all(
    [...grouped.keys()].map(async (slug) => {
      const d = await deps.describe(slug).catch(() => undefined);
      about.set(slug, { name: d?.name ?? slug, description: d?.description ?? '' });
    }),
  );
  const directory = (await deps.directory(orgId)).filter((entry) => !grouped.has(entry.slug));
  for (const entry of directory) about.set(entry.slug, { name: entry.name, description: entry.description });

  const candidates: SuggestCandidate[] = [
    ...[...grouped].map(([slug, tools]) => ({
      server: { name: slug, title: about.get(slug)!.name, description: about.get(slug)!.description },
      tools: tools.map((t) => ({ key: t.name, name: t.originalName, title: t.tool.title ?? t.tool.annotations?.title, description: t.tool.description, inputSchema: t.tool.inputSchema })),
      connected: true,
    })),
    ...directory.map((entry) => ({
      server: { name: entry.slug, title: entry.name, description: entry.description },
      tools: (entry.tools ?? []).map((t) => ({ key: `${entry.slug}\u0000${t.name}`, name: t.name, title: t.title })),
      connected: false,
    })),
  ];
  const result = suggestConnectors(query, candidates, { limit });
  const allowedSet = new Set(allowed);
  const connected = result.candidates
    .filter((s) => grouped.has(s.server))
    .map((s) => ({ connector: s.server, name: about.get(s.server)!.name, description: about.get(s.server)!.description, score: s.score, tools: grouped.get(s.server)!.length }));
  const directorySlugs = new Set(directory.map((d) => d.slug));
  const unconnected = result.unconnected
    // Defence in depth: only what the directory port offered (never a custom connector) is suggested to connect.
    .filter((s) => directorySlugs.has(s.server))
    .map((s) => ({ connector: s.server, name: about.get(s.server)!.name, description: about.get(s.server)!.description, score: s.score, connectUrl: deps.connectUrl(s.server), enabledInOrganization: allowedSet.has(s.server) }));
  const ambiguous = result.ambiguous && connected.length >= 2;
  return { use: !ambiguous && connected.length > 0 ? connected[0]!.connector : null, ambiguous, candidates: connected, unconnected };
}

/** The suggestions as text for the model: what to do, then the connectors. */
export function suggestionsText(query: string, s: ConnectorSuggestions): string {
  const lines: string[] = [];
  const line = (c: ConnectedSuggestion) => `- ${c.name} (${c.connector}): ${c.description || 'no description'} [${c.tools} tool${c.tools === 1 ? '' : 's'}]`;
  if (s.ambiguous) {
    lines.push(`${s.candidates.length} of your connectors fit "${query}" about equally. Ask the person which one to use:`, ...s.candidates.map(line));
  } else if (s.use) {
    const best = s.candidates[0]!;
    lines.push(`Use ${best.name} (${best.connector}) for "${query}": find its tools with search_tools and call them with call_tool.`, line(best));
    if (s.candidates.length > 1) lines.push('Fitting less well:', ...s.candidates.slice(1).map(line));
  } else {
    lines.push(`None of your connected connectors fits "${query}".`);
  }
  if (s.unconnected.length > 0) {
    lines.push('Not connected yet, and could fit:');
    for (const u of s.unconnected) {
      const how = u.enabledInOrganization ? `connect it at ${u.connectUrl}` : `your organization has not added it: ask an owner to add it, then connect it at ${u.connectUrl}`;
      lines.push(`- ${u.name} (${u.connector}): ${u.description} — ${how}`);
    }
  } else if (!s.use && !s.ambiguous) {
    lines.push('No connector in the directory fits either. Rephrase the request, or ask an owner which connector could do it.');
  }
  return lines.join('\n');
}
