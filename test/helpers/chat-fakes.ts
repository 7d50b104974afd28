import type { CallToolResult } from '@modelcontextprotocol/client';
import { MockLanguageModelV4 } from 'ai/test';
import type { Caller, GatewayTool } from '../../src/gateway/core.ts';
import type { ChatGateway } from '../../src/chat/index.ts';

/** A tool as the gateway core lists it: namespaced name, the policy's decision and reason. */
export function gatewayToolFixture(connector: string, name: string, description: string, options: { decision?: 'allow' | 'ask'; properties?: Record<string, { type: string; description?: string }> } = {}): GatewayTool {
  const client = `${connector}__${name}`;
  return {
    name: client,
    connector,
    originalName: name,
    decision: options.decision ?? 'allow',
    reason: options.decision === 'ask' ? `Your organization asks you to confirm "${name}" before it runs.` : 'allowed',
    stale: false,
    tool: { name: client, description, inputSchema: { type: 'object', properties: options.properties ?? { text: { type: 'string' } } } },
  };
}

export interface RecordedCall {
  caller: Caller;
  tool: string;
  args: Record<string, unknown> | undefined;
  approved: boolean | undefined;
}

/**
 * The gateway core's shape with recorded calls. Like the core, it refuses an `ask` tool that was not
 * approved for this call (the MCP-side tests cover the real core).
 */
export function fakeGateway(tools: GatewayTool[]): ChatGateway & { calls: RecordedCall[]; listCallers: Caller[] } {
  const calls: RecordedCall[] = [];
  const listCallers: Caller[] = [];
  return {
    calls,
    listCallers,
    async listTools(caller) {
      listCallers.push(caller);
      return { tools };
    },
    async callTool(caller, tool, args, options): Promise<CallToolResult> {
      calls.push({ caller, tool: tool.name, args, approved: options?.approved });
      if (tool.decision === 'ask' && !options?.approved) return { isError: true, content: [{ type: 'text', text: `"${tool.originalName}" needs approval before it runs.` }] };
      return { content: [{ type: 'text', text: `${tool.originalName} done with ${JSON.stringify(args)}` }] };
    },
  };
}

type CallOptions = Parameters<MockLanguageModelV4['doGenerate']>[0];
type GenerateResult = Awaited<ReturnType<MockLanguageModelV4['doGenerate']>>;
export type ModelContent = GenerateResult['content'];

const usage: GenerateResult['usage'] = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

/**
 * A mock model that answers each step with what `respond` decides from the request it received (the
 * tools offered, the prompt so far), as a real model would, and keeps every request.
 */
export function scriptedModel(respond: (request: CallOptions, step: number) => ModelContent, provider = 'mock-provider'): MockLanguageModelV4 {
  let step = 0;
  return new MockLanguageModelV4({
    provider,
    modelId: 'mock-model',
    doGenerate: async (request) => {
      const content = respond(request, step++);
      const calls = content.some((c) => c.type === 'tool-call');
      return { content, finishReason: { unified: calls ? 'tool-calls' : 'stop', raw: undefined }, usage, warnings: [] };
    },
  });
}

/** Names of the tools a request offered the model. */
export function offeredTools(request: CallOptions): string[] {
  return (request.tools ?? []).map((t) => t.name);
}

/** The tool names a search step returned, read from the tool results in the prompt (what the model sees). */
export function searchResultNames(request: CallOptions, searchTool: string): string[] {
  const names: string[] = [];
  for (const message of request.prompt) {
    if (message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type !== 'tool-result' || part.toolName !== searchTool || part.output.type !== 'json') continue;
      const value = part.output.value as { tools?: Array<{ name: string }> };
      for (const t of value.tools ?? []) names.push(t.name);
    }
  }
  return names;
}

export const toolCall = (toolCallId: string, toolName: string, input: unknown) => ({ type: 'tool-call' as const, toolCallId, toolName, input: JSON.stringify(input) });
export const text = (value: string) => ({ type: 'text' as const, text: value });
