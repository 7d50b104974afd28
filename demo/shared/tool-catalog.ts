import type { McpServer, ToolAnnotations } from '@modelcontextprotocol/server';
import { DEMO_PEOPLE } from './people.ts';
import type { DemoScopes, DemoToolset } from './types.ts';

export interface DemoToolSummary {
  name: string;
  title?: string;
  annotations?: ToolAnnotations;
}

/**
 * The tools a service offers, as its `tools/list` would show them (names, titles, annotations), read by
 * registering the toolset into a recorder: the directory shows real read/write counts for the demo
 * services from the start, from the same code that serves them.
 */
export function describeTools(toolset: DemoToolset, scopes: DemoScopes): DemoToolSummary[] {
  const tools: DemoToolSummary[] = [];
  const recorder = {
    registerTool(name: string, config: { title?: string; annotations?: ToolAnnotations }) {
      tools.push({ name, ...(config.title ? { title: config.title } : {}), ...(config.annotations ? { annotations: config.annotations } : {}) });
    },
  };
  toolset.register(recorder as unknown as McpServer, { person: DEMO_PEOPLE[0]!, scopes, countCall: () => {} });
  return tools;
}
