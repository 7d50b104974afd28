import type { CallToolResult } from '@modelcontextprotocol/client';

/** The seed's figure: about 150,000 characters of tool output before the model's context suffers. */
export const RESULT_CHARACTER_CAP = 150_000;

/**
 * Caps a tool result's text at `cap` characters, keeping the first blocks whole, and says so in the
 * result: a silent cut would let the model reason over data it does not know is incomplete.
 */
export function capResult(result: CallToolResult, cap = RESULT_CHARACTER_CAP): CallToolResult {
  const content = result.content ?? [];
  let used = 0;
  let cut = false;
  const kept: typeof content = [];
  for (const block of content) {
    if (block.type !== 'text') {
      kept.push(block);
      continue;
    }
    if (used >= cap) {
      cut = true;
      continue;
    }
    if (used + block.text.length > cap) {
      kept.push({ ...block, text: block.text.slice(0, cap - used) });
      used = cap;
      cut = true;
      continue;
    }
    used += block.text.length;
    kept.push(block);
  }
  if (!cut) return result;
  const total = content.reduce((n, b) => n + (b.type === 'text' ? b.text.length : 0), 0);
  kept.push({ type: 'text', text: `\n[Switchboard truncated this result: it had ${total.toLocaleString('en')} characters of text; the first ${cap.toLocaleString('en')} are shown. Ask for less (a narrower query, a smaller page) to see the rest.]` });
  const { structuredContent: _dropped, ...rest } = result;
  return { ...rest, content: kept };
}

/** A tool-level error the model can read and act on (MCP: `isError` results, not protocol errors). */
export function toolError(message: string, meta?: Record<string, unknown>): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }], ...(meta ? { _meta: meta } : {}) };
}

/**
 * A connector's result without the protocol's own `_meta` keys (`io.modelcontextprotocol/…`, such as the
 * connector's serverInfo): those describe the exchange between Switchboard and the connector, and the
 * SDK sets Switchboard's own on the exchange with the person's client.
 */
export function withoutProtocolMeta<T extends { _meta?: Record<string, unknown> | undefined }>(result: T): T {
  if (!result._meta) return result;
  const kept = Object.fromEntries(Object.entries(result._meta).filter(([key]) => !key.startsWith('io.modelcontextprotocol/')));
  const { _meta: _dropped, ...rest } = result;
  return (Object.keys(kept).length ? { ...rest, _meta: kept } : rest) as T;
}
