import { describe, expect, it } from 'vitest';
import { allowAlwaysCheck } from '../../src/policy/allow-always.ts';
import type { OrgRuleSet, RuleSet } from '../../src/policy/decide.ts';
import type { PolicyContext } from '../../src/policy/store.ts';

/** What Allow always can and cannot change (src/policy/allow-always.ts, docs/chat.md#allow-always). */
const linear = { slug: 'linear', name: 'Linear', authKind: 'oauth' as const, plans: ['free', 'pro', 'team', 'enterprise'] };
const createIssue = { name: 'create_issue', annotations: { readOnlyHint: false } };

function ctx(org: Partial<OrgRuleSet> = {}, person: Partial<RuleSet> & { disabled?: boolean } = {}): PolicyContext {
  return {
    userId: 'u1',
    org: { id: 'o1', slug: 'acme', name: 'Acme', plan: 'team' },
    role: 'member',
    enabled: new Set(['linear']),
    orgRules: new Map([['linear', { categories: {}, tools: {}, overrides: {}, ...org }]]),
    personRules: new Map([['linear', { categories: {}, tools: {}, disabled: false, ...person }]]),
  };
}

describe('Allow always', () => {
  it("is possible where the person's own rule for the tool asks", () => {
    const check = allowAlwaysCheck(ctx({}, { tools: { create_issue: 'ask' } }), linear, createIssue);
    expect(check).toEqual({ possible: true, reason: 'You will not be asked again before create_issue in Linear runs: your own rule for it becomes "allow". Change it any time in your tool permissions for Linear.' });
  });

  it("is not possible where the organization's rule asks, for the tool or its category", () => {
    for (const org of [{ tools: { create_issue: 'ask' as const } }, { categories: { write: 'ask' as const } }]) {
      const check = allowAlwaysCheck(ctx(org, { tools: { create_issue: 'ask' } }), linear, createIssue);
      expect(check.possible).toBe(false);
      expect(check.reason).toMatch(/^Acme's owners require your approval .*Allow always cannot change your organization's rules: allow this call once, or ask an owner to change the rule\.$/);
    }
  });

  it("is not possible where the person's own rule for the whole category asks: one tool's allow never lifts a category rule", () => {
    const check = allowAlwaysCheck(ctx({}, { categories: { write: 'ask' } }), linear, createIssue);
    expect(check.possible).toBe(false);
    expect(check.reason).toMatch(/^You asked to approve write and delete actions in Linear each time\..* Allow always changes one tool only, not a rule for a whole category/);
  });

  it('changes nothing for a tool that runs without asking, and lifts no block', () => {
    expect(allowAlwaysCheck(ctx(), linear, createIssue)).toEqual({ possible: false, reason: 'create_issue in Linear already runs without asking you.' });
    const blocked = allowAlwaysCheck(ctx({ categories: { write: 'block' } }), linear, createIssue);
    expect(blocked).toEqual({ possible: false, reason: "Acme's owners block write and delete actions in Linear. Ask an owner if you need create_issue." });
  });
});
