import { describe, expect, it } from 'vitest';
import { configuredMode, parseMode, resolveAuto, type ToolAccessSettings } from '../../src/gateway/tool-access-mode.ts';

/** The Auto rule and the order in which a mode is chosen (docs/tool-access.md), as pure functions. */
describe('tool access modes', () => {
  it('Auto loads everything within 10% of the context and below 10 connectors, else finds tools on demand', () => {
    expect(resolveAuto({ definitionTokens: 20_000, connectors: 9, contextTokens: 200_000 })).toMatchObject({ mode: 'always', budgetTokens: 20_000 });
    const over = resolveAuto({ definitionTokens: 20_001, connectors: 3, contextTokens: 200_000 });
    expect(over).toMatchObject({ mode: 'on_demand', budgetTokens: 20_000 });
    expect(over.reason).toBe('The tool definitions of your 3 connectors take 20,001 tokens, over the budget of 20,000 tokens (10% of a 200,000-token context), so they are found on demand.');
    expect(resolveAuto({ definitionTokens: 100, connectors: 10, contextTokens: 200_000 })).toMatchObject({ mode: 'on_demand', reason: expect.stringContaining('10 connectors (10 or more)') });
    // A smaller model's context (the chat passes its own) lowers the budget.
    expect(resolveAuto({ definitionTokens: 5_000, connectors: 2, contextTokens: 32_000 })).toMatchObject({ mode: 'on_demand', budgetTokens: 3_200 });
  });

  it("the URL's mode beats the client's, which beats the person's default", () => {
    const settings: ToolAccessSettings = { mode: 'always', clients: [{ kind: 'oauth', id: 'cursor', mode: 'on_demand' }], pinned: [], orgPinned: [] };
    expect(configuredMode(settings, undefined, undefined)).toEqual({ mode: 'always', source: 'person' });
    expect(configuredMode(settings, { kind: 'oauth', id: 'cursor' }, undefined)).toEqual({ mode: 'on_demand', source: 'client' });
    // Same id, other kind: not that client.
    expect(configuredMode(settings, { kind: 'token', id: 'cursor' }, undefined)).toEqual({ mode: 'always', source: 'person' });
    expect(configuredMode(settings, { kind: 'oauth', id: 'cursor' }, 'auto')).toEqual({ mode: 'auto', source: 'request' });
  });

  it('reads a mode from a URL parameter, in the spellings people type', () => {
    expect(['auto', 'always', 'on_demand', 'on-demand', 'OnDemand', ' ALWAYS '].map(parseMode)).toEqual(['auto', 'always', 'on_demand', 'on_demand', 'on_demand', 'always']);
    expect(parseMode('sometimes')).toBeUndefined();
  });
});
