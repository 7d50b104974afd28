import type { CategoryRules, Decision, ToolCategory } from '../../api/settings.ts';
import { Button } from '../Button.tsx';
import { CATEGORY_HINTS, CATEGORY_NAMES, DECISION_LABELS, Segmented } from './common.tsx';

/** Pieces of the rule editors a person (Settings → Permissions) and the owners (Admin → Rules) share. */

export const CATEGORIES: readonly ToolCategory[] = ['read', 'write', 'other'];
const CATEGORY_CHOICES = [
  { value: 'allow', label: 'Allow' },
  { value: 'ask', label: 'Ask' },
  { value: 'block', label: 'Block' },
] as const;

export type ToolChoice = 'category' | Decision;

export const toolCategoryOf = (tool: { class: 'read-only' | 'write-delete' | 'other' }): ToolCategory => (tool.class === 'read-only' ? 'read' : tool.class === 'write-delete' ? 'write' : 'other');

/** The rules by kind of action: one allow / ask / block control per category, with how many tools it covers. */
export function CategoryRuleList({ categories, countOf, legendOf, onChange }: { categories: CategoryRules; countOf: (category: ToolCategory) => number | undefined; legendOf: (name: string) => string; onChange: (categories: CategoryRules) => void }) {
  return (
    <div className="category-rules">
      {CATEGORIES.map((category) => {
        const count = countOf(category);
        return (
          <div key={category} className="category-rule">
            <div>
              <p className="category-name">{CATEGORY_NAMES[category]}</p>
              <p className="muted small">
                {CATEGORY_HINTS[category]}
                {count !== undefined ? ` ${count} ${count === 1 ? 'tool' : 'tools'}.` : ''}
              </p>
            </div>
            <Segmented
              legend={legendOf(CATEGORY_NAMES[category])}
              hideLegend
              value={categories[category] ?? 'allow'}
              choices={CATEGORY_CHOICES}
              tone={(v) => `tone-${v}`}
              onChange={(value) => onChange({ ...categories, [category]: value })}
            />
          </div>
        );
      })}
    </div>
  );
}

/** A tool's own rule: like its kind (saying what that is now), Ask or Block; Allow only when it is already set. */
export function toolRuleChoices(current: Decision | undefined, kindDecision: Decision | undefined): Array<{ value: ToolChoice; label: string }> {
  const choices: Array<{ value: ToolChoice; label: string }> = [
    { value: 'category', label: `Like its kind (${DECISION_LABELS[kindDecision ?? 'allow']})` },
    { value: 'ask', label: 'Ask every time' },
    { value: 'block', label: 'Block' },
  ];
  if (current === 'allow') choices.splice(1, 0, { value: 'allow', label: 'Allow (no effect beyond its kind)' });
  return choices;
}

/** Categories at Allow carry no rule; in a fixed order, so a comparison tells real changes. */
export function normalizeCategories(categories: CategoryRules): CategoryRules {
  const normalized: CategoryRules = {};
  for (const c of CATEGORIES) {
    const value = categories[c];
    if (value && value !== 'allow') normalized[c] = value;
  }
  return normalized;
}

/** Save and Discard under a rule editor, kept in view while there are unsaved changes. */
export function RulesActions({ dirty, busy, onDiscard }: { dirty: boolean; busy: boolean; onDiscard: () => void }) {
  return (
    <div className={`form-actions rules-actions${dirty ? ' sticky-actions' : ''}`}>
      <Button type="submit" variant="primary" busy={busy} disabled={!dirty}>
        Save rules
      </Button>
      <Button disabled={!dirty || busy} onClick={onDiscard}>
        Discard changes
      </Button>
      <span className="muted small" role="status">
        {dirty ? 'Unsaved changes' : ''}
      </span>
    </div>
  );
}
