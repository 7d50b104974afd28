import { useState } from 'react';
import { api, ApiError } from '../../api/client.ts';
import { settingsApi, type ClientMode, type PinnedTool, type ToolAccess, type ToolAccessFigures, type ToolAccessMode } from '../../api/settings.ts';
import type { ConnectorSummary } from '../../api/types.ts';
import { MODE_LABELS } from '../../lib/labels.ts';
import { useSession } from '../../session.tsx';
import { Button } from '../Button.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { useToasts } from '../Toasts.tsx';
import { formatNumber, Loaded, Panel, SelectField, useLoad } from './common.tsx';
import { TrashIcon } from './icons.tsx';


interface Data {
  access: ToolAccess;
  apps: Array<{ kind: 'oauth' | 'token'; id: string; name: string }>;
  connectors: ConnectorSummary[];
}

/** The person's tool access mode with the token figures of each, per-app modes, and pinned tools. */
export function ToolAccessSection() {
  const { org } = useSession();
  const orgSlug = org?.organization.slug;
  const { data, reload, set } = useLoad(async (signal): Promise<Data> => {
    const [access, { clients }, { tokens }, directory] = await Promise.all([
      settingsApi.toolAccess(orgSlug, signal),
      settingsApi.clients(signal),
      settingsApi.tokens(signal),
      api.connectors({ limit: 500 }, signal),
    ]);
    const now = Date.now();
    return {
      access,
      apps: [
        ...clients.map((c) => ({ kind: 'oauth' as const, id: c.clientId, name: c.name })),
        ...tokens.filter((t) => !t.revokedAt && (!t.expiresAt || new Date(t.expiresAt).getTime() > now)).map((t) => ({ kind: 'token' as const, id: t.id, name: `Token “${t.name}”` })),
      ],
      connectors: directory.connectors,
    };
  }, orgSlug ?? '');

  return (
    <Loaded data={data} what="your tool access settings" retry={() => void reload()}>
      {(value) => <ToolAccessForms data={value} orgSlug={orgSlug} orgName={org?.organization.name} onSaved={(access) => set({ ...value, access })} />}
    </Loaded>
  );
}

function ToolAccessForms({ data, orgSlug, orgName, onSaved }: { data: Data; orgSlug: string | undefined; orgName: string | undefined; onSaved: (access: ToolAccess) => void }) {
  const toasts = useToasts();
  const { access } = data;
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<{ what: string; error: ApiError } | undefined>();
  // The mode being saved shows as chosen at once; a refusal puts the saved one back, with the error.
  const [pendingMode, setPendingMode] = useState<ToolAccessMode | undefined>();
  const shownMode = pendingMode ?? access.mode;
  const names = new Map(data.connectors.map((c) => [c.slug, c.name]));

  const save = async (what: string, body: Parameters<typeof settingsApi.setToolAccess>[1], success: string) => {
    setBusy(what);
    setError(undefined);
    try {
      const answer = await settingsApi.setToolAccess(orgSlug, body);
      onSaved(answer);
      if (answer.changed) toasts.success(success);
    } catch (err) {
      setError({ what, error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  const f = access.figures;
  return (
    <>
      <Panel
        title="Tool access"
        lead="How many tool definitions your AI apps load up front. Every definition takes room in the model's context; with many connectors, On demand lets the model search for tools instead. It changes what is listed, never what you may use."
      >
        {f ? <FiguresView figures={f} orgName={orgName} /> : <p className="muted">The figures are not available on this server.</p>}
        <fieldset className="mode-choices" aria-busy={busy === 'mode' || undefined} aria-describedby="mode-status">
          <legend className="segmented-legend">Your default mode</legend>
          {(['auto', 'always', 'on_demand'] as const).map((mode) => (
            <label key={mode} className={`mode-choice${shownMode === mode ? ' is-chosen' : ''}`}>
              <input
                type="radio"
                name="tool-access-mode"
                value={mode}
                checked={shownMode === mode}
                onChange={() => {
                  if (busy) return;
                  setPendingMode(mode);
                  void save('mode', { mode }, `${MODE_LABELS[mode]} is your default now`).finally(() => setPendingMode(undefined));
                }}
              />
              <span className="mode-text">
                <span className="mode-name">{MODE_LABELS[mode]}</span>
                <span className="muted small">{modeLine(mode, f)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <p id="mode-status" className="muted small" role="status">
          {busy === 'mode' ? 'Saving…' : access.resolvesTo ? `Your apps get ${MODE_LABELS[access.resolvesTo]} now${access.mode === 'auto' ? ' (Auto decides)' : ''}.` : ''}
        </p>
        {error?.what === 'mode' ? <ErrorNotice error={error.error} title="The mode was not changed" /> : null}
      </Panel>

      <Panel
        title="Per app"
        lead={
          <>
            An app can have its own mode; the others follow your default. An address with <code>?tools=</code> wins over both.
          </>
        }
      >
        {data.apps.length === 0 ? (
          <p className="muted">No app yet: apps you authorize and tokens you create appear here.</p>
        ) : (
          <ul className="rows compact-rows" aria-label="Mode per app">
            {data.apps.map((app) => {
              const current = access.clients.find((c) => c.kind === app.kind && c.id === app.id);
              return (
                <li key={`${app.kind}:${app.id}`} className="row">
                  <div className="row-text">
                    <p className="row-title">{app.name}</p>
                    <p className="muted small">{app.kind === 'oauth' ? 'Signed in with OAuth' : 'Personal access token'}{current?.resolvesTo ? ` · gets ${MODE_LABELS[current.resolvesTo]} now` : ''}</p>
                  </div>
                  <SelectField
                    label={`Mode for ${app.name}`}
                    hideLabel
                    value={current?.mode ?? ''}
                    disabled={busy === 'clients'}
                    options={[{ value: '', label: `Default (${MODE_LABELS[access.mode]})` }, ...(['auto', 'always', 'on_demand'] as const).map((m) => ({ value: m, label: MODE_LABELS[m] }))]}
                    onChange={(mode) => {
                      const others: ClientMode[] = access.clients.filter((c) => !(c.kind === app.kind && c.id === app.id)).map(({ kind, id, mode: m }) => ({ kind, id, mode: m }));
                      void save('clients', { clients: mode ? [...others, { kind: app.kind, id: app.id, mode }] : others }, `${app.name}: ${mode ? MODE_LABELS[mode] : 'follows your default'}`);
                    }}
                  />
                </li>
              );
            })}
          </ul>
        )}
        {error?.what === 'clients' ? <ErrorNotice error={error.error} title="The app's mode was not changed" /> : null}
      </Panel>

      <PinsPanel access={access} connectors={data.connectors} names={names} busy={busy === 'pins'} error={error?.what === 'pins' ? error.error : undefined} orgName={orgName} onSave={(pinned, message) => void save('pins', { pinned }, message)} />
    </>
  );
}

function modeLine(mode: ToolAccessMode, f: ToolAccessFigures | null): string {
  if (mode === 'auto') return f ? `Now: ${MODE_LABELS[f.auto.resolvesTo]}. Every tool while they fit in ${formatNumber(f.budgetTokens)} tokens and you use fewer than 10 connectors; On demand beyond.` : 'Every tool while they fit the budget and you use fewer than 10 connectors; On demand beyond.';
  if (mode === 'always') return f ? `Every tool you may use: ${formatNumber(f.always.tools)} tools, ${formatNumber(f.always.tokens)} tokens.` : 'Every tool you may use.';
  return f ? `Search, call and suggest, plus pinned tools: ${formatNumber(f.onDemand.tools)} tools, ${formatNumber(f.onDemand.tokens)} tokens. The model finds the rest by search.` : 'Search, call and suggest, plus pinned tools; the model finds the rest by search.';
}

function FiguresView({ figures: f, orgName }: { figures: ToolAccessFigures; orgName: string | undefined }) {
  const many = f.connectors >= 10;
  const over = f.always.tokens > f.budgetTokens;
  return (
    <>
      <dl className="stats figures" aria-label={`Your tools${orgName ? ` in ${orgName}` : ''}`}>
        <div className="stat">
          <dt>Connectors</dt>
          <dd>{formatNumber(f.connectors)}</dd>
        </div>
        <div className="stat">
          <dt>Tools</dt>
          <dd>{formatNumber(f.always.tools)}</dd>
        </div>
        <div className="stat">
          <dt>Tokens, all loaded</dt>
          <dd>{formatNumber(f.always.tokens)}</dd>
        </div>
        <div className="stat">
          <dt>Tokens, on demand</dt>
          <dd>{formatNumber(f.onDemand.tokens)}</dd>
        </div>
      </dl>
      <p className="small">{f.auto.reason}</p>
      <p className={`notice ${many || over ? 'notice-warning' : 'notice-info'} small`}>
        {many || over
          ? `With ${f.connectors} connectors${over ? ` and ${formatNumber(f.always.tokens)} tokens of definitions (over ${formatNumber(f.budgetTokens)})` : ''}, loading every tool crowds the model's context: On demand (or Auto) keeps it free, and pinning the tools you use most keeps them at hand.`
          : `Advice: from 10 connectors on, or when the definitions pass ${formatNumber(f.budgetTokens)} tokens (10% of a ${formatNumber(f.contextTokens)}-token context), use On demand or stay on Auto, which switches by itself.`}
      </p>
      {f.problems.length > 0 ? (
        <div className="notice notice-warning small">
          <p>Not counted, because their tools could not be listed:</p>
          <ul className="plain-list">
            {f.problems.map((p) => (
              <li key={p.connector}>
                <strong>{p.connector}</strong>: {p.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}

function PinsPanel({ access, connectors, names, busy, error, orgName, onSave }: { access: ToolAccess; connectors: ConnectorSummary[]; names: Map<string, string>; busy: boolean; error: ApiError | undefined; orgName: string | undefined; onSave: (pinned: PinnedTool[], message: string) => void }) {
  const withTools = connectors.filter((c) => c.capabilities.status === 'known');
  const [connector, setConnector] = useState(withTools[0]?.slug ?? '');
  const tools = useLoad(async (signal) => (connector ? (await api.connector(connector, signal)).connector.tools ?? [] : []), connector);
  const [tool, setTool] = useState('');
  const toolOptions = tools.data.state === 'ready' ? tools.data.value.filter((t) => !access.pinned.some((p) => p.connector === connector && p.tool === t.name)) : [];
  const chosenTool = toolOptions.some((t) => t.name === tool) ? tool : (toolOptions[0]?.name ?? '');
  const label = (p: PinnedTool) => `${names.get(p.connector) ?? p.connector}: ${p.tool}`;

  return (
    <Panel title="Pinned tools" lead="Tools kept loaded in every mode, so the model never has to search for them.">
      {access.organization && access.organization.pinned.length > 0 ? (
        <>
          <h3 className="subhead">Pinned by {orgName ?? 'your organization'}</h3>
          <ul className="pin-list" aria-label={`Pinned by ${orgName ?? 'your organization'}`}>
            {access.organization.pinned.map((p) => (
              <li key={`${p.connector}/${p.tool}`} className="pin">
                <code>{label(p)}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h3 className="subhead">Pinned by you</h3>
      {access.pinned.length === 0 ? (
        <p className="muted small">None yet.</p>
      ) : (
        <ul className="pin-list" aria-label="Pinned by you">
          {access.pinned.map((p) => (
            <li key={`${p.connector}/${p.tool}`} className="pin">
              <code>{label(p)}</code>
              <button
                type="button"
                className="icon-btn icon-btn-small"
                aria-label={`Unpin ${label(p)}`}
                disabled={busy}
                onClick={() => onSave(access.pinned.filter((q) => q !== p), `${label(p)} is no longer pinned`)}
              >
                <TrashIcon />
              </button>
            </li>
          ))}
        </ul>
      )}
      {withTools.length > 0 ? (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (connector && chosenTool) onSave([...access.pinned, { connector, tool: chosenTool }], `${label({ connector, tool: chosenTool })} is pinned`);
          }}
        >
          <SelectField label="Connector" value={connector} options={withTools.map((c) => ({ value: c.slug, label: c.name }))} onChange={(v) => setConnector(v)} />
          <SelectField label="Tool" value={chosenTool} disabled={toolOptions.length === 0} options={toolOptions.length ? toolOptions.map((t) => ({ value: t.name, label: t.title ? `${t.title} (${t.name})` : t.name })) : [{ value: '', label: tools.data.state === 'loading' ? 'Loading…' : 'Nothing left to pin' }]} onChange={setTool} />
          <Button type="submit" busy={busy} disabled={!chosenTool}>
            Pin tool
          </Button>
        </form>
      ) : null}
      {error ? <ErrorNotice error={error} title="The pins were not changed" /> : null}
    </Panel>
  );
}
