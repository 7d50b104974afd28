import type { CallToolResult } from '@modelcontextprotocol/client';
import type { Tool } from 'ai';

/** What a tool hands the model (the AI SDK's `ToolResultOutput`, which `ai` does not export by name). */
export type ModelToolOutput = Awaited<ReturnType<NonNullable<Tool['toModelOutput']>>>;
type ContentPart = Extract<ModelToolOutput, { type: 'content' }>['value'][number];

/**
 * A connector's result as the model should read it: text stays text, images and audio go as files (so
 * vision models see them), embedded resources as their text. A tool error goes as an error output, so
 * the model knows the call failed and can read why (the core's sentences say what to do).
 */
export function toModelOutput(result: CallToolResult): ModelToolOutput {
  const parts = (result.content ?? []).map(toPart);
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push({ type: 'text', text: JSON.stringify(result.structuredContent) });
  if (result.isError) {
    const text = parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n').trim();
    return { type: 'error-text', value: text || 'The tool reported an error without a message.' };
  }
  return { type: 'content', value: parts.length ? parts : [{ type: 'text', text: '' }] };
}

function toPart(block: CallToolResult['content'][number]): ContentPart {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'image':
    case 'audio':
      return { type: 'file', mediaType: block.mimeType, data: { type: 'data', data: block.data } };
    case 'resource': {
      const r = block.resource;
      return { type: 'text', text: 'text' in r ? `${r.uri}\n${r.text}` : `${r.uri} (${r.mimeType ?? 'binary'} content not shown)` };
    }
    case 'resource_link':
      return { type: 'text', text: `${block.name}: ${block.uri}${block.description ? ` — ${block.description}` : ''}` };
    default:
      return { type: 'text', text: JSON.stringify(block) };
  }
}
