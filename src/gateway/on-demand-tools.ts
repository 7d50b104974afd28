import type { Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * The tools Switchboard itself offers in On demand mode (docs/tool-access.md): `search_tools` finds the person's
 * tools, `call_tool` calls one of them through the gateway core (policy, approval, credentials, caps, audit), and
 * `suggest_connectors` says which connector fits a request. Their names never collide with a connector's tool:
 * connector tools are `<slug>__<tool>` (in the pass-through test profile, On demand takes precedence).
 */
export const SEARCH_TOOLS = 'search_tools';
export const CALL_TOOL = 'call_tool';
export const SUGGEST_CONNECTORS = 'suggest_connectors';
export const ON_DEMAND_TOOL_NAMES: ReadonlySet<string> = new Set([SEARCH_TOOLS, CALL_TOOL, SUGGEST_CONNECTORS]);

export const SEARCH_LIMIT = { default: 5, max: 20 } as const;
export const SUGGEST_LIMIT = { default: 5, max: 10 } as const;

export const searchToolsArgs = z.strictObject({
  query: z.string().max(1000),
  regex: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(SEARCH_LIMIT.max).default(SEARCH_LIMIT.default),
  add_to_list: z.boolean().default(false),
});

export const callToolArgs = z.strictObject({
  name: z.string().min(1).max(200),
  arguments: z.record(z.string(), z.unknown()).optional(),
});

export const suggestConnectorsArgs = z.strictObject({
  query: z.string().min(1).max(1000),
  limit: z.number().int().min(1).max(SUGGEST_LIMIT.max).default(SUGGEST_LIMIT.default),
});

/** What the person has, for the descriptions: the model sees what it is searching. */
export interface OnDemandSummary {
  tools: number;
  connectors: number;
  /** Tokens of every definition, had they all been loaded. */
  allTokens: number;
}

const n = (value: number) => value.toLocaleString('en');

export function onDemandToolDefinitions(summary: OnDemandSummary): Tool[] {
  const plural = (count: number, word: string) => `${n(count)} ${word}${count === 1 ? '' : 's'}`;
  return [
    {
      name: SEARCH_TOOLS,
      title: 'Search tools',
      description:
        `Find tools among the ${plural(summary.tools, 'tool')} of your ${plural(summary.connectors, 'connector')} (loading them all would take ${n(summary.allTokens)} tokens). ` +
        'Describe the task in natural language; optionally narrow with a JavaScript regular expression on tool names and descriptions. ' +
        'Returns each tool\'s name, description and input schema; call it with call_tool. Set add_to_list to also add the tools to your tool list.',
      inputSchema: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'What you want to do, e.g. "create an issue in the tracker". May be empty when regex is given.' },
          regex: { type: 'string', description: 'Optional: only tools whose name or description match this regular expression (case-insensitive).' },
          limit: { type: 'integer', minimum: 1, maximum: SEARCH_LIMIT.max, description: `Most tools to return (default ${SEARCH_LIMIT.default}).` },
          add_to_list: { type: 'boolean', description: 'Also add the tools found to your tool list (clients that refresh their list see them).' },
        },
        required: ['query'],
        additionalProperties: false,
      },
      annotations: { title: 'Search tools', readOnlyHint: true, openWorldHint: false },
    },
    {
      name: CALL_TOOL,
      title: 'Call a tool',
      description: 'Call a tool found with search_tools, by its exact name, with arguments that follow its input schema. Your organization\'s rules apply as to any call: some tools ask you to confirm first.',
      inputSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'The tool\'s name as search_tools returned it, e.g. "demo-tracker__create_issue".' },
          arguments: { type: 'object', description: 'The tool\'s arguments, following its input schema.', additionalProperties: true },
        },
        required: ['name'],
        additionalProperties: false,
      },
    },
    {
      name: SUGGEST_CONNECTORS,
      title: 'Suggest connectors',
      description:
        'Which of your connectors fits a request. When one fits, use it; when several fit about equally (ambiguous), ask the person which one to use. ' +
        'Also names connectors from the directory that are not connected yet but would fit, with the link to connect them.',
      inputSchema: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'The person\'s request, in their words.' },
          limit: { type: 'integer', minimum: 1, maximum: SUGGEST_LIMIT.max, description: `Most connectors to return per group (default ${SUGGEST_LIMIT.default}).` },
        },
        required: ['query'],
        additionalProperties: false,
      },
      annotations: { title: 'Suggest connectors', readOnlyHint: true, openWorldHint: false },
    },
  ];
}

/** A zod failure as one sentence the model can act on. */
export function argumentProblem(tool: string, error: z.ZodError): string {
  const issues = error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
  return `The arguments of ${tool} are not valid (${issues}). Fix them following its input schema and call it again.`;
}
