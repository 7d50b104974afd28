import { describe, expect, it } from 'vitest';
import { classifyTool } from '../../src/directory/capabilities.ts';
import { categoryFromAnnotations, decide, mostRestrictive, type Decision, type PolicyInput, type ToolCategory } from '../../src/policy/decide.ts';

type Over = {
  plan?: PolicyInput['org']['plan'];
  plans?: string[];
  auth?: PolicyInput['connector']['auth'];
  enabled?: boolean;
  personDisabled?: boolean;
  annotations?: PolicyInput['tool']['annotations'];
  tool?: string;
  org?: Partial<PolicyInput['org']['rules']>;
  person?: Partial<PolicyInput['person']>;
};

/** A team org that enabled Linear, no rules, a tool that says it is a write: everything allowed by default. */
function input(o: Over = {}): PolicyInput {
  return {
    org: { name: 'Acme', plan: o.plan ?? 'team', rules: { categories: {}, tools: {}, overrides: {}, ...o.org } },
    connector: { slug: 'linear', name: 'Linear', auth: o.auth ?? 'oauth', plans: o.plans ?? ['free', 'pro', 'team', 'enterprise'] },
    enabled: o.enabled ?? true,
    personDisabled: o.personDisabled ?? false,
    person: { categories: {}, tools: {}, ...o.person },
    tool: { name: o.tool ?? 'create_issue', annotations: 'annotations' in o ? o.annotations : { readOnlyHint: false } },
  };
}

describe('category', () => {
  const cases: Array<[PolicyInput['tool']['annotations'], ToolCategory]> = [
    [{ readOnlyHint: true }, 'read'],
    [{ readOnlyHint: true, destructiveHint: true }, 'read'],
    [{ readOnlyHint: false }, 'write'],
    [{ destructiveHint: true }, 'write'],
    [{ readOnlyHint: false, destructiveHint: false }, 'write'],
    [{ destructiveHint: false }, 'other'],
    [{}, 'other'],
    [undefined, 'other'],
  ];
  it.each(cases)('annotations %j count as %s, by the same rule as the directory', (annotations, category) => {
    expect(categoryFromAnnotations(annotations)).toBe(category);
    expect(decide(input({ annotations })).category).toBe(category);
    expect({ 'read-only': 'read', 'write-delete': 'write', other: 'other' }[classifyTool({ annotations })]).toBe(category);
  });

  it("an owner's override wins over the annotations, both ways", () => {
    const liar = decide(input({ annotations: { readOnlyHint: true }, tool: 'delete_all', org: { overrides: { delete_all: 'write' }, categories: { write: 'block' } } }));
    expect(liar).toMatchObject({ category: 'write', categoryFrom: 'owner', decision: 'block', source: 'org-category' });
    expect(liar.reason).toContain("Acme's owners count delete_all among write and delete actions");
    const search = decide(input({ annotations: {}, tool: 'search', org: { overrides: { search: 'read' }, categories: { other: 'block' } } }));
    expect(search).toMatchObject({ category: 'read', categoryFrom: 'owner', decision: 'allow', source: 'default' });
  });

  it('an override for another tool does not apply', () => {
    expect(decide(input({ annotations: { readOnlyHint: true }, org: { overrides: { other_tool: 'write' } } }))).toMatchObject({ category: 'read', categoryFrom: 'annotations' });
  });

  it('tool names that are Object.prototype keys are not rules', () => {
    const d = decide(input({ tool: 'constructor', annotations: { readOnlyHint: true } }));
    expect(d).toMatchObject({ category: 'read', decision: 'allow', source: 'default' });
    expect(decide(input({ tool: 'toString', org: { tools: {} } })).source).toBe('default');
  });
});

describe('gates', () => {
  it('a connector not on the plan is blocked, whatever the rules', () => {
    const d = decide(input({ plan: 'free', plans: ['team', 'enterprise'], org: { tools: { create_issue: 'allow' } } }));
    expect(d).toMatchObject({ decision: 'block', source: 'plan' });
    expect(d.reason).toBe("Linear is not available on Acme's Free plan (it is available on: Team, Enterprise). Ask your primary owner about the plan.");
  });

  it('a connector the organization has not enabled is blocked, and the reason says what enabling would do', () => {
    const oauth = decide(input({ enabled: false }));
    expect(oauth).toMatchObject({ decision: 'block', source: 'enablement' });
    expect(oauth.reason).toBe("Acme's owners have not added Linear to the organization. Ask an owner to add it (once added, each member connects their own account).");
    expect(decide(input({ enabled: false, auth: 'none' })).reason).toMatch(/available to every member/);
  });

  it('a connector the person switched off is blocked with a way back', () => {
    const d = decide(input({ personDisabled: true, auth: 'none' }));
    expect(d).toMatchObject({ decision: 'block', source: 'person-off' });
    expect(d.reason).toMatch(/^You switched Linear off for yourself\. Switch it back on/);
  });

  it('the plan is checked before enablement, enablement before the person switch', () => {
    expect(decide(input({ plans: ['enterprise'], enabled: false, personDisabled: true })).source).toBe('plan');
    expect(decide(input({ enabled: false, personDisabled: true })).source).toBe('enablement');
  });

  it('an enabled auth:none connector is available to every member with no rules', () => {
    expect(decide(input({ auth: 'none' }))).toMatchObject({ decision: 'allow', source: 'default', reason: 'No rule restricts create_issue in Linear.' });
  });
});

describe('rules: the most restrictive wins', () => {
  const D: Decision[] = ['allow', 'ask', 'block'];

  it('mostRestrictive orders block > ask > allow', () => {
    for (const a of D) for (const b of D) expect(mostRestrictive(a, b)).toBe(D[Math.max(D.indexOf(a), D.indexOf(b))]);
  });

  // Every combination of the four rules (absent, allow, ask, block): 256 cases.
  const values: Array<Decision | undefined> = [undefined, 'allow', 'ask', 'block'];
  const combos: Array<[Decision | undefined, Decision | undefined, Decision | undefined, Decision | undefined]> = [];
  for (const a of values) for (const b of values) for (const c of values) for (const d of values) combos.push([a, b, c, d]);

  it.each(combos)('org tool %s, org category %s, person tool %s, person category %s', (orgTool, orgCat, personTool, personCat) => {
    const result = decide(
      input({
        org: { tools: orgTool ? { create_issue: orgTool } : {}, categories: orgCat ? { write: orgCat } : {} },
        person: { tools: personTool ? { create_issue: personTool } : {}, categories: personCat ? { write: personCat } : {} },
      }),
    );
    const set = [orgTool, orgCat, personTool, personCat];
    const present = set.filter((x): x is Decision => x !== undefined);
    const expected = present.reduce<Decision>(mostRestrictive, 'allow');
    expect(result.decision).toBe(expected);
    const sources = ['org-tool', 'org-category', 'person-tool', 'person-category'] as const;
    // The decider named is the first, in org-before-person and tool-before-category order, holding the winning value.
    const expectedSource = present.length === 0 ? 'default' : sources[set.findIndex((x) => x === expected)];
    expect(result.source).toBe(expectedSource);
    expect(result.reason.length).toBeGreaterThan(10);
  });

  it('a person allow never widens an org ask or block', () => {
    expect(decide(input({ org: { categories: { write: 'block' } }, person: { tools: { create_issue: 'allow' }, categories: { write: 'allow' } } })).decision).toBe('block');
    expect(decide(input({ org: { tools: { create_issue: 'ask' } }, person: { tools: { create_issue: 'allow' } } })).decision).toBe('ask');
  });

  it('a tool allow does not lift a category block (use the category, then block single tools)', () => {
    expect(decide(input({ org: { categories: { write: 'block' }, tools: { create_issue: 'allow' } } }))).toMatchObject({ decision: 'block', source: 'org-category' });
  });

  it('a person can narrow: ask or block for themselves', () => {
    expect(decide(input({ person: { categories: { write: 'ask' } } }))).toMatchObject({ decision: 'ask', source: 'person-category' });
    expect(decide(input({ person: { tools: { create_issue: 'block' } } }))).toMatchObject({ decision: 'block', source: 'person-tool' });
  });

  it('category rules apply only to their category', () => {
    const readTool = input({ annotations: { readOnlyHint: true }, tool: 'list_issues', org: { categories: { write: 'block', other: 'block' } } });
    expect(decide(readTool)).toMatchObject({ decision: 'allow', category: 'read' });
    expect(decide(input({ annotations: undefined, org: { categories: { other: 'ask' } } }))).toMatchObject({ decision: 'ask', category: 'other' });
  });

  it('tool rules apply only to their tool', () => {
    expect(decide(input({ org: { tools: { delete_issue: 'block' } } })).decision).toBe('allow');
  });
});

describe('reasons are sentences that name who decided and what to do', () => {
  const cases: Array<[string, Over, RegExp]> = [
    ['org tool block', { org: { tools: { create_issue: 'block' } } }, /^Acme's owners block the tool create_issue in Linear\. Ask an owner if you need it\.$/],
    ['org tool ask', { org: { tools: { create_issue: 'ask' } } }, /^Acme's owners require your approval each time create_issue in Linear runs\.$/],
    ['org tool allow', { org: { tools: { create_issue: 'allow' } } }, /^Acme's owners allow create_issue in Linear\.$/],
    ['org category block', { org: { categories: { write: 'block' } } }, /^Acme's owners block write and delete actions in Linear\. Ask an owner if you need create_issue\.$/],
    ['org category ask', { org: { categories: { write: 'ask' } } }, /^Acme's owners require your approval for write and delete actions in Linear\.$/],
    ['org category allow', { org: { categories: { write: 'allow' } } }, /^Acme's owners allow write and delete actions in Linear\.$/],
    ['person tool block', { person: { tools: { create_issue: 'block' } } }, /^You blocked create_issue in Linear for yourself\. Change it in your tool permissions for Linear\.$/],
    ['person tool ask', { person: { tools: { create_issue: 'ask' } } }, /^You asked to approve create_issue in Linear each time it runs\./],
    ['person category block', { person: { categories: { write: 'block' } } }, /^You blocked write and delete actions in Linear for yourself\./],
    ['person category ask', { person: { categories: { write: 'ask' } } }, /^You asked to approve write and delete actions in Linear each time\./],
    ['other category', { annotations: {}, org: { categories: { other: 'block' } } }, /other actions \(tools the connector does not mark as read-only or as writing\)/],
  ];
  it.each(cases)('%s', (_name, over, reason) => {
    expect(decide(input(over)).reason).toMatch(reason);
  });
});

describe('purity', () => {
  it('does not change its input and answers the same twice', () => {
    const i = input({ org: { categories: { write: 'ask' }, overrides: { create_issue: 'read' } }, person: { tools: { create_issue: 'block' } } });
    const copy = structuredClone(i);
    const first = decide(i);
    expect(decide(i)).toEqual(first);
    expect(i).toEqual(copy);
  });
});
