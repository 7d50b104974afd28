import { describe, expect, it } from 'vitest';
import { paramDeclarations, paramHeaderMismatch } from '../../src/gateway/param-headers.ts';

const schema = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    level: { type: 'integer', 'x-mcp-header': 'Level' },
    nested: { type: 'object', properties: { team: { type: 'string', 'x-mcp-header': 'Team' } } },
    plain: { type: 'string' },
    bad: { type: 'string', 'x-mcp-header': 'Not A Token' },
  },
};
const b64 = (s: string) => `=?base64?${Buffer.from(s).toString('base64')}?=`;

describe('SEP-2243 parameter headers', () => {
  const declarations = paramDeclarations(schema);

  it('finds every valid x-mcp-header declaration, nested ones included', () => {
    expect(declarations).toEqual([
      { path: ['region'], header: 'Region', type: 'string' },
      { path: ['level'], header: 'Level', type: 'integer' },
      { path: ['nested', 'team'], header: 'Team', type: 'string' },
    ]);
  });

  const cases: Array<[string, Record<string, unknown>, Record<string, string>, RegExp | undefined]> = [
    ['agreeing plain value', { region: 'eu-west' }, { 'Mcp-Param-Region': 'eu-west' }, undefined],
    ['agreeing Base64 value', { region: 'Zürich' }, { 'Mcp-Param-Region': b64('Zürich') }, undefined],
    ['numbers compared as numbers', { level: 42 }, { 'Mcp-Param-Level': '42.0' }, undefined],
    ['argument absent: nothing to mirror', {}, {}, undefined],
    ['nested argument', { nested: { team: 'ops' } }, { 'Mcp-Param-Team': 'ops' }, undefined],
    ['header missing', { region: 'eu' }, {}, /Mcp-Param-Region header is absent/],
    ['header disagrees', { region: 'eu' }, { 'Mcp-Param-Region': 'us' }, /decodes to "us" but the body carries region="eu"/],
    ['non-canonical Base64', { region: 'Hello' }, { 'Mcp-Param-Region': '=?base64?SGVs!!!bG8=?=' }, /invalid Base64/],
    ['Base64 of another value', { region: 'Hello' }, { 'Mcp-Param-Region': b64('Bye') }, /decodes to "Bye"/],
    ['nested header missing', { nested: { team: 'ops' } }, {}, /Mcp-Param-Team header is absent/],
  ];
  for (const [name, args, headers, expected] of cases) {
    it(name, () => {
      const result = paramHeaderMismatch(declarations, args, new Headers(headers));
      if (expected) expect(result).toMatch(expected);
      else expect(result).toBeUndefined();
    });
  }
});
