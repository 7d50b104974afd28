import { z } from 'zod';
import { DECISIONS, TOOL_CATEGORIES, type OrgRuleSet, type RuleSet } from './decide.ts';

/**
 * The shapes of stored rules, validated with zod wherever they come in (the API, the bootstrap file).
 * Tool names are the connector's own (not namespaced), as in its `tools/list`.
 */
export const MAX_TOOL_RULES = 1000;

export const toolNameSchema = z
  .string()
  .min(1, { error: 'a tool name cannot be empty' })
  .max(128, { error: 'a tool name has at most 128 characters' })
  .refine((n) => n !== '__proto__', { error: 'is not a tool name' });

export const decisionSchema = z.enum(DECISIONS);
export const toolCategorySchema = z.enum(TOOL_CATEGORIES);

const limited = <T extends z.ZodType>(schema: T) =>
  schema.refine((r) => Object.keys(r as object).length <= MAX_TOOL_RULES, { error: `lists more than ${MAX_TOOL_RULES} tools` });

export const categoryRulesSchema = z.strictObject({
  read: decisionSchema.optional(),
  write: decisionSchema.optional(),
  other: decisionSchema.optional(),
});

export const toolRulesSchema = limited(z.record(toolNameSchema, decisionSchema));
export const overridesSchema = limited(z.record(toolNameSchema, toolCategorySchema));

/** An organization's rules for one connector. Every field may be left out (= no rule). */
export const orgRulesSchema = z.strictObject({
  categories: categoryRulesSchema.default({}),
  tools: toolRulesSchema.default({}),
  overrides: overridesSchema.default({}),
});

/** A person's own rules for one connector, and their off switch. */
export const personRulesSchema = z.strictObject({
  categories: categoryRulesSchema.default({}),
  tools: toolRulesSchema.default({}),
  disabled: z.boolean().default(false),
});

export type OrgRulesInput = z.input<typeof orgRulesSchema>;
export type PersonRulesInput = z.input<typeof personRulesSchema>;
export type PersonRuleSet = RuleSet & { disabled: boolean };

/** Drops undefined entries and sorts keys, so equal rules have equal JSON (idempotence checks, stable output). */
function canonical<T extends Record<string, unknown>>(record: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) if (record[key] !== undefined) out[key] = record[key];
  return out as T;
}

export const canonicalOrgRules = (r: OrgRuleSet): OrgRuleSet => ({ categories: canonical(r.categories), tools: canonical(r.tools), overrides: canonical(r.overrides) });
export const canonicalPersonRules = (r: PersonRuleSet): PersonRuleSet => ({ categories: canonical(r.categories), tools: canonical(r.tools), disabled: r.disabled });

export const EMPTY_ORG_RULES: OrgRuleSet = Object.freeze({ categories: {}, tools: {}, overrides: {} });
export const EMPTY_PERSON_RULES: PersonRuleSet = Object.freeze({ categories: {}, tools: {}, disabled: false });
