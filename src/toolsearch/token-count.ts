import { createHash } from 'node:crypto';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

/**
 * Tokens a set of tool definitions takes in a model's context. Counted with a real BPE tokenizer
 * (o200k_base, OpenAI's current vocabulary) on the JSON a provider receives for each tool — name,
 * description, input schema — because a character ratio misjudges schemas full of punctuation.
 * Anthropic publishes no offline tokenizer for its current models; o200k_base is within a few
 * percent on English and JSON, which is what a budget decision needs.
 */
export interface ToolDefinitionLike {
  name: string;
  title?: string | undefined;
  description?: string | undefined;
  inputSchema?: unknown;
}

/**
 * Counts by content, remembered across lists: a person's list is rebuilt on every change (new objects, same
 * definitions), and tokenizing 1,000 definitions again took ~40 ms (BENCHMARKS.md, tools/list after a change).
 * Keyed by a hash of the text, so the cache holds counts, not definitions.
 */
const counted = new Map<string, number>();
const MOST_COUNTED = 50_000;

export function toolDefinitionTokens(tool: ToolDefinitionLike): number {
  const text = JSON.stringify({ name: tool.name, ...(tool.title ? { title: tool.title } : {}), description: tool.description ?? '', input_schema: tool.inputSchema ?? { type: 'object' } });
  const key = createHash('sha1').update(text).digest('base64');
  let tokens = counted.get(key);
  if (tokens === undefined) {
    tokens = countTokens(text);
    if (counted.size >= MOST_COUNTED) counted.delete(counted.keys().next().value!);
    counted.set(key, tokens);
  }
  return tokens;
}

export function toolDefinitionsTokens(tools: readonly ToolDefinitionLike[]): number {
  let total = 0;
  for (const tool of tools) total += toolDefinitionTokens(tool);
  return total;
}
