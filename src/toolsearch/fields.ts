import { segment, words } from './text.ts';
import { wordNet } from './thesaurus.ts';
import type { SearchableTool } from './types.ts';

/** Fields of a tool document: name, title, description, parameters; the server's text is the last field. */
export const FIELD_COUNT = 5;

/** Parameter names and descriptions from a JSON Schema, down to two levels of nesting (an array's items count as a level). */
function parameterText(schema: unknown, depth = 0): string {
  if (!schema || typeof schema !== 'object' || depth > 2) return '';
  const s = schema as { properties?: Record<string, unknown>; items?: unknown; description?: unknown };
  const parts: string[] = [];
  if (s.properties && typeof s.properties === 'object') {
    for (const [name, prop] of Object.entries(s.properties)) {
      parts.push(name);
      const p = prop as { description?: unknown; enum?: unknown };
      if (typeof p?.description === 'string') parts.push(p.description);
      parts.push(parameterText(prop, depth + 1));
    }
  }
  if (s.items) parts.push(parameterText(s.items, depth + 1));
  return parts.filter(Boolean).join(' ');
}

/** The texts of a tool's own fields (the server field is added by the index). */
export function fieldTexts(tool: SearchableTool): [string, string, string, string] {
  return [nameText(tool.name), tool.title ?? '', withCorrections(tool.description ?? ''), parameterText(tool.inputSchema)];
}

/** A description with its misspelt words' likely corrections added after it (the original words stay). */
function withCorrections(text: string): string {
  if (!text) return text;
  const thesaurus = wordNet();
  thesaurus.warm();
  const added: string[] = [];
  for (const w of new Set(words(text))) for (const c of thesaurus.corrections(w)) added.push(c);
  return added.length ? `${text} ${added.join(' ')}` : text;
}

/** A tool or server name with its glued words also split ("stellarexplorer" → "stellarexplorer stellar explorer"). */
export function nameText(name: string): string {
  const parts = [name];
  for (const w of words(name)) {
    const pieces = segment(w, (x) => wordNet().isWord(x));
    if (pieces) parts.push(pieces.join(' '));
  }
  return parts.join(' ');
}

