import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client.ts';
import { settingsApi, type Diagnosis } from '../../api/settings.ts';
import type { Connection, ConnectorSummary } from '../../api/types.ts';
import { connectInPopup } from '../../lib/connect-popup.ts';
import { formatDate } from '../../lib/labels.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { Button } from '../Button.tsx';
import { ConnectorLogo } from '../ConnectorLogo.tsx';
import { Dialog } from '../Dialog.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { CheckIcon } from '../Icons.tsx';
import { TextField } from '../TextField.tsx';
import { useToasts } from '../Toasts.tsx';
import { ConfirmDialog, Loaded, Panel, useLoad } from './common.tsx';
import { StepFailIcon, StepOkIcon, StepSkipIcon } from './icons.tsx';

interface Row {
  connection: Connection;
  connector: ConnectorSummary | undefined;
}

const STEP_NAMES: Record<Diagnosis['steps'][number]['step'], string> = {
  'dns-egress': 'Address and egress',
  connect: 'Network connection',
  mcp: 'MCP handshake',
  auth: 'Sign-in discovery',
};

const HIDDEN_SCOPES = ['openid', 'email', 'profile', 'offline_access'];

/** The services the person connected: status, when, what they granted; diagnose, reconnect, disconnect. */
export function ConnectionsSection() {
  const { org } = useSession();
  const orgSlug = org?.organization.slug;
  const { data, reload } = useLoad(async (signal) => {
    const [{ connections }, directory, enabled] = await Promise.all([
      api.connections(signal),
      api.connectors({ limit: 500 }, signal),
      orgSlug ? api.orgConnectors(orgSlug, signal).then((r) => new Set(r.connectors.map((c) => c.connector))).catch(() => undefined) : Promise.resolve(undefined),
    ]);
    const bySlug = new Map(directory.connectors.map((c) => [c.slug, c]));
    return { rows: connections.map((connection): Row => ({ connection, connector: bySlug.get(connection.connector) })), enabled };
  }, orgSlug ?? '');

  return (
    <Panel title="Connected services" lead="Your own accounts at each service. Switchboard uses them only for you, with the permissions you granted there.">
      <Loaded data={data} what="your connections" retry={() => void reload()}>
        {({ rows, enabled }) =>
          rows.length === 0 ? (
            <div className="empty">
              <p className="empty-title">You have not connected any service yet.</p>
              <p>
                Find the apps you use in the <Link to="/directory">directory</Link> and press Connect.
              </p>
            </div>
          ) : (
            <ul className="rows" aria-label="Connected services">
              {rows.map((row) => (
                <ConnectionRow key={row.connection.connector} row={row} orgName={org?.organization.name} enabledHere={enabled ? enabled.has(row.connection.connector) : undefined} onChanged={reload} />
              ))}
            </ul>
          )
        }
      </Loaded>
    </Panel>
  );
}

function ConnectionRow({ row, orgName, enabledHere, onChanged }: { row: Row; orgName: string | undefined; enabledHere: boolean | undefined; onChanged: () => Promise<void> }) {
  const toasts = useToasts();
  const { connection, connector } = row;
  const slug = connection.connector;
  const name = connector?.name ?? slug;
  const [busy, setBusy] = useState<'diagnose' | 'reconnect' | 'disconnect' | undefined>();
  const [diagnosis, setDiagnosis] = useState<Diagnosis | undefined>();
  const [error, setError] = useState<{ action: string; error: ApiError } | undefined>();
  const [confirm, setConfirm] = useState(false);
  const [askHeaders, setAskHeaders] = useState(false);
  const expired = connection.status === 'expired';
  const scopes = (connection.scope ?? '').split(' ').filter((s) => s && !HIDDEN_SCOPES.includes(s));

  const diagnose = async () => {
    setError(undefined);
    setBusy('diagnose');
    try {
      setDiagnosis(await settingsApi.diagnose(slug));
    } catch (err) {
      setError({ action: `Could not diagnose ${name}`, error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  const reconnect = async (headers?: Record<string, string>) => {
    setError(undefined);
    setBusy('reconnect');
    try {
      if (connection.authKind === 'oauth') {
        const outcome = await connectInPopup(slug, name);
        if (outcome.kind === 'redirected') return;
        if (outcome.kind === 'connected') toasts.success(`${name} is connected again`, 'Your new authorization replaces the old one.');
        else if (outcome.kind === 'failed') setError({ action: `Could not reconnect ${name}`, error: outcome.error });
        else toasts.info('Reconnecting stopped', `The window closed before ${name} was connected again. Your existing connection is unchanged.`);
      } else {
        await api.connect(slug, headers ? { headers } : {});
        setAskHeaders(false);
        toasts.success(`${name} is connected again`);
      }
      await onChanged();
    } catch (err) {
      setError({ action: `Could not reconnect ${name}`, error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  const disconnect = async () => {
    setBusy('disconnect');
    setError(undefined);
    try {
      const { revocation } = await api.disconnect(slug);
      setConfirm(false);
      toasts.success(
        `${name} is disconnected`,
        revocation === 'revoked'
          ? 'Your tokens were revoked at the service and deleted here.'
          : revocation === 'unsupported'
            ? 'Your tokens were deleted here (the service offers no way to revoke them).'
            : 'Your tokens were deleted here; revoking them at the service failed, so you may also remove Switchboard in its settings.',
      );
      await onChanged();
    } catch (err) {
      setConfirm(false);
      setError({ action: `Could not disconnect ${name}`, error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <li className="row connection-row">
      <div className="row-main">
        <ConnectorLogo name={name} logoUrl={connector?.logoUrl ?? null} size={36} />
        <div className="row-text">
          <h3 className="row-title">
            <Link to={`/connectors/${encodeURIComponent(slug)}`}>{name}</Link>
          </h3>
          <p className={`status-line small ${expired ? 'status-warning' : 'status-ok'}`}>
            {expired ? (
              <>Expired{connection.statusReason ? `: ${connection.statusReason}` : ''}. Reconnect to use it again.</>
            ) : (
              <>
                <CheckIcon /> Connected since {formatDate(connection.connectedAt)}
              </>
            )}
          </p>
          {scopes.length > 0 ? (
            <p className="scopes small" aria-label={`Permissions you granted ${name}`}>
              {scopes.map((s) => (
                <code key={s}>{s}</code>
              ))}
            </p>
          ) : null}
          {connection.headerNames.length > 0 ? <p className="muted small">API key stored: {connection.headerNames.join(', ')}</p> : null}
          {enabledHere === false && orgName ? <p className="muted small">Not turned on for {orgName}: its tools reach you there once an owner turns it on.</p> : null}
        </div>
      </div>
      <div className="row-actions">
        <Button busy={busy === 'diagnose'} onClick={() => void diagnose()}>
          Diagnose
        </Button>
        <Button variant={expired ? 'primary' : 'secondary'} busy={busy === 'reconnect'} disabled={busy !== undefined && busy !== 'reconnect'} onClick={() => (connection.authKind === 'headers' ? setAskHeaders(true) : void reconnect())}>
          Reconnect
        </Button>
        <Button variant="danger" disabled={busy !== undefined} onClick={() => setConfirm(true)}>
          Disconnect
        </Button>
      </div>
      {busy === 'reconnect' && connection.authKind === 'oauth' ? <p className="muted small row-note">Finish signing in to {name} in the window that opened.</p> : null}
      {error && !(askHeaders && error.action.startsWith('Could not reconnect')) ? (
        <div className="row-note">
          <ErrorNotice error={error.error} title={error.action} />
        </div>
      ) : null}
      {diagnosis ? <DiagnosisView diagnosis={diagnosis} name={name} onClose={() => setDiagnosis(undefined)} /> : null}
      <ConfirmDialog open={confirm} title={`Disconnect ${name}?`} confirmLabel="Disconnect" busy={busy === 'disconnect'} onConfirm={() => void disconnect()} onClose={() => setConfirm(false)}>
        <p>Switchboard deletes your tokens for {name} and revokes them at the service where it can. Chats and MCP clients lose access to it at once; you can connect again any time.</p>
      </ConfirmDialog>
      {connection.authKind === 'headers' ? (
        <HeadersDialog
          open={askHeaders}
          name={name}
          headerNames={connector?.auth.headers.length ? connector.auth.headers : connection.headerNames}
          host={connector ? new URL(connector.mcpUrl).host : undefined}
          busy={busy === 'reconnect'}
          error={error?.action.startsWith('Could not reconnect') ? error.error : undefined}
          onClose={() => setAskHeaders(false)}
          onSubmit={(h) => void reconnect(h)}
        />
      ) : null}
    </li>
  );
}

function DiagnosisView({ diagnosis, name, onClose }: { diagnosis: Diagnosis; name: string; onClose: () => void }) {
  return (
    <section className="diagnosis row-note" aria-label={`Diagnosis of ${name}`}>
      <div className="diagnosis-head">
        <p className={`status-line ${diagnosis.ok ? 'status-ok' : 'status-danger'}`} role="status">
          {diagnosis.ok ? `Every step to ${name} works${diagnosis.era ? ` (MCP ${diagnosis.era})` : ''}.` : `A step to ${name} fails: see what to do below.`}
        </p>
        <Button variant="ghost" onClick={onClose}>
          Hide
        </Button>
      </div>
      <p className="muted small">
        Checked <code className="break">{diagnosis.url}</code> without your credentials.
      </p>
      <ol className="steps">
        {diagnosis.steps.map((s) => (
          <li key={s.step} className={`step step-${s.status}`}>
            <span className="step-icon">{s.status === 'ok' ? <StepOkIcon /> : s.status === 'failed' ? <StepFailIcon /> : <StepSkipIcon />}</span>
            <div>
              <p className="step-title">
                {STEP_NAMES[s.step]} <span className="muted small">{s.status === 'ok' ? `ok, ${s.ms} ms` : s.status === 'failed' ? 'failed' : 'skipped'}</span>
              </p>
              <p className="small step-detail">{s.detail}</p>
              {s.fix ? (
                <p className="small step-fix">
                  <strong>What to do:</strong> {s.fix}
                </p>
              ) : null}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

function HeadersDialog({ open, name, headerNames, host, busy, error, onClose, onSubmit }: { open: boolean; name: string; headerNames: string[]; host: string | undefined; busy: boolean; error: ApiError | undefined; onClose: () => void; onSubmit: (headers: Record<string, string>) => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(values);
  };
  return (
    <Dialog open={open} title={`Reconnect ${name}`} onClose={onClose}>
      <form onSubmit={submit}>
        <p>Enter the API key again. It replaces the stored one, is kept encrypted and is sent only to {host ?? 'the service'}.</p>
        {headerNames.map((header) => (
          <TextField key={header} label={header} type="password" autoComplete="off" required value={values[header] ?? ''} onChange={(e) => setValues({ ...values, [header]: e.target.value })} />
        ))}
        {error ? <ErrorNotice error={error} /> : null}
        <div className="dialog-footer">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy}>
            Reconnect
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

