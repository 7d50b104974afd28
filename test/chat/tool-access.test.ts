import { generateText, isStepCount } from 'ai';
import { describe, expect, it } from 'vitest';
import { decideLoading, prepareTurnTools, resolveToolAccessMode } from '../../src/chat/index.ts';
import { AUTO_CONNECTOR_LIMIT } from '../../src/gateway/tool-access-mode.ts';
import { toolDefinitionsTokens } from '../../src/toolsearch/index.ts';
import { fakeGateway, gatewayToolFixture, offeredTools, scriptedModel, text } from '../helpers/chat-fakes.ts';

const caller = { userId: 'user-1', orgId: 'org-1' };

describe('tool access mode', () => {
  it('takes the conversation override, then the person default, then auto', () => {
    expect(resolveToolAccessMode({ conversation: 'on_demand', person: 'always' })).toBe('on_demand');
    expect(resolveToolAccessMode({ conversation: undefined, person: 'always' })).toBe('always');
    expect(resolveToolAccessMode({})).toBe('auto');
    // Stored values are parsed, not trusted: an unknown value falls through to the next level.
    expect(resolveToolAccessMode({ conversation: 'sometimes', person: 'on_demand' })).toBe('on_demand');
  });
});

describe('Auto', () => {
  const few = [gatewayToolFixture('tracker', 'create_issue', 'Create an issue.'), gatewayToolFixture('drive', 'list_files', 'List files in a folder.')];

  it('loads every definition for a few small tools, and the model is offered them all', async () => {
    const gateway = fakeGateway(few);
    const turn = await prepareTurnTools({ gateway, caller, model: { provider: 'mock', modelId: 'm' }, toolAccess: {} });
    expect(turn.decision).toMatchObject({ mode: 'auto', loading: 'always', connectors: 2 });
    expect(turn.decision.definitionTokens).toBe(toolDefinitionsTokens(few.map((t) => t.tool)));
    expect(turn.decision.reason).toMatch(/^Auto: /);
    expect(turn.decision.definitionTokens).toBeLessThanOrEqual(turn.decision.budgetTokens);

    const model = scriptedModel(() => [text('ok')]);
    await generateText({ model, tools: turn.tools, toolApproval: turn.toolApproval, prompt: 'hi', stopWhen: isStepCount(3) });
    expect(offeredTools(model.doGenerateCalls[0]!).sort()).toEqual(few.map((t) => t.name).sort());
  });

  it(`goes on demand from ${AUTO_CONNECTOR_LIMIT} connectors on, however small the tools`, async () => {
    const many = Array.from({ length: 30 }, (_, i) => gatewayToolFixture(`app${i}`, 'ping', 'Ping.'));
    const decision = decideLoading('auto', many);
    expect(decision).toMatchObject({ loading: 'on_demand', connectors: 30 });
    expect(decision.definitionTokens).toBeLessThan(decision.budgetTokens);
    expect(decideLoading('auto', many.slice(0, AUTO_CONNECTOR_LIMIT - 1)).loading).toBe('always');
    expect(decideLoading('auto', many.slice(0, AUTO_CONNECTOR_LIMIT)).loading).toBe('on_demand');
  });

  it('goes on demand when the definitions exceed a tenth of the context window', async () => {
    const large = [gatewayToolFixture('crm', 'search', 'Search the CRM. '.repeat(200)), gatewayToolFixture('crm', 'update', 'Update a record.')];
    const tokens = toolDefinitionsTokens(large.map((t) => t.tool));
    // A window whose tenth is just below the definitions, then just above.
    expect(decideLoading('auto', large, (tokens - 1) * 10).loading).toBe('on_demand');
    expect(decideLoading('auto', large, tokens * 10).loading).toBe('always');

    const gateway = fakeGateway(large);
    const turn = await prepareTurnTools({ gateway, caller, model: { provider: 'mock', modelId: 'm' }, contextTokens: (tokens - 1) * 10 });
    expect(turn.decision.loading).toBe('on_demand');
    const model = scriptedModel(() => [text('ok')]);
    await generateText({ model, tools: turn.tools, prompt: 'hi' });
    expect(offeredTools(model.doGenerateCalls[0]!)).toEqual(['search_tools']);
  });

  it('an explicit mode wins over the budget', () => {
    const many = Array.from({ length: 30 }, (_, i) => gatewayToolFixture(`app${i}`, 'ping', 'Ping.'));
    expect(decideLoading('always', many).loading).toBe('always');
    expect(decideLoading('on_demand', many.slice(0, 1)).loading).toBe('on_demand');
  });
});
