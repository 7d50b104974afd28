import { createHash } from 'node:crypto';

/** What MCP clients and model APIs accept as a tool name (Anthropic's and OpenAI's tool-name rule). */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const SEPARATOR = '__';
const MAX = 64;

const shortHash = (text: string, length: number) => createHash('sha256').update(text).digest('base64url').replace(/[^a-zA-Z0-9]/g, '').slice(0, length);

/** Characters outside the rule become `_`; the hash suffix keeps two sanitized names from colliding. */
function sanitize(text: string): string {
  return text.replace(/[^a-zA-Z0-9_-]/g, '_');
}

/**
 * `<connector-slug>__<tool>`: always valid and at most 64 characters. A name that would be too long, or
 * that had to be sanitized, gets a deterministic short form: as much of the readable name as fits, then
 * `_` and a hash of the original pair, so the same tool always gets the same name on every node and
 * two different tools never share one.
 */
export function namespacedToolName(connector: string, tool: string): string {
  const plain = `${connector}${SEPARATOR}${tool}`;
  if (TOOL_NAME.test(plain)) return plain;
  const hash = shortHash(`${connector}\n${tool}`, 8);
  const readable = sanitize(plain).replace(/_+$/, '');
  return `${readable.slice(0, MAX - hash.length - 1)}_${hash}`;
}

/**
 * A namespaced tool name → its connector and tool (slugs never hold "_", so the first `__` separates them). Only
 * a split: a name shortened with a hash (above) does not give back the original tool name.
 */
export function splitToolName(name: string): { connector: string; tool: string } | undefined {
  const at = name.indexOf(SEPARATOR);
  if (at <= 0 || at + SEPARATOR.length >= name.length) return undefined;
  return { connector: name.slice(0, at), tool: name.slice(at + SEPARATOR.length) };
}

/** Resource URIs keep their scheme (clients render `ui://` resources by scheme): `ui://slug/rest`. */
export function namespacedUri(connector: string, uri: string): string {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s.exec(uri);
  if (!match) return `switchboard://${connector}/${encodeURIComponent(uri)}`;
  return `${match[1]}://${connector}/${match[2]}`;
}

export function parseNamespacedUri(uri: string): { connector: string; uri: string } | undefined {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([a-z0-9-]+)\/(.*)$/s.exec(uri);
  if (!match) return undefined;
  if (match[1] === 'switchboard') return { connector: match[2]!, uri: decodeURIComponent(match[3]!) };
  return { connector: match[2]!, uri: `${match[1]}://${match[3]}` };
}

export type NamingProfileName = 'namespaced' | 'passthrough';

/** How the aggregated server names what its connectors offer. */
export interface NamingProfile {
  name: NamingProfileName;
  toolName(connector: string, tool: string): string;
  promptName(connector: string, prompt: string): string;
  resourceUri(connector: string, uri: string): string;
  /** The connector a client-facing URI belongs to, when the name says so (not in pass-through). */
  parseUri(uri: string): { connector: string; uri: string } | undefined;
  /** A tool's `_meta` with the UI resource it names (MCP Apps) renamed like every other resource. */
  toolMeta(connector: string, meta: Record<string, unknown> | undefined): Record<string, unknown> | undefined;
}

function renameUiResource(meta: Record<string, unknown> | undefined, rename: (uri: string) => string): Record<string, unknown> | undefined {
  if (!meta) return meta;
  const out = { ...meta };
  const ui = meta['ui'];
  if (ui && typeof ui === 'object' && typeof (ui as { resourceUri?: unknown }).resourceUri === 'string') {
    out['ui'] = { ...(ui as object), resourceUri: rename((ui as { resourceUri: string }).resourceUri) };
  }
  // The key MCP Apps used before `ui.resourceUri`; hosts still read it.
  if (typeof meta['ui/resourceUri'] === 'string') out['ui/resourceUri'] = rename(meta['ui/resourceUri']);
  return out;
}

const NAMESPACED: NamingProfile = {
  name: 'namespaced',
  toolName: namespacedToolName,
  promptName: namespacedToolName,
  resourceUri: namespacedUri,
  parseUri: parseNamespacedUri,
  toolMeta: (connector, meta) => renameUiResource(meta, (uri) => namespacedUri(connector, uri)),
};

/**
 * Names exactly as the connector gives them: only for the conformance test profile (one connector, whose
 * fixture names the suite calls). With several connectors, the first in order keeps a colliding name.
 */
const PASSTHROUGH: NamingProfile = {
  name: 'passthrough',
  toolName: (_connector, tool) => tool,
  promptName: (_connector, prompt) => prompt,
  resourceUri: (_connector, uri) => uri,
  parseUri: () => undefined,
  toolMeta: (_connector, meta) => meta,
};

export const namingProfile = (name: NamingProfileName): NamingProfile => (name === 'passthrough' ? PASSTHROUGH : NAMESPACED);
