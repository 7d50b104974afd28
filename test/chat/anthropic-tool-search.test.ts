import { createAnthropic } from '@ai-sdk/anthropic';
import { generateText, isStepCount, type ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { prepareTurnTools, supportsAnthropicToolSearch } from '../../src/chat/index.ts';
import { fakeGateway, gatewayToolFixture } from '../helpers/chat-fakes.ts';

const caller = { userId: 'user-1', orgId: 'org-1' };
const tools = [
  gatewayToolFixture('tracker', 'create_issue', 'Create an issue in the tracker', { properties: { title: { type: 'string' } } }),
  gatewayToolFixture('chat', 'send_message', 'Send a message to a channel'),
  gatewayToolFixture('drive', 'list_files', 'List files in a folder'),
];

interface AnthropicTool {
  name: string;
  type?: string;
  defer_loading?: boolean;
}
interface CapturedRequest {
  url: string;
  body: { tools?: AnthropicTool[]; messages: Array<{ role: string; content: unknown }> };
}

/** The real Anthropic provider, pointed at an in-process fetch that records each request body and answers in turn. */
function anthropicOverFetch(responses: unknown[]) {
  const requests: CapturedRequest[] = [];
  const provider = createAnthropic({
    apiKey: 'test-key',
    baseURL: 'http://anthropic.test/v1',
    fetch: async (input, init) => {
      requests.push({ url: String(input), body: JSON.parse(String(init?.body)) as CapturedRequest['body'] });
      const next = responses[requests.length - 1];
      if (!next) return new Response(JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'no scripted response' } }), { status: 400 });
      return new Response(JSON.stringify(next), { status: 200, headers: { 'content-type': 'application/json' } });
    },
  });
  return { provider, requests };
}

const message = (content: unknown[], stopReason: string) => ({
  id: `msg_${Math.random().toString(36).slice(2)}`,
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-6',
  content,
  stop_reason: stopReason,
  stop_sequence: null,
  usage: { input_tokens: 100, output_tokens: 20 },
});

/** Anthropic searching on its side, returning a reference, and calling the found tool, all in one response. */
const searchAndCall = (found: string) =>
  message(
    [
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'tool_search_tool_bm25', input: { query: 'create an issue' } },
      { type: 'tool_search_tool_result', tool_use_id: 'srvtoolu_1', content: { type: 'tool_search_tool_search_result', tool_references: [{ type: 'tool_reference', tool_name: found }] } },
      { type: 'tool_use', id: 'toolu_1', name: found, input: { title: 'Login fails' } },
    ],
    'tool_use',
  );

describe('Anthropic native tool search', () => {
  it('knows which models have it, from the SDK catalog', () => {
    expect(supportsAnthropicToolSearch({ provider: 'anthropic.messages', modelId: 'claude-sonnet-4-6' })).toBe(true);
    expect(supportsAnthropicToolSearch({ provider: 'anthropic.messages', modelId: 'claude-haiku-4-5-20251001' })).toBe(true);
    expect(supportsAnthropicToolSearch({ provider: 'anthropic.messages', modelId: 'claude-sonnet-4-0' })).toBe(false);
    expect(supportsAnthropicToolSearch({ provider: 'openai.responses', modelId: 'claude-sonnet-4-6' })).toBe(false);
  });

  it('defers every tool behind the native search tool, keeps what it found undeferred on the next turn', async () => {
    const gateway = fakeGateway(tools);
    const { provider, requests } = anthropicOverFetch([searchAndCall('tracker__create_issue'), message([{ type: 'text', text: 'Filed.' }], 'end_turn'), message([{ type: 'text', text: 'Sure.' }], 'end_turn')]);
    const model = provider('claude-sonnet-4-6');

    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand' } });
    expect(turn.native).toBe(true);
    const result = await generateText({ model, tools: turn.tools, toolApproval: turn.toolApproval, prompt: 'File a bug: login fails', stopWhen: isStepCount(5) });

    const first = requests[0]!.body.tools!;
    expect(first.find((t) => t.type === 'tool_search_tool_bm25_20251119')).toEqual({ type: 'tool_search_tool_bm25_20251119', name: 'tool_search_tool_bm25' });
    const functions = first.filter((t) => t.type === undefined);
    expect(functions.map((t) => t.name).sort()).toEqual(tools.map((t) => t.name).sort());
    expect(functions.every((t) => t.defer_loading === true)).toBe(true);

    // The tool Anthropic found ran through the core, as the chat.
    expect(gateway.calls).toEqual([expect.objectContaining({ tool: 'tracker__create_issue', args: { title: 'Login fails' }, caller: expect.objectContaining({ surface: 'chat' }) })]);
    expect(result.text).toBe('Filed.');
    // The search and its references stay in the conversation sent back.
    const replayed = JSON.stringify(requests[1]!.body.messages);
    expect(replayed).toContain('"type":"tool_search_tool_result"');
    expect(replayed).toContain('"tool_name":"tracker__create_issue"');

    const discovered = turn.discoveredAfter(result.steps);
    expect(discovered).toEqual(['tracker__create_issue']);

    // Next turn: the found tool is loaded in full, the rest stay deferred behind the search tool.
    const next = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand' }, discovered });
    const messages: ModelMessage[] = [{ role: 'user', content: 'File a bug: login fails' }, ...result.response.messages, { role: 'user', content: 'Thanks' }];
    await generateText({ model, tools: next.tools, toolApproval: next.toolApproval, messages, stopWhen: isStepCount(5) });
    const later = requests[2]!.body.tools!;
    expect(later.find((t) => t.name === 'tracker__create_issue')?.defer_loading).toBeUndefined();
    expect(later.filter((t) => t.type === undefined && t.name !== 'tracker__create_issue').every((t) => t.defer_loading === true)).toBe(true);
    expect(later.some((t) => t.type === 'tool_search_tool_bm25_20251119')).toBe(true);
  });

  it('an Anthropic model without native search gets the provider-neutral search tool', async () => {
    const gateway = fakeGateway(tools);
    const { provider, requests } = anthropicOverFetch([message([{ type: 'text', text: 'Hello.' }], 'end_turn')]);
    const model = provider('claude-sonnet-4-0');
    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand' } });
    expect(turn.native).toBe(false);
    await generateText({ model, tools: turn.tools, prompt: 'hi' });
    expect(requests[0]!.body.tools!.map((t) => t.name)).toEqual(['search_tools']);
  });

  it('Always available sends every tool in full, without a search tool', async () => {
    const gateway = fakeGateway(tools);
    const { provider, requests } = anthropicOverFetch([message([{ type: 'text', text: 'Hello.' }], 'end_turn')]);
    const model = provider('claude-sonnet-4-6');
    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'always' } });
    await generateText({ model, tools: turn.tools, prompt: 'hi' });
    const sent = requests[0]!.body.tools!;
    expect(sent.map((t) => t.name).sort()).toEqual(tools.map((t) => t.name).sort());
    expect(sent.some((t) => t.defer_loading !== undefined)).toBe(false);
  });
});
