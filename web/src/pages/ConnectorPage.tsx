import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.ts';
import type { Connection, Connector } from '../api/types.ts';
import { Badge } from '../components/Badge.tsx';
import { Button } from '../components/Button.tsx';
import { ConnectorLogo } from '../components/ConnectorLogo.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { CheckIcon, ExternalIcon } from '../components/Icons.tsx';
import { TextField } from '../components/TextField.tsx';
import { useToasts } from '../components/Toasts.tsx';
import { connectInPopup } from '../lib/connect-popup.ts';
import { AUTH_LABELS, CATEGORY_LABELS, CLIENT_LABELS, formatDate, PLAN_LABELS, plural } from '../lib/labels.ts';
import { Link, setSearchParams, useSearchParams } from '../router.tsx';
import { isOwner, useSession } from '../session.tsx';

type Load<T> = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ready'; value: T };

/** One connector: what it does, what it can read and change, who can use it, and Connect / Disconnect. */
export function ConnectorPage({ slug }: { slug: string }) {
  const { org } = useSession();
  const toasts = useToasts();
  const params = useSearchParams();
  const [connector, setConnector] = useState<Load<Connector>>({ state: 'loading' });
  const [connection, setConnection] = useState<Connection | null | undefined>();
  const [enabled, setEnabled] = useState<boolean | undefined>();
  const [busy, setBusy] = useState<'connect' | 'disconnect' | 'enable' | undefined>();
  const [actionError, setActionError] = useState<{ action: 'connect' | 'disconnect' | 'enable'; error: ApiError } | undefined>();
  const [confirmDisconnect, setConfirmDisconnect] = useState(false);
  const [askHeaders, setAskHeaders] = useState(false);

  const refreshConnection = useCallback(async () => {
    const { connections } = await api.connections();
    setConnection(connections.find((c) => c.connector === slug) ?? null);
  }, [slug]);

  useEffect(() => {
    const controller = new AbortController();
    setConnector({ state: 'loading' });
    api
      .connector(slug, controller.signal)
      .then(({ connector: value }) => setConnector({ state: 'ready', value }))
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setConnector({ state: 'error', error: err as ApiError });
      });
    refreshConnection().catch(() => setConnection(undefined));
    return () => controller.abort();
  }, [slug, refreshConnection]);

  const orgSlug = org?.organization.slug;
  useEffect(() => {
    setEnabled(undefined);
    if (!orgSlug) return;
    const controller = new AbortController();
    api
      .orgConnectors(orgSlug, controller.signal)
      .then(({ connectors }) => setEnabled(connectors.some((c) => c.connector === slug)))
      .catch(() => setEnabled(undefined));
    return () => controller.abort();
  }, [orgSlug, slug]);

  // Back from a full-window authorization (when the browser blocked the popup).
  const justConnected = params.get('connected');
  useEffect(() => {
    if (justConnected !== slug || connector.state !== 'ready') return;
    toasts.success(`${connector.value.name} is connected`);
    setSearchParams({ connected: undefined });
  }, [justConnected, slug, connector, toasts]);

  if (connector.state === 'loading') {
    return (
      <div className="page" aria-busy="true">
        <p className="muted">Loading…</p>
      </div>
    );
  }
  if (connector.state === 'error') {
    const missing = connector.error.status === 404;
    return (
      <div className="page">
        <Breadcrumb name={missing ? 'Not found' : 'Error'} />
        <h1>{missing ? 'No such connector' : 'This connector could not be loaded'}</h1>
        <ErrorNotice error={connector.error} />
        <p>
          <Link to="/directory">Back to the directory</Link>
        </p>
      </div>
    );
  }
  const c = connector.value;

  const connect = async (headers?: Record<string, string>) => {
    setActionError(undefined);
    setBusy('connect');
    try {
      if (c.auth.kind === 'oauth') {
        const outcome = await connectInPopup(c.slug, c.name);
        if (outcome.kind === 'redirected') return;
        await refreshConnection();
        if (outcome.kind === 'connected') toasts.success(`${c.name} is connected`, 'Its tools are ready in chats and your MCP clients.');
        else if (outcome.kind === 'failed') setActionError({ action: 'connect', error: outcome.error });
        else toasts.info('Connecting stopped', `The window closed before ${c.name} was connected. Press Connect to try again.`);
      } else {
        await api.connect(c.slug, headers ? { headers } : {});
        setAskHeaders(false);
        await refreshConnection();
        toasts.success(`${c.name} is connected`);
      }
    } catch (err) {
      setActionError({ action: 'connect', error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  const disconnect = async () => {
    setConfirmDisconnect(false);
    setActionError(undefined);
    setBusy('disconnect');
    try {
      const { revocation } = await api.disconnect(c.slug);
      await refreshConnection();
      toasts.success(
        `${c.name} is disconnected`,
        revocation === 'revoked'
          ? 'Your tokens were revoked at the service and deleted here.'
          : revocation === 'unsupported'
            ? 'Your tokens were deleted here (the service offers no way to revoke them).'
            : 'Your tokens were deleted here; revoking them at the service failed, so you may also remove Switchboard in its settings.',
      );
    } catch (err) {
      setActionError({ action: 'disconnect', error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  const enable = async () => {
    if (!orgSlug) return;
    setActionError(undefined);
    setBusy('enable');
    try {
      await api.enableForOrg(orgSlug, c.slug);
      setEnabled(true);
      toasts.success(`${c.name} is on for ${org?.organization.name}`, 'Each member still connects their own account.');
    } catch (err) {
      setActionError({ action: 'enable', error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  const caps = c.capabilities;
  return (
    <div className="page page-wide">
      <Breadcrumb name={c.name} />
      <div className="connector-layout">
        <div className="connector-main">
          <header className="connector-hero">
            <ConnectorLogo name={c.name} logoUrl={c.logoUrl} size={56} />
            <div>
              <h1>{c.name}</h1>
              <p className="lead">{c.tagline}</p>
              <div className="badges">
                <Badge>{CATEGORY_LABELS[c.category]}</Badge>
                {c.interactive ? <Badge tone="info" title="Shows an interactive view in the chat">Interactive</Badge> : null}
                {c.custom ? <Badge tone="accent" title="Added by URL by your organization; nobody else sees it">Custom</Badge> : null}
                {c.source === 'demo' ? <Badge title="A demo service bundled with Switchboard">Demo</Badge> : null}
              </div>
            </div>
          </header>

          <section aria-labelledby="about">
            <h2 id="about">About</h2>
            <p className="prose">{c.description}</p>
          </section>

          {c.useCases.length > 0 ? (
            <section aria-labelledby="use-cases">
              <h2 id="use-cases">What people use it for</h2>
              <ul className="use-cases">
                {c.useCases.map((u) => (
                  <li key={u}>{u}</li>
                ))}
              </ul>
            </section>
          ) : null}

          <section aria-labelledby="capabilities">
            <h2 id="capabilities">What it can do</h2>
            {caps.status === 'known' ? (
              <>
                <dl className="stats">
                  <div className="stat">
                    <dt>Read-only</dt>
                    <dd>{caps.readOnly}</dd>
                  </div>
                  <div className="stat">
                    <dt>Write / delete</dt>
                    <dd>{caps.writeDelete}</dd>
                  </div>
                  <div className="stat">
                    <dt>Other</dt>
                    <dd>{caps.other}</dd>
                  </div>
                </dl>
                <p className="muted small">
                  {plural(caps.total, 'tool')}, counted from what the server says about each one{c.toolsFrom === 'tools/list' && c.toolsRecordedAt ? ` (as of ${formatDate(c.toolsRecordedAt)})` : ''}.
                </p>
                {c.tools && c.tools.length > 0 ? (
                  <ul className="tools">
                    {c.tools.map((t) => (
                      <li key={t.name}>
                        <span className="tool-title">{t.title ?? t.name}</span>
                        <code className="tool-name">{t.name}</code>
                        <Badge tone={t.class === 'read-only' ? 'success' : t.class === 'write-delete' ? 'warning' : 'neutral'}>
                          {t.class === 'read-only' ? 'Reads' : t.class === 'write-delete' ? 'Writes' : 'Other'}
                        </Badge>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </>
            ) : (
              <p className="muted">Not known yet: the tools are counted the first time someone connects it.</p>
            )}
          </section>

          <section aria-labelledby="details">
            <h2 id="details">Details</h2>
            <dl className="details">
              <dt>Sign-in</dt>
              <dd>
                {AUTH_LABELS[c.auth.kind]}
                {c.auth.kind === 'headers' && c.auth.headers.length > 0 ? ` (${c.auth.headers.join(', ')})` : ''}
              </dd>
              <dt>Plans</dt>
              <dd>{c.availability.plans.map((p) => PLAN_LABELS[p] ?? p).join(', ')}</dd>
              <dt>Works in</dt>
              <dd>{c.availability.clients.map((cl) => CLIENT_LABELS[cl] ?? cl).join(' and ')}</dd>
              <dt>Server</dt>
              <dd>
                <code className="break">{c.mcpUrl}</code>
              </dd>
              {c.docsUrl ? (
                <>
                  <dt>Documentation</dt>
                  <dd>
                    <a href={c.docsUrl} target="_blank" rel="noopener noreferrer">
                      {new URL(c.docsUrl).host} <ExternalIcon />
                      <span className="visually-hidden"> (opens in a new tab)</span>
                    </a>
                  </dd>
                </>
              ) : null}
            </dl>
          </section>
        </div>

        <aside className="card connect-panel" aria-labelledby="connection-heading">
          <h2 id="connection-heading">Your connection</h2>
          <ConnectionStatus connection={connection} />
          {actionError && !(askHeaders && actionError.action === 'connect') ? (
            <ErrorNotice error={actionError.error} title={actionError.action === 'disconnect' ? 'Could not disconnect' : actionError.action === 'enable' ? `Could not turn it on for ${org?.organization.name ?? 'the organization'}` : `Could not connect ${c.name}`} />
          ) : null}
          <div className="connect-actions">
            {connection?.status === 'connected' ? (
              <Button variant="danger" busy={busy === 'disconnect'} onClick={() => setConfirmDisconnect(true)}>
                Disconnect
              </Button>
            ) : (
              <Button
                variant="primary"
                busy={busy === 'connect'}
                onClick={() => (c.auth.kind === 'headers' ? setAskHeaders(true) : void connect())}
              >
                {connection?.status === 'expired' ? 'Reconnect' : 'Connect'}
              </Button>
            )}
          </div>
          {busy === 'connect' && c.auth.kind === 'oauth' ? <p className="muted small">Finish signing in to {c.name} in the window that opened.</p> : null}
          {org ? (
            <div className="org-status">
              {enabled === undefined ? null : enabled ? (
                <p>
                  <CheckIcon /> On for {org.organization.name}
                </p>
              ) : (
                <>
                  <p>
                    Not turned on for {org.organization.name} yet.{' '}
                    {isOwner(org) ? 'Turn it on so members can use it once they connect.' : 'Its tools reach you there once an owner turns it on.'}
                  </p>
                  {isOwner(org) ? (
                    <Button busy={busy === 'enable'} onClick={() => void enable()}>
                      Turn on for {org.organization.name}
                    </Button>
                  ) : null}
                </>
              )}
            </div>
          ) : null}
        </aside>
      </div>

      <Dialog
        open={confirmDisconnect}
        title={`Disconnect ${c.name}?`}
        onClose={() => setConfirmDisconnect(false)}
        footer={
          <>
            <Button onClick={() => setConfirmDisconnect(false)}>Cancel</Button>
            <Button variant="danger" onClick={() => void disconnect()}>
              Disconnect
            </Button>
          </>
        }
      >
        <p>Switchboard deletes your tokens for {c.name} and revokes them at the service where it can. Chats and MCP clients lose access to it at once; you can connect again any time.</p>
      </Dialog>

      {c.auth.kind === 'headers' ? <HeadersDialog open={askHeaders} connector={c} busy={busy === 'connect'} error={actionError?.action === 'connect' ? actionError.error : undefined} onClose={() => setAskHeaders(false)} onSubmit={(h) => void connect(h)} /> : null}
    </div>
  );
}

function Breadcrumb({ name }: { name: string }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <ol>
        <li>
          <Link to="/directory">Directory</Link>
        </li>
        <li aria-current="page">{name}</li>
      </ol>
    </nav>
  );
}

function ConnectionStatus({ connection }: { connection: Connection | null | undefined }) {
  if (connection === undefined) return <p className="muted">Checking…</p>;
  if (connection === null) return <p className="status-line">Not connected. Connect to use it with your own account.</p>;
  if (connection.status === 'expired') {
    return (
      <p className="status-line status-warning">
        The connection expired{connection.statusReason ? ` (${connection.statusReason})` : ''}. Reconnect to use it again.
      </p>
    );
  }
  const scopes = (connection.scope ?? '').split(' ').filter((s) => s && !['openid', 'email', 'profile', 'offline_access'].includes(s));
  return (
    <>
      <p className="status-line status-ok">
        <CheckIcon /> Connected since {formatDate(connection.connectedAt)}
      </p>
      {scopes.length > 0 ? (
        <p className="scopes small" aria-label="Permissions you granted">
          {scopes.map((s) => (
            <code key={s}>{s}</code>
          ))}
        </p>
      ) : null}
    </>
  );
}

function HeadersDialog({ open, connector, busy, error, onClose, onSubmit }: { open: boolean; connector: Connector; busy: boolean; error: ApiError | undefined; onClose: () => void; onSubmit: (headers: Record<string, string>) => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(values);
  };
  return (
    <Dialog open={open} title={`Connect ${connector.name}`} onClose={onClose}>
      <form onSubmit={submit}>
        <p>{connector.name} takes an API key. It is stored encrypted and sent only to {new URL(connector.mcpUrl).host}.</p>
        {connector.auth.headers.map((name) => (
          <TextField key={name} label={name} type="password" autoComplete="off" required value={values[name] ?? ''} onChange={(e) => setValues({ ...values, [name]: e.target.value })} />
        ))}
        {error ? <ErrorNotice error={error} /> : null}
        <div className="dialog-footer">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy}>
            Connect
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
