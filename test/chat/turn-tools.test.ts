import { generateText, isStepCount, type ModelMessage } from 'ai';
import { describe, expect, it, vi } from 'vitest';
import { indexTools, prepareTurnTools, searchWithIndex, searchWithPersonIndex, type ChatGateway } from '../../src/chat/index.ts';
import type { GatewayCore } from '../../src/gateway/core.ts';
import { PersonToolIndex } from '../../src/gateway/person-tool-index.ts';
import { Embedder, HybridToolIndex } from '../../src/toolsearch/index.ts';
import { conceptModel } from '../helpers/embedding-fakes.ts';
import { fakeGateway, gatewayToolFixture, offeredTools, scriptedModel, searchResultNames, text, toolCall } from '../helpers/chat-fakes.ts';

const caller = { userId: 'user-1', orgId: 'org-1', requestId: 'req-1' };
const model = { provider: 'mock', modelId: 'm' };

const tools = [
  gatewayToolFixture('tracker', 'create_issue', 'Create an issue in the tracker', { properties: { title: { type: 'string' } } }),
  gatewayToolFixture('tracker', 'list_issues', 'List open issues'),
  gatewayToolFixture('chat', 'send_message', 'Send a message to a channel'),
  gatewayToolFixture('drive', 'list_files', 'List files in a folder'),
  gatewayToolFixture('drive', 'delete_file', 'Delete a file', { decision: 'ask' }),
];

// The real core fits the chat's port as it is (checked by the type checker, not at run time).
export const coreFitsPort = (core: GatewayCore): ChatGateway => core;

describe('Always available', () => {
  it('sends every tool definition to the model, and calls go through the core as the chat', async () => {
    const gateway = fakeGateway(tools);
    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'always' } });
    const llm = scriptedModel((_request, step) => (step === 0 ? [toolCall('c1', 'tracker__list_issues', { text: 'open' })] : [text('Two issues are open.')]));
    const result = await generateText({ model: llm, tools: turn.tools, toolApproval: turn.toolApproval, prompt: 'What is open?', stopWhen: isStepCount(5) });

    const first = llm.doGenerateCalls[0]!;
    expect(offeredTools(first).sort()).toEqual(tools.map((t) => t.name).sort());
    for (const t of tools) expect(first.tools?.find((x) => x.name === t.name)).toMatchObject({ type: 'function', inputSchema: t.tool.inputSchema });
    expect(turn.searchToolName).toBeUndefined();
    expect(gateway.listCallers).toEqual([{ userId: 'user-1', orgId: 'org-1', surface: 'chat', requestId: 'req-1' }]);
    expect(gateway.calls).toEqual([{ caller: { userId: 'user-1', orgId: 'org-1', surface: 'chat', requestId: 'req-1' }, tool: 'tracker__list_issues', args: { text: 'open' }, approved: false }]);
    // The model read the connector's result.
    expect(JSON.stringify(llm.doGenerateCalls[1]!.prompt)).toContain('list_issues done with');
    expect(result.text).toBe('Two issues are open.');
  });
});

describe('On demand (provider-neutral)', () => {
  /** A model that searches first, then calls the first tool the search returned, then answers. */
  const searchingModel = () =>
    scriptedModel((request, step) => {
      if (step === 0) return [toolCall('s1', 'search_tools', { query: 'create issue' })];
      if (step === 1) return [toolCall('c1', searchResultNames(request, 'search_tools')[0]!, { title: 'Login fails' })];
      return [text('Filed.')];
    });

  it('offers only search_tools first, then the found tool, which is called through the core', async () => {
    const gateway = fakeGateway(tools);
    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand', person: 'always' } });
    const llm = searchingModel();
    const result = await generateText({ model: llm, tools: turn.tools, toolApproval: turn.toolApproval, prompt: 'File a bug: login fails', stopWhen: isStepCount(5) });

    const [first, second] = llm.doGenerateCalls;
    expect(offeredTools(first!)).toEqual(['search_tools']);
    const found = searchResultNames(second!, 'search_tools');
    expect(found[0]).toBe('tracker__create_issue');
    expect(offeredTools(second!).sort()).toEqual(['search_tools', ...found].sort());
    expect(gateway.calls).toHaveLength(1);
    expect(gateway.calls[0]).toMatchObject({ tool: 'tracker__create_issue', args: { title: 'Login fails' }, caller: { surface: 'chat', userId: 'user-1' } });
    expect(result.text).toBe('Filed.');

    const discovered = turn.discoveredAfter(result.steps);
    expect(discovered).toEqual(found);
  });

  it('pinned tools are offered from the first step', async () => {
    const gateway = fakeGateway(tools);
    // By client-facing name, or as a `{ connector, tool }` pin from the tool-access settings.
    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand' }, pinned: ['chat__send_message', { connector: 'drive', tool: 'list_files' }] });
    const llm = scriptedModel(() => [text('ok')]);
    await generateText({ model: llm, tools: turn.tools, prompt: 'hi' });
    expect(offeredTools(llm.doGenerateCalls[0]!).sort()).toEqual(['chat__send_message', 'drive__list_files', 'search_tools']);
  });

  it('a later turn offers the discovered tools directly, without searching again', async () => {
    const gateway = fakeGateway(tools);
    // One match per search, so what the first turn found is exactly one tool, whatever the ranking's cut-off.
    const first = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand' }, maxResults: 1 });
    const firstModel = searchingModel();
    const firstResult = await generateText({ model: firstModel, tools: first.tools, toolApproval: first.toolApproval, prompt: 'File a bug: login fails', stopWhen: isStepCount(5) });
    // Stored with the conversation as JSON, and read back.
    const stored = JSON.parse(JSON.stringify(first.discoveredAfter(firstResult.steps))) as string[];
    expect(stored).toEqual(['tracker__create_issue']);

    const second = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand' }, discovered: stored });
    const offered: string[][] = [];
    const secondModel = scriptedModel((request, step) => {
      offered.push(offeredTools(request));
      // The model uses a tool it already has, if it has one.
      const direct = offeredTools(request).find((name) => name === 'tracker__create_issue');
      return step === 0 && direct ? [toolCall('c2', direct, { title: 'Logout fails' })] : [text('Filed again.')];
    });
    const messages: ModelMessage[] = [{ role: 'user', content: 'File a bug: login fails' }, ...firstResult.response.messages, { role: 'user', content: 'And another: logout fails' }];
    const secondResult = await generateText({ model: secondModel, tools: second.tools, toolApproval: second.toolApproval, messages, stopWhen: isStepCount(5) });

    // The tool the first turn found is loaded in full from the first step; no other connector tool is.
    expect(offered[0]!.sort()).toEqual(['search_tools', 'tracker__create_issue']);
    const called = secondResult.steps.flatMap((s) => s.toolCalls.map((c) => c.toolName));
    expect(called).toEqual(['tracker__create_issue']);
    expect(gateway.calls.map((c) => c.tool)).toEqual(['tracker__create_issue', 'tracker__create_issue']);
    expect(second.discoveredAfter(secondResult.steps)).toEqual(['tracker__create_issue']);
  });

  it('searches with an injected search (such as the gateway per-person index), among deferred tools only', async () => {
    const gateway = fakeGateway(tools);
    const queries: Array<{ query: string; eligible: string[] }> = [];
    const search = async (query: string, options: { limit: number; eligible: ReadonlySet<string> }) => {
      queries.push({ query, eligible: [...options.eligible].sort() });
      return ['drive__list_files', 'not__a_tool'];
    };
    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand' }, pinned: ['chat__send_message'], search });
    const llm = scriptedModel((request, step) => (step === 0 ? [toolCall('s1', 'search_tools', { query: 'files' })] : [text('ok')]));
    const result = await generateText({ model: llm, tools: turn.tools, prompt: 'my files?', stopWhen: isStepCount(3) });
    expect(queries).toEqual([{ query: 'files', eligible: tools.map((t) => t.name).filter((n) => n !== 'chat__send_message').sort() }]);
    expect(offeredTools(llm.doGenerateCalls[1]!).sort()).toEqual(['chat__send_message', 'drive__list_files', 'search_tools']);
    expect(turn.discoveredAfter(result.steps)).toEqual(['drive__list_files']);
  });

  it("searches with the gateway's per-person index, hybrid with an embedding model: a request in other words finds the tool", async () => {
    const infra = [gatewayToolFixture('infra', 'scale_workloads', 'Scale the workloads running in a container cluster.'), gatewayToolFixture('infra', 'list_regions', 'List the regions you can deploy to.')];
    const all = [...tools, ...infra];
    const gateway = fakeGateway(all);
    const personIndex = new PersonToolIndex({ describe: async (slug) => ({ name: slug }), embedder: new Embedder({ model: conceptModel() }) });
    const list = { tools: all, problems: [], byName: new Map(all.map((t) => [t.name, t])) };
    const core = { userId: caller.userId, orgId: caller.orgId, surface: 'chat' as const };
    // Bring the person's index up to date and let its vectors arrive (a real person's index is warm from earlier searches).
    await personIndex.search(core, list, 'warm up', { limit: 1 });
    await vi.waitFor(async () => expect((await personIndex.searchRanked(core, list, 'kubernetes', { limit: 1 })).ranking).toBe('hybrid'));

    // The default, lexical, search of a turn does not find it.
    expect(await searchWithIndex(indexTools(all))('kubernetes', { limit: 5, eligible: new Set(all.map((t) => t.name)) })).not.toContain('infra__scale_workloads');

    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand' }, search: searchWithPersonIndex(personIndex, core, list) });
    const llm = scriptedModel((request, step) => (step === 0 ? [toolCall('s1', 'search_tools', { query: 'kubernetes' })] : step === 1 ? [toolCall('c1', searchResultNames(request, 'search_tools')[0]!, { text: 'up' })] : [text('done')]));
    const result = await generateText({ model: llm, tools: turn.tools, prompt: 'add capacity to my k8s', stopWhen: isStepCount(4) });
    expect(searchResultNames(llm.doGenerateCalls[1]!, 'search_tools')[0]).toBe('infra__scale_workloads');
    expect(gateway.calls.map((c) => c.tool)).toEqual(['infra__scale_workloads']);
    expect(turn.discoveredAfter(result.steps)).toContain('infra__scale_workloads');

    // The same through searchWithIndex over a HybridToolIndex (asynchronous results).
    const hybrid = new HybridToolIndex({ embedder: new Embedder({ model: conceptModel() }) });
    hybrid.upsertServer({ name: 'infra' }, infra.map((t) => ({ key: t.name, name: t.originalName, description: t.tool.description })));
    await hybrid.ready();
    expect(await searchWithIndex(hybrid)('kubernetes', { limit: 2, eligible: new Set(['infra__scale_workloads', 'infra__list_regions']) })).toEqual(['infra__scale_workloads']);
  });

  it('drops stored discoveries the person no longer has, and ignores a malformed list', async () => {
    const gateway = fakeGateway(tools);
    const kept = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand' }, discovered: ['tracker__create_issue', 'gone__tool'] });
    expect(kept.discovered).toEqual(['tracker__create_issue']);
    const malformed = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'on_demand' }, discovered: { not: 'a list' } });
    expect(malformed.discovered).toEqual([]);
    expect(malformed.loaded).toEqual([]);
  });
});

describe('ask tools', () => {
  const deleting = () => scriptedModel((_request, step) => (step === 0 ? [toolCall('d1', 'drive__delete_file', { text: 'old.txt' })] : [text('Deleted.')]));

  it('stop on an approval request, and run only once the person approves', async () => {
    const gateway = fakeGateway(tools);
    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'always' } });
    const llm = deleting();
    const asked = await generateText({ model: llm, tools: turn.tools, toolApproval: turn.toolApproval, prompt: 'Delete old.txt', stopWhen: isStepCount(5) });
    expect(gateway.calls).toEqual([]);
    const prompts = turn.approvalPrompts(asked.content);
    expect(prompts).toEqual([
      expect.objectContaining({ toolName: 'drive__delete_file', connector: 'drive', tool: 'delete_file', input: { text: 'old.txt' }, reason: tools[4]!.reason }),
    ]);

    // Allow once: the next request carries the approval.
    const messages: ModelMessage[] = [
      { role: 'user', content: 'Delete old.txt' },
      ...asked.response.messages,
      { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: prompts[0]!.approvalId, approved: true }] },
    ];
    const done = await generateText({ model: llm, tools: turn.tools, toolApproval: turn.toolApproval, messages, stopWhen: isStepCount(5) });
    expect(gateway.calls).toEqual([expect.objectContaining({ tool: 'drive__delete_file', approved: true, caller: expect.objectContaining({ surface: 'chat' }) })]);
    expect(done.text).toBe('Deleted.');
  });

  it('a denial never reaches the core', async () => {
    const gateway = fakeGateway(tools);
    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'always' } });
    const llm = deleting();
    const asked = await generateText({ model: llm, tools: turn.tools, toolApproval: turn.toolApproval, prompt: 'Delete old.txt', stopWhen: isStepCount(5) });
    const [prompt] = turn.approvalPrompts(asked.content);
    const messages: ModelMessage[] = [
      { role: 'user', content: 'Delete old.txt' },
      ...asked.response.messages,
      { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: prompt!.approvalId, approved: false, reason: 'Denied' }] },
    ];
    await generateText({ model: llm, tools: turn.tools, toolApproval: turn.toolApproval, messages, stopWhen: isStepCount(5) });
    expect(gateway.calls).toEqual([]);
  });

  it('without the approval configuration, the call reaches the core unapproved and is refused there', async () => {
    const gateway = fakeGateway(tools);
    const turn = await prepareTurnTools({ gateway, caller, model, toolAccess: { conversation: 'always' } });
    const llm = deleting();
    await generateText({ model: llm, tools: turn.tools, prompt: 'Delete old.txt', stopWhen: isStepCount(5) });
    expect(gateway.calls).toEqual([expect.objectContaining({ tool: 'drive__delete_file', approved: false })]);
    expect(JSON.stringify(llm.doGenerateCalls[1]!.prompt)).toContain('needs approval before it runs');
  });
});
