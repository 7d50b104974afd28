import { classifyTool, type ToolClass } from '../directory/capabilities.ts';

/**
 * The one policy decision (docs/policy.md). Pure: no I/O, no clock, no randomness, so the gateway can
 * call it for every tool of every `tools/list` and every `tools/call`, and the tests can enumerate it.
 */

export const DECISIONS = ['allow', 'ask', 'block'] as const;
export type Decision = (typeof DECISIONS)[number];

export const TOOL_CATEGORIES = ['read', 'write', 'other'] as const;
export type ToolCategory = (typeof TOOL_CATEGORIES)[number];

export type PolicyPlan = 'free' | 'pro' | 'team' | 'enterprise';

/** Rules for one connector: a decision per category, per tool (by the tool's upstream name). */
export interface RuleSet {
  categories: Partial<Record<ToolCategory, Decision>>;
  tools: Record<string, Decision>;
}

/** An organization's rules also re-categorize tools: annotations are hints from the connector, owners have the last word. */
export interface OrgRuleSet extends RuleSet {
  overrides: Record<string, ToolCategory>;
}

export interface PolicyInput {
  /** The organization the person acts in (its name appears in reasons). */
  org: { name: string; plan: PolicyPlan; rules: OrgRuleSet };
  connector: {
    slug: string;
    /** Display name, for reasons. */
    name: string;
    auth: 'oauth' | 'headers' | 'none';
    /** The plans the listing is available on. */
    plans: readonly string[];
  };
  /** An owner (or the operator) added the connector to the organization. */
  enabled: boolean;
  /** The person switched the connector off for themselves. */
  personDisabled: boolean;
  /** The person's own rules: they can only narrow. */
  person: RuleSet;
  tool: { name: string; annotations?: { readOnlyHint?: boolean | undefined; destructiveHint?: boolean | undefined } | undefined };
}

export type DecisionSource = 'plan' | 'enablement' | 'person-off' | 'org-tool' | 'org-category' | 'person-tool' | 'person-category' | 'default';

export interface PolicyDecision {
  decision: Decision;
  /** The category the tool counts in, after any owner override. */
  category: ToolCategory;
  /** Where the category came from: an owner's override, or the connector's annotations. */
  categoryFrom: 'owner' | 'annotations';
  /** One sentence or two for the person: what decided, who decided it, and what they can do. */
  reason: string;
  /** The rule that decided (for `allow`: the most specific explicit allow, else `default`). */
  source: DecisionSource;
}

const RESTRICTIVENESS: Record<Decision, number> = { allow: 0, ask: 1, block: 2 };

/** `block` > `ask` > `allow`. */
export const mostRestrictive = (a: Decision, b: Decision): Decision => (RESTRICTIVENESS[b] > RESTRICTIVENESS[a] ? b : a);

const FROM_CLASS: Record<ToolClass, ToolCategory> = { 'read-only': 'read', 'write-delete': 'write', other: 'other' };

/**
 * The directory's rule (src/directory/capabilities.ts), in policy's words: read only when the connector
 * says `readOnlyHint: true`; write when it says `readOnlyHint: false` or `destructiveHint: true`; other else.
 */
export const categoryFromAnnotations = (annotations: PolicyInput['tool']['annotations']): ToolCategory =>
  FROM_CLASS[classifyTool({ annotations })];

/** How each category reads in a sentence. */
export const CATEGORY_WORDS: Record<ToolCategory, string> = {
  read: 'read-only actions',
  write: 'write and delete actions',
  other: 'other actions (tools the connector does not mark as read-only or as writing)',
};

const CATEGORY_SHORT: Record<ToolCategory, string> = { read: 'read-only actions', write: 'write and delete actions', other: 'other actions' };

const PLAN_WORDS: Record<PolicyPlan, string> = { free: 'Free', pro: 'Pro', team: 'Team', enterprise: 'Enterprise' };

interface Candidate {
  source: 'org-tool' | 'org-category' | 'person-tool' | 'person-category';
  decision: Decision;
}

export function decide(input: PolicyInput): PolicyDecision {
  const { org, connector, tool } = input;
  const override = Object.hasOwn(org.rules.overrides, tool.name) ? org.rules.overrides[tool.name] : undefined;
  const category = override ?? categoryFromAnnotations(tool.annotations);
  const categoryFrom = override ? 'owner' : 'annotations';
  const base = { category, categoryFrom } as const;
  const c = connector.name;
  const t = tool.name;

  // Gates first: each blocks everything in the connector, whatever the rules say.
  if (!connector.plans.includes(org.plan)) {
    const on = connector.plans.map((p) => PLAN_WORDS[p as PolicyPlan] ?? p).join(', ');
    return { ...base, decision: 'block', source: 'plan', reason: `${c} is not available on ${org.name}'s ${PLAN_WORDS[org.plan]} plan (it is available on: ${on}). Ask your primary owner about the plan.` };
  }
  if (!input.enabled) {
    const after = connector.auth === 'none' ? 'once added, it is available to every member' : 'once added, each member connects their own account';
    return { ...base, decision: 'block', source: 'enablement', reason: `${org.name}'s owners have not added ${c} to the organization. Ask an owner to add it (${after}).` };
  }
  if (input.personDisabled) {
    return { ...base, decision: 'block', source: 'person-off', reason: `You switched ${c} off for yourself. Switch it back on in your settings for ${c} to use its tools.` };
  }

  // Then the rules: the most restrictive wins. Listed in the order that names the decider when several
  // agree: the organization before the person (the person cannot lift it), the tool before its category.
  const candidates: Candidate[] = [];
  const orgTool = own(org.rules.tools, t);
  if (orgTool) candidates.push({ source: 'org-tool', decision: orgTool });
  const orgCategory = org.rules.categories[category];
  if (orgCategory) candidates.push({ source: 'org-category', decision: orgCategory });
  const personTool = own(input.person.tools, t);
  if (personTool) candidates.push({ source: 'person-tool', decision: personTool });
  const personCategory = input.person.categories[category];
  if (personCategory) candidates.push({ source: 'person-category', decision: personCategory });

  let winner: Candidate | undefined;
  for (const candidate of candidates) {
    if (!winner || RESTRICTIVENESS[candidate.decision] > RESTRICTIVENESS[winner.decision]) winner = candidate;
  }
  if (!winner) {
    return { ...base, decision: 'allow', source: 'default', reason: `No rule restricts ${t} in ${c}.` };
  }
  return { ...base, decision: winner.decision, source: winner.source, reason: sentence(winner, { org: org.name, connector: c, tool: t, category, categoryFrom }) };
}

function own(record: Record<string, Decision>, key: string): Decision | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function sentence(w: Candidate, n: { org: string; connector: string; tool: string; category: ToolCategory; categoryFrom: 'owner' | 'annotations' }): string {
  const actions = CATEGORY_WORDS[n.category];
  const counted = n.categoryFrom === 'owner' ? ` (${n.org}'s owners count ${n.tool} among ${CATEGORY_SHORT[n.category]})` : '';
  switch (w.source) {
    case 'org-tool':
      if (w.decision === 'block') return `${n.org}'s owners block the tool ${n.tool} in ${n.connector}. Ask an owner if you need it.`;
      if (w.decision === 'ask') return `${n.org}'s owners require your approval each time ${n.tool} in ${n.connector} runs.`;
      return `${n.org}'s owners allow ${n.tool} in ${n.connector}.`;
    case 'org-category':
      if (w.decision === 'block') return `${n.org}'s owners block ${actions} in ${n.connector}${counted}. Ask an owner if you need ${n.tool}.`;
      if (w.decision === 'ask') return `${n.org}'s owners require your approval for ${actions} in ${n.connector}${counted}.`;
      return `${n.org}'s owners allow ${actions} in ${n.connector}.`;
    case 'person-tool':
      if (w.decision === 'block') return `You blocked ${n.tool} in ${n.connector} for yourself. Change it in your tool permissions for ${n.connector}.`;
      if (w.decision === 'ask') return `You asked to approve ${n.tool} in ${n.connector} each time it runs. Change it in your tool permissions for ${n.connector}.`;
      return `You allow ${n.tool} in ${n.connector}.`;
    case 'person-category':
      if (w.decision === 'block') return `You blocked ${actions} in ${n.connector} for yourself${counted}. Change it in your tool permissions for ${n.connector}.`;
      if (w.decision === 'ask') return `You asked to approve ${actions} in ${n.connector} each time${counted}. Change it in your tool permissions for ${n.connector}.`;
      return `You allow ${actions} in ${n.connector}.`;
  }
}
