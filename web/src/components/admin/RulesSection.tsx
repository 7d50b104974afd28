import { useEffect, useMemo, useState } from 'react';
import { api, ApiError } from '../../api/client.ts';
import { adminApi, type InteractiveUi } from '../../api/admin.ts';
import type { CategoryRules, Decision, PinnedTool, ToolCategory } from '../../api/settings.ts';
import type { Connector } from '../../api/types.ts';
import { setSearchParams, useSearchParams } from '../../router.tsx';
import { Badge } from '../Badge.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { useToasts } from '../Toasts.tsx';
import { CATEGORY_NAMES, Loaded, Panel, SelectField, Switch, useLoad } from '../settings/common.tsx';
import { CategoryRuleList, normalizeCategories, RulesActions, toolCategoryOf, toolRuleChoices } from '../settings/rules.tsx';
import type { AdminSectionProps } from './types.ts';

const COUNTS_AS = [
  { value: 'read', label: 'Read' },
  { value: 'write', label: 'Write' },
  { value: 'other', label: 'Other' },
] as const;

interface Draft {
  categories: CategoryRules;
  tools: Record<string, Decision>;
  overrides: Record<string, ToolCategory>;
  /** The tools of this connector the organization keeps loaded for everyone. */
  pinned: string[];
}

/** The organization's rules per connector: by kind of action and tool by tool, re-categorized tools, pins, interactive UI. */
export function RulesSection({ org }: AdminSectionProps) {
  const params = useSearchParams();
  const { data, reload } = useLoad((signal) => adminApi.enabled(org.slug, signal), org.slug);
  return (
    <Loaded data={data} what="the connectors" retry={() => void reload()}>
      {({ connectors }) => {
        if (connectors.length === 0) {
          return (
            <Panel title="Rules" lead="Rules apply to the connectors turned on for the organization.">
              <p className="muted">No connector is on yet: add one in Connectors first.</p>
            </Panel>
          );
        }
        const sorted = [...connectors].sort((a, b) => a.name.localeCompare(b.name));
        const chosen = sorted.find((c) => c.connector === params.get('connector')) ?? sorted[0]!;
        return (
          <Panel
            title="Rules"
            lead={`What ${org.name}'s members may do with each connector. The most restrictive rule wins: a member's own rules can narrow these, never lift them. Changes apply at once.`}
          >
            <SelectField label="Connector" value={chosen.connector} options={sorted.map((c) => ({ value: c.connector, label: c.name }))} onChange={(slug) => setSearchParams({ connector: slug })} className="connector-picker" />
            <ConnectorRules key={`${org.slug}:${chosen.connector}`} org={org} slug={chosen.connector} />
          </Panel>
        );
      }}
    </Loaded>
  );
}

function ConnectorRules({ org, slug }: { org: AdminSectionProps['org']; slug: string }) {
  const toasts = useToasts();
  const { data, set } = useLoad(async (signal) => {
    const [{ connector }, { rules }, { ui }, pins] = await Promise.all([api.connector(slug, signal), adminApi.rules(org.slug, slug, signal), adminApi.ui(org.slug, slug, signal), adminApi.pins(org.slug, signal)]);
    const saved: Draft = { categories: rules.categories, tools: rules.tools, overrides: rules.overrides, pinned: pins.pinned.filter((p) => p.connector === slug).map((p) => p.tool) };
    return { connector, saved, ui, allPins: pins.pinned };
  }, `${org.slug}:${slug}`);
  const [draft, setDraft] = useState<Draft | undefined>();
  const [busy, setBusy] = useState<'save' | 'ui' | undefined>();
  const [error, setError] = useState<{ what: 'save' | 'ui'; error: ApiError } | undefined>();

  useEffect(() => {
    if (data.state === 'ready') setDraft(data.value.saved);
  }, [data]);
  const dirty = useMemo(() => data.state === 'ready' && draft !== undefined && JSON.stringify(normalize(draft)) !== JSON.stringify(normalize(data.value.saved)), [data, draft]);

  if (data.state !== 'ready' || !draft) return <Loaded data={data} what="the rules">{() => null}</Loaded>;
  const { connector, ui, allPins } = data.value;

  const save = async () => {
    setBusy('save');
    setError(undefined);
    try {
      const next = normalize(draft);
      const { rules, changed } = await adminApi.setRules(org.slug, slug, { categories: next.categories, tools: next.tools, overrides: next.overrides });
      let pins = allPins;
      let pinsChanged = false;
      if (JSON.stringify(next.pinned) !== JSON.stringify(normalize(data.value.saved).pinned)) {
        const wanted: PinnedTool[] = [...allPins.filter((p) => p.connector !== slug), ...next.pinned.map((tool) => ({ connector: slug, tool }))];
        const answer = await adminApi.setPins(org.slug, wanted);
        pins = answer.pinned;
        pinsChanged = answer.changed;
      }
      set({ connector, ui, allPins: pins, saved: { categories: rules.categories, tools: rules.tools, overrides: rules.overrides, pinned: pins.filter((p) => p.connector === slug).map((p) => p.tool) } });
      toasts.success(changed || pinsChanged ? `${connector.name}'s rules are saved` : 'Nothing changed', changed || pinsChanged ? `They apply to everyone in ${org.name} at once.` : undefined);
    } catch (err) {
      setError({ what: 'save', error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  const setUi = async (enabled: boolean) => {
    setBusy('ui');
    setError(undefined);
    try {
      const answer = await adminApi.setUi(org.slug, slug, enabled);
      set({ ...data.value, ui: answer.ui });
      toasts.success(enabled ? `${connector.name}'s interactive views are on` : `${connector.name}'s interactive views are off`, enabled ? undefined : 'Its tools keep working and answer with text.');
    } catch (err) {
      setError({ what: 'ui', error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <form
        className="rules-form"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <fieldset className="rules-group">
          <legend>By kind of action</legend>
          <CategoryRuleList
            categories={draft.categories}
            countOf={(category) => connector.tools?.filter((t) => (draft.overrides[t.name] ?? toolCategoryOf(t)) === category).length}
            legendOf={(name) => `${name}: rule for ${org.name}`}
            onChange={(categories) => setDraft({ ...draft, categories })}
          />
        </fieldset>

        <fieldset className="rules-group">
          <legend>Tool by tool</legend>
          {connector.tools && connector.tools.length > 0 ? (
            <ToolRows connector={connector} draft={draft} onChange={setDraft} />
          ) : (
            <p className="muted">Its tools are not known yet: they are listed the first time someone connects it. The rules by kind apply meanwhile.</p>
          )}
        </fieldset>

        {error?.what === 'save' ? <ErrorNotice error={error.error} title="The rules were not saved" /> : null}
        <RulesActions dirty={dirty} busy={busy === 'save'} onDiscard={() => setDraft(data.value.saved)} />
      </form>

      <div className="rules-group ui-setting">
        <h3 className="subhead">Interactive views {connector.interactive ? <Badge tone="info">Interactive</Badge> : null}</h3>
        <UiSwitch ui={ui} name={connector.name} interactive={connector.interactive} busy={busy === 'ui'} onChange={(v) => void setUi(v)} />
        {error?.what === 'ui' ? <ErrorNotice error={error.error} title="The interactive views were not changed" /> : null}
      </div>
    </>
  );
}

function UiSwitch({ ui, name, interactive, busy, onChange }: { ui: InteractiveUi; name: string; interactive: boolean; busy: boolean; onChange: (enabled: boolean) => void }) {
  return (
    <Switch
      checked={ui.enabled}
      busy={busy}
      label={`Show ${name}'s interactive views`}
      hint={
        ui.enabled
          ? `${interactive ? `${name} shows views (MCP Apps) in the chat.` : 'Applies if it offers views (MCP Apps).'} Off: its tools keep working and answer with text only.`
          : 'Off: its views are withheld from everyone; its tools answer with text only.'
      }
      onChange={onChange}
    />
  );
}

function ToolRows({ connector, draft, onChange }: { connector: Connector; draft: Draft; onChange: (draft: Draft) => void }) {
  return (
    <>
      <p className="muted small">
        A tool's rule can make it stricter than its kind, never looser. “Counts as” re-categorizes a tool whose own description of itself you do not trust. “Keep loaded” pins it for everyone in On demand mode.
      </p>
      <div className="tool-rules admin-tool-rules">
        <div className="tool-rules-head" aria-hidden="true">
          <span>Tool</span>
          <span>Counts as</span>
          <span>Rule</span>
          <span>Pinned</span>
        </div>
        <ul aria-label={`Tools of ${connector.name}`}>
          {connector.tools!.map((tool) => {
            const declared = toolCategoryOf(tool);
            const kind = draft.overrides[tool.name] ?? declared;
            const current = draft.tools[tool.name];
            const choices = toolRuleChoices(current, draft.categories[kind]);
            const pinned = draft.pinned.includes(tool.name);
            return (
              <li key={tool.name} className="tool-rule">
                <div className="tool-rule-name">
                  <span className="rule-tool-title">{tool.title ?? tool.name}</span>
                  <code className="rule-tool-name">{tool.name}</code>
                  {kind !== declared ? <span className="small status-warning">Re-categorized: it declares itself {CATEGORY_NAMES[declared].toLowerCase()}</span> : null}
                </div>
                <SelectField
                  label={`${tool.name} counts as`}
                  value={kind}
                  options={COUNTS_AS}
                  onChange={(value) => {
                    const overrides = { ...draft.overrides };
                    if (value === declared) delete overrides[tool.name];
                    else overrides[tool.name] = value;
                    onChange({ ...draft, overrides });
                  }}
                  className="counts-as"
                />
                <SelectField
                  label={`Rule for ${tool.name}`}
                  value={current ?? 'category'}
                  options={choices}
                  onChange={(value) => {
                    const tools = { ...draft.tools };
                    if (value === 'category') delete tools[tool.name];
                    else tools[tool.name] = value;
                    onChange({ ...draft, tools });
                  }}
                />
                <label className="check">
                  <input type="checkbox" checked={pinned} onChange={(e) => onChange({ ...draft, pinned: e.target.checked ? [...draft.pinned, tool.name] : draft.pinned.filter((t) => t !== tool.name) })} />
                  <span>Keep loaded</span>
                  <span className="visually-hidden"> for {tool.name}</span>
                </label>
              </li>
            );
          })}
        </ul>
      </div>
    </>
  );
}

/** The body to send: categories at Allow carry no rule; order fixed so a comparison tells real changes. */
function normalize(draft: Draft): Draft {
  const sortKeys = <T,>(record: Record<string, T>) => Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]!]));
  return { categories: normalizeCategories(draft.categories), tools: sortKeys(draft.tools), overrides: sortKeys(draft.overrides), pinned: [...draft.pinned].sort() };
}
