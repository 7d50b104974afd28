import type { SearchableTool } from './types.ts';

/** Fields of a tool document: name, title, description, parameters; the server's text is the last field. */
export const FIELD_COUNT = 5;

/** Parameter names and descriptions from a JSON Schema, one level of nesting deep (arrays' items too). */
export function parameterText(schema: unknown, depth = 0): string {
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
  return [tool.name, tool.title ?? '', tool.description ?? '', parameterText(tool.inputSchema)];
}

