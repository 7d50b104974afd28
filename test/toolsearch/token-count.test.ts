import { describe, expect, it } from 'vitest';
import { toolDefinitionTokens, toolDefinitionsTokens } from '../../src/toolsearch/token-count.ts';

describe('token counting', () => {
  it('counts BPE tokens of the definition JSON, not characters/4', () => {
    const small = { name: 'get_forecast', description: 'Weather forecast for a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } };
    const n = toolDefinitionTokens(small);
    expect(n).toBeGreaterThan(10);
    expect(n).toBeLessThan(60);
    const json = JSON.stringify({ name: small.name, description: small.description, input_schema: small.inputSchema });
    // punctuation-heavy JSON tokenizes quite differently from a character ratio
    expect(n).not.toBe(Math.ceil(json.length / 4));
    expect(toolDefinitionsTokens([small, small])).toBe(2 * n);
  });
});
