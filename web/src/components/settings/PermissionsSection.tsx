import { useEffect, useMemo, useState } from 'react';
import { api, ApiError } from '../../api/client.ts';
import { settingsApi, type CategoryRules, type Decision, type Decisions } from '../../api/settings.ts';
import type { Connector } from '../../api/types.ts';
import { setSearchParams, useSearchParams } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { useToasts } from '../Toasts.tsx';
import { DecisionBadge, Loaded, Panel, SelectField, Switch, useLoad } from './common.tsx';
import { CategoryRuleList, normalizeCategories, RulesActions, toolCategoryOf, toolRuleChoices } from './rules.tsx';

/**
 * The person's own rules per connector (they can only narrow what their organizations allow, and apply in every
 * organization), with what the policy decides for them now, tool by tool, and why.
 */
export function PermissionsSection() {
  const { org } = useSession();
  const orgSlug = org?.organization.slug;
  const params = useSearchParams();
  const { data } = useLoad(async (signal) => {
    const [{ connections }, directory, enabled] = await Promise.all([
      api.connections(signal),
      api.connectors({ limit: 500 }, signal),
      orgSlug ? api.orgConnectors(orgSlug, signal).then((r) => r.connectors) : Promise.resolve([]),
    ]);
    const slugs = new Set([...connections.map((c) => c.connector), ...enabled.map((e) => e.connector)]);
    return directory.connectors.filter((c) => slugs.has(c.slug)).sort((a, b) => a.name.localeCompare(b.name));
  }, orgSlug ?? '');

  return (
    <Panel
      title="Tool permissions"
      lead={
        <>
          Choose which of your tools run at once, which ask you first, and which never run. Your rules only narrow what {org ? `${org.organization.name}'s owners allow` : 'your organizations allow'}, and they apply in all your organizations.
        </>
      }
    >
      <Loaded data={data} what="your connectors">
        {(connectors) => {
          if (connectors.length === 0) return <p className="muted">Connect a service first: its tools then appear here.</p>;
          const chosen = connectors.find((c) => c.slug === params.get('connector')) ?? connectors[0]!;
          return (
            <>
              <SelectField
                label="Connector"
                value={chosen.slug}
                options={connectors.map((c) => ({ value: c.slug, label: c.name }))}
                onChange={(slug) => setSearchParams({ connector: slug })}
                className="connector-picker"
              />
              <ConnectorRules key={`${chosen.slug}:${orgSlug ?? ''}`} slug={chosen.slug} orgSlug={orgSlug} orgName={org?.organization.name} />
            </>
          );
        }}
      </Loaded>
    </Panel>
  );
}

interface Draft {
  categories: CategoryRules;
  tools: Record<string, Decision>;
  disabled: boolean;
}

function ConnectorRules({ slug, orgSlug, orgName }: { slug: string; orgSlug: string | undefined; orgName: string | undefined }) {
  const toasts = useToasts();
  const { data, set } = useLoad(async (signal) => {
    const [{ connector }, { rules }, decisions] = await Promise.all([
      api.connector(slug, signal),
      settingsApi.myRules(slug, signal),
      orgSlug ? settingsApi.decisions(orgSlug, slug, signal) : Promise.resolve(undefined),
    ]);
    return { connector, saved: { categories: rules.categories, tools: rules.tools, disabled: rules.disabled } as Draft, decisions };
  }, slug);
  const [draft, setDraft] = useState<Draft | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();

  useEffect(() => {
    if (data.state === 'ready') setDraft(data.value.saved);
  }, [data]);

  const dirty = useMemo(() => data.state === 'ready' && draft !== undefined && JSON.stringify(normalize(draft)) !== JSON.stringify(normalize(data.value.saved)), [data, draft]);

  if (data.state !== 'ready' || !draft) return <Loaded data={data} what="the rules">{() => null}</Loaded>;
  const { connector, decisions } = data.value;

  const save = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const body = normalize(draft);
      const { rules, changed } = await settingsApi.setMyRules(slug, body);
      const fresh = orgSlug ? await settingsApi.decisions(orgSlug, slug) : undefined;
      set({ connector, saved: { categories: rules.categories, tools: rules.tools, disabled: rules.disabled }, decisions: fresh });
      toasts.success(changed ? `Your rules for ${connector.name} are saved` : 'Nothing changed', changed ? 'They apply at once, in chats and in your MCP clients.' : undefined);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="rules-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <Switch
        checked={!draft.disabled}
        label={`Use ${connector.name} through Switchboard`}
        hint="Off: every one of its tools is hidden from you, in every organization, until you switch it on again."
        onChange={(on) => setDraft({ ...draft, disabled: !on })}
      />
      <fieldset className="rules-group" disabled={draft.disabled}>
        <legend>By kind of action</legend>
        <CategoryRuleList
          categories={draft.categories}
          countOf={(category) => connector.tools?.filter((t) => toolCategoryOf(t) === category).length}
          legendOf={(name) => `${name}: your rule`}
          onChange={(categories) => setDraft({ ...draft, categories })}
        />
      </fieldset>
      <fieldset className="rules-group" disabled={draft.disabled}>
        <legend>Tool by tool</legend>
        {connector.tools && connector.tools.length > 0 ? (
          <ToolRuleList connector={connector} draft={draft} decisions={decisions} orgName={orgName} onChange={(tools) => setDraft({ ...draft, tools })} />
        ) : (
          <p className="muted">Its tools are not known yet: they are listed the first time someone connects it.</p>
        )}
      </fieldset>
      {error ? <ErrorNotice error={error} title="Your rules were not saved" /> : null}
      <RulesActions dirty={dirty} busy={busy} onDiscard={() => setDraft(data.value.saved)} />
    </form>
  );
}

const WHOLE_CONNECTOR = ['plan', 'enablement', 'person-off'];

function ToolRuleList({ connector, draft, decisions, orgName, onChange }: { connector: Connector; draft: Draft; decisions: Decisions | undefined; orgName: string | undefined; onChange: (tools: Record<string, Decision>) => void }) {
  // Blocked as a whole (plan, not turned on, switched off): said once, not on every tool.
  const whole = decisions && decisions.tools.length > 0 && decisions.tools.every((d) => WHOLE_CONNECTOR.includes(d.source)) ? decisions.tools[0] : undefined;
  return (
    <>
      {whole ? (
        <p className="notice notice-warning small">
          <strong>Now{orgName ? ` in ${orgName}` : ''}:</strong> {whole.reason}
        </p>
      ) : null}
      <ul className="tool-rules" aria-label={`Tools of ${connector.name}`}>
        {connector.tools!.map((tool) => {
          const current = draft.tools[tool.name];
          const choices = toolRuleChoices(current, draft.categories[toolCategoryOf(tool)]);
          const now = whole ? undefined : decisions?.tools.find((d) => d.name === tool.name);
          return (
            <li key={tool.name} className="tool-rule">
              <div className="tool-rule-name">
                <span className="rule-tool-title">{tool.title ?? tool.name}</span>
                <code className="rule-tool-name">{tool.name}</code>
              </div>
              <SelectField
                label={`Your rule for ${tool.name}`}
                hideLabel
                value={current ?? 'category'}
                options={choices}
                onChange={(value) => {
                  const next = { ...draft.tools };
                  if (value === 'category') delete next[tool.name];
                  else next[tool.name] = value;
                  onChange(next);
                }}
              />
              {now ? (
                <p className="tool-rule-now small">
                  <span className="visually-hidden">Now for you{orgName ? ` in ${orgName}` : ''}: </span>
                  <DecisionBadge decision={now.decision} />
                  {now.source !== 'default' ? <span className="muted">{now.reason}</span> : <span className="muted">No rule restricts it.</span>}
                </p>
              ) : null}
            </li>
          );
        })}
      </ul>
    </>
  );
}

/** The body to send: categories left at Allow and tools following their kind carry no rule. */
function normalize(draft: Draft): Draft {
  const tools: Record<string, Decision> = {};
  for (const name of Object.keys(draft.tools).sort()) tools[name] = draft.tools[name]!;
  return { categories: normalizeCategories(draft.categories), tools, disabled: draft.disabled };
}
