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

export function toolDefinitionTokens(tool: ToolDefinitionLike): number {
  return countTokens(JSON.stringify({ name: tool.name, ...(tool.title ? { title: tool.title } : {}), description: tool.description ?? '', input_schema: tool.inputSchema ?? { type: 'object' } }));
}

export function toolDefinitionsTokens(tools: readonly ToolDefinitionLike[]): number {
  let total = 0;
  for (const tool of tools) total += toolDefinitionTokens(tool);
  return total;
}
