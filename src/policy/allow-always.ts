import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { findListing } from '../directory/store.ts';
import { AppError, conflict, notFound } from '../shared/app-error.ts';
import type { PolicyChangeBus } from './changes.ts';
import { decide, type PolicyInput } from './decide.ts';
import { getPersonRules, loadPolicyContext, policyInput, setPersonRules, type PersonRules, type PolicyConnector, type PolicyContext } from './store.ts';

/**
 * "Allow always" on a chat approval card (docs/chat.md#allow-always). It changes exactly one thing: **the
 * person's own rule for that one tool becomes `allow`**, through the person's rules (`setPersonRules`: audited,
 * announced, applying in every organization the person belongs to, like every personal rule). Because the most
 * restrictive rule wins (decide.ts), that lifts an `ask` only where the person's own rule for the tool was what
 * asked. It cannot change:
 *
 * - the organization's rules: when the owners require approval (for the tool or its category), every call still
 *   asks, whatever the person sets;
 * - the person's own rule for the tool's whole category (e.g. "ask before every write in Linear"): one tool's
 *   `allow` never lifts a category rule, so that is changed in their tool permissions, not from a card;
 * - a block: nothing the person sets lifts one.
 *
 * Whether it can is decided by decide() itself: the tool's decision with the person's tool rule set to `allow`.
 */
export interface AllowAlwaysCheck {
  /** Allow always would stop the approval: the card may offer it. */
  possible: boolean;
  /** What it would do, or why it cannot (the rule that keeps asking, and what to do instead). */
  reason: string;
}

type Tool = PolicyInput['tool'];

/** Personal rules apply through an organization's policy: without one there is nothing Allow always could lift. */
const NO_ORGANIZATION = 'This conversation belongs to no organization, so there is no rule to change.';

/** Pure: what Allow always would do for this tool, from a loaded policy context. */
export function allowAlwaysCheck(ctx: PolicyContext, connector: PolicyConnector, tool: Tool): AllowAlwaysCheck {
  const input = policyInput(ctx, connector, tool);
  const now = decide(input);
  if (now.decision === 'allow') return { possible: false, reason: `${tool.name} in ${connector.name} already runs without asking you.` };
  if (now.decision === 'block') return { possible: false, reason: now.reason };
  const after = decide({ ...input, person: { ...input.person, tools: { ...input.person.tools, [tool.name]: 'allow' } } });
  if (after.decision === 'allow') {
    return { possible: true, reason: `You will not be asked again before ${tool.name} in ${connector.name} runs: your own rule for it becomes "allow". Change it any time in your tool permissions for ${connector.name}.` };
  }
  if (after.source === 'org-tool' || after.source === 'org-category') {
    return { possible: false, reason: `${after.reason} Allow always cannot change your organization's rules: allow this call once, or ask an owner to change the rule.` };
  }
  return { possible: false, reason: `${after.reason} Allow always changes one tool only, not a rule for a whole category: allow this call once, or change that rule in your tool permissions for ${connector.name}.` };
}

async function contextFor(db: Kysely<DB>, userId: string, orgId: string, connectorSlug: string): Promise<{ ctx: PolicyContext; connector: PolicyConnector }> {
  const [ctx, listing] = await Promise.all([loadPolicyContext(db, userId, orgId), findListing(db, connectorSlug)]);
  if (!listing) throw notFound(`No connector has the slug "${connectorSlug}".`);
  return { ctx, connector: listing };
}

/** What Allow always would do for one tool of a person in an organization (none: it cannot). */
export async function checkAllowAlways(db: Kysely<DB>, userId: string, orgId: string | null | undefined, connectorSlug: string, tool: Tool): Promise<AllowAlwaysCheck> {
  if (!orgId) return { possible: false, reason: NO_ORGANIZATION };
  const { ctx, connector } = await contextFor(db, userId, orgId, connectorSlug);
  return allowAlwaysCheck(ctx, connector, tool);
}

/**
 * Stores Allow always: the person's rule for this tool becomes `allow` (their other rules stay as they are).
 * Refused with 409 and the reason when it would not stop the approval (see `allowAlwaysCheck`), or without an
 * organization.
 */
export async function allowToolAlways(
  db: Kysely<DB>,
  userId: string,
  orgId: string | null | undefined,
  connectorSlug: string,
  tool: Tool,
  bus?: PolicyChangeBus,
): Promise<{ changed: boolean; rules: PersonRules; check: AllowAlwaysCheck }> {
  if (!orgId) throw conflict(`${NO_ORGANIZATION} Allow this call once instead.`);
  const { ctx, connector } = await contextFor(db, userId, orgId, connectorSlug);
  const check = allowAlwaysCheck(ctx, connector, tool);
  if (!check.possible) throw new AppError(409, 'allow_always_not_possible', check.reason);
  const current = await getPersonRules(db, userId, connectorSlug);
  const { changed, rules } = await setPersonRules(db, userId, connectorSlug, { categories: current.categories, tools: { ...current.tools, [tool.name]: 'allow' }, disabled: current.disabled }, bus);
  return { changed, rules, check };
}
