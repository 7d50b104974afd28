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
