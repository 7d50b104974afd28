import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.ts';
import { adminApi } from '../../api/admin.ts';
import type { ConnectorSummary, EnabledConnector } from '../../api/types.ts';
import { AUTH_LABELS, CATEGORY_LABELS, formatDate, PLAN_LABELS } from '../../lib/labels.ts';
import { Link } from '../../router.tsx';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { ConnectorLogo } from '../ConnectorLogo.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { SearchIcon } from '../Icons.tsx';
import { TextField } from '../TextField.tsx';
import { useToasts } from '../Toasts.tsx';
import { ConfirmDialog, Loaded, Panel, useLoad } from '../settings/common.tsx';
import type { AdminSectionProps } from './types.ts';

interface Data {
  enabled: EnabledConnector[];
  directory: ConnectorSummary[];
}

interface Pending {
  kind: 'disable' | 'delete';
  slug: string;
  name: string;
}

/** The organization's connectors: those turned on ("Add to your team"), adding more, and its custom connectors. */
export function ConnectorsSection({ org }: AdminSectionProps) {
  const toasts = useToasts();
  const { data, reload } = useLoad(async (signal): Promise<Data> => {
    const [{ connectors: enabled }, { connectors: directory }] = await Promise.all([adminApi.enabled(org.slug, signal), api.connectors({ limit: 500 }, signal)]);
    return { enabled, directory };
  }, org.slug);
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<{ title: string; error: ApiError } | undefined>();
  const [pending, setPending] = useState<Pending | undefined>();
  const [pendingError, setPendingError] = useState<ApiError | undefined>();

  const enable = async (c: ConnectorSummary) => {
    setBusy(c.slug);
    setError(undefined);
    try {
      await adminApi.enable(org.slug, c.slug);
      toasts.success(`${c.name} is on for ${org.name}`, c.auth.kind === 'none' ? 'Every member can use it now.' : 'Each member still connects their own account.');
      await reload();
    } catch (err) {
      setError({ title: `${c.name} was not added`, error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  const confirmPending = async () => {
    if (!pending) return;
    setBusy(pending.slug);
    setPendingError(undefined);
    try {
      if (pending.kind === 'delete') await adminApi.removeCustom(pending.slug);
      else await adminApi.disable(org.slug, pending.slug);
      toasts.success(pending.kind === 'delete' ? `${pending.name} was deleted` : `${pending.name} is off for ${org.name}`);
      setPending(undefined);
      await reload();
    } catch (err) {
      setPendingError(err as ApiError);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Loaded data={data} what="the connectors" retry={() => void reload()}>
      {({ enabled, directory }) => {
        const bySlug = new Map(directory.map((c) => [c.slug, c]));
        const enabledSlugs = new Set(enabled.map((e) => e.connector));
        const custom = directory.filter((c) => c.custom && c.ownerOrgId === org.id);
        const offCustom = custom.filter((c) => !enabledSlugs.has(c.slug));
        return (
          <>
            <Panel title={`On for ${org.name}`} lead="Members can use these once they connect their own account (connectors without sign-in work at once). Turning one off keeps its rules for later.">
              {enabled.length === 0 && offCustom.length === 0 ? (
                <p className="muted">Nothing yet: add connectors from the directory below.</p>
              ) : (
                <ul className="rows" aria-label={`Connectors on for ${org.name}`}>
                  {enabled.map((e) => {
                    const listing = bySlug.get(e.connector);
                    const isCustom = listing?.custom ?? false;
                    return (
                      <li key={e.connector} className="row">
                        <div className="row-main">
                          <ConnectorLogo name={e.name} logoUrl={listing?.logoUrl ?? null} size={36} />
                          <div className="row-text">
                            <p className="row-title">
                              <Link to={`/connectors/${encodeURIComponent(e.connector)}`}>{e.name}</Link> {isCustom ? <Badge tone="accent">Custom</Badge> : null}
                            </p>
                            <p className="muted small">
                              {AUTH_LABELS[(listing?.auth.kind ?? e.authKind) as keyof typeof AUTH_LABELS] ?? e.authKind} · on since {formatDate(e.enabledAt)} by {e.enabledBy ? e.enabledBy.email : 'the operator'}
                            </p>
                          </div>
                        </div>
                        <div className="row-actions">
                          <Link to={`/admin/rules?connector=${encodeURIComponent(e.connector)}`} className="btn btn-secondary">
                            Rules
                          </Link>
                          {isCustom ? (
                            <Button variant="danger" disabled={busy === e.connector} onClick={() => setPending({ kind: 'delete', slug: e.connector, name: e.name })} aria-label={`Delete ${e.name}`}>
                              Delete
                            </Button>
                          ) : (
                            <Button variant="danger" disabled={busy === e.connector} onClick={() => setPending({ kind: 'disable', slug: e.connector, name: e.name })} aria-label={`Turn off ${e.name}`}>
                              Turn off
                            </Button>
                          )}
                        </div>
                      </li>
                    );
                  })}
                  {offCustom.map((c) => (
                    <li key={c.slug} className="row">
                      <div className="row-main">
                        <ConnectorLogo name={c.name} logoUrl={c.logoUrl} size={36} />
                        <div className="row-text">
                          <p className="row-title">
                            <Link to={`/connectors/${encodeURIComponent(c.slug)}`}>{c.name}</Link> <Badge tone="accent">Custom</Badge> <Badge>Off</Badge>
                          </p>
                          <p className="muted small">Turned off: members cannot use it.</p>
                        </div>
                      </div>
                      <div className="row-actions">
                        <Button busy={busy === c.slug} onClick={() => void enable(c)}>
                          Turn on
                        </Button>
                        <Button variant="danger" disabled={busy === c.slug} onClick={() => setPending({ kind: 'delete', slug: c.slug, name: c.name })} aria-label={`Delete ${c.name}`}>
                          Delete
                        </Button>
                      </div>
                    </li>
                  ))}
                </ul>
              )}
            </Panel>
            <AddFromDirectory org={org} directory={directory.filter((c) => !c.custom && !enabledSlugs.has(c.slug))} busy={busy} onAdd={(c) => void enable(c)} />
            {error ? <ErrorNotice error={error.error} title={error.title} /> : null}
            <AddCustom org={org} onAdded={reload} />
            <ConfirmDialog
              open={pending !== undefined}
              title={pending?.kind === 'delete' ? `Delete ${pending.name}?` : `Turn off ${pending?.name ?? ''} for ${org.name}?`}
              confirmLabel={pending?.kind === 'delete' ? 'Delete connector' : 'Turn off'}
              busy={busy !== undefined && busy === pending?.slug}
              error={pendingError}
              onConfirm={() => void confirmPending()}
              onClose={() => {
                setPending(undefined);
                setPendingError(undefined);
              }}
            >
              {pending?.kind === 'delete' ? (
                <p>The custom connector goes for good, with every member's connection to it and its rules. You can add it again by its URL.</p>
              ) : (
                <p>Members can no longer use its tools, from their next request. Their connections and its rules are kept, so turning it on again restores everything.</p>
              )}
            </ConfirmDialog>
          </>
        );
      }}
    </Loaded>
  );
}

function AddFromDirectory({ org, directory, busy, onAdd }: { org: AdminSectionProps['org']; directory: ConnectorSummary[]; busy: string | undefined; onAdd: (c: ConnectorSummary) => void }) {
  const [q, setQ] = useState('');
  const words = q.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const matches = directory.filter((c) => words.every((w) => `${c.name} ${c.tagline} ${CATEGORY_LABELS[c.category]}`.toLowerCase().includes(w)));
  const shown = matches.slice(0, 8);
  return (
    <Panel title="Add to your team" lead={`Turn on a connector from the directory for everyone in ${org.name}. It grants nobody access to an account: each member connects their own.`}>
      <div className="search search-compact">
        <label htmlFor="admin-directory-search" className="visually-hidden">
          Search the directory
        </label>
        <span className="search-icon">
          <SearchIcon />
        </span>
        <input id="admin-directory-search" type="search" placeholder="Search the directory" value={q} onChange={(e) => setQ(e.target.value)} autoComplete="off" spellCheck={false} />
      </div>
      {shown.length === 0 ? (
        <p className="muted">{directory.length === 0 ? 'Every directory connector is on already.' : `No connector matches “${q.trim()}”.`}</p>
      ) : (
        <ul className="rows compact-rows" aria-label="Directory connectors to add">
          {shown.map((c) => {
            const onPlan = c.availability.plans.includes(org.plan as ConnectorSummary['availability']['plans'][number]);
            return (
              <li key={c.slug} className="row">
                <div className="row-main">
                  <ConnectorLogo name={c.name} logoUrl={c.logoUrl} size={32} />
                  <div className="row-text">
                    <p className="row-title">
                      {c.name} {c.source === 'demo' ? <Badge>Demo</Badge> : null}
                    </p>
                    <p className="muted small clamp-1">{c.tagline}</p>
                    {!onPlan ? <p className="small status-warning">Not on the {PLAN_LABELS[org.plan] ?? org.plan} plan (available on {c.availability.plans.map((p) => PLAN_LABELS[p] ?? p).join(', ')}).</p> : null}
                  </div>
                </div>
                <div className="row-actions">
                  <Button busy={busy === c.slug} disabled={!onPlan} onClick={() => onAdd(c)} aria-label={`Add ${c.name} to your team`}>
                    Add to your team
                  </Button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {matches.length > shown.length ? <p className="muted small">{matches.length - shown.length} more: search to narrow the list.</p> : null}
    </Panel>
  );
}

function AddCustom({ org, onAdded }: { org: AdminSectionProps['org']; onAdded: () => Promise<void> }) {
  const toasts = useToasts();
  const empty = { url: '', name: '', description: '', clientId: '', clientSecret: '' };
  const [form, setForm] = useState(empty);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const field = (key: keyof typeof empty) => ({ value: form[key], onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }) });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { connector } = await adminApi.addCustom({
        org: org.slug,
        url: form.url.trim(),
        ...(form.name.trim() ? { name: form.name.trim() } : {}),
        ...(form.description.trim() ? { description: form.description.trim() } : {}),
        ...(form.clientId.trim() ? { oauthClientId: form.clientId.trim() } : {}),
        ...(form.clientSecret ? { oauthClientSecret: form.clientSecret } : {}),
      });
      toasts.success(`${connector.name} was added to ${org.name}`, form.clientId.trim() ? 'It signs members in with the OAuth client you gave.' : 'Members can connect it now.');
      setForm(empty);
      await onAdded();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title="Add a custom connector" lead={`Any remote MCP server, by its URL. Only ${org.name}'s members see it. Switchboard checks the address and asks the server how it signs people in.`}>
      <form onSubmit={(e) => void submit(e)} className="stack-form">
        <TextField label="Server URL" type="url" inputMode="url" required placeholder="https://mcp.example.com/mcp" {...field('url')} />
        <TextField label="Name (optional)" {...field('name')} hint="Left empty: the directory's name for that server, or its host name." />
        <TextField label="Description (optional)" {...field('description')} />
        <details className="disclosure">
          <summary>OAuth client (optional)</summary>
          <p className="muted small">Only for a server whose sign-in does not let Switchboard register itself: the client you registered there by hand. The secret is stored encrypted and never shown again.</p>
          <TextField label="OAuth client ID" autoComplete="off" {...field('clientId')} />
          <TextField label="OAuth client secret" type="password" autoComplete="new-password" {...field('clientSecret')} disabled={!form.clientId.trim()} hint={!form.clientId.trim() ? 'Give the client ID first.' : undefined} />
        </details>
        {error ? <ErrorNotice error={error} title="The connector was not added" /> : null}
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={busy} disabled={!form.url.trim()}>
            Add to {org.name}
          </Button>
        </div>
      </form>
    </Panel>
  );
}
