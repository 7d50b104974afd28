import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.ts';
import { settingsApi, type AccessToken } from '../../api/settings.ts';
import { formatDate } from '../../lib/labels.ts';
import { Link } from '../../router.tsx';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { TextField } from '../TextField.tsx';
import { useToasts } from '../Toasts.tsx';
import { ConfirmDialog, CopyButton, Loaded, Panel, SelectField, useConfirmed, useLoad } from './common.tsx';

const EXPIRY = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
] as const;
type Expiry = (typeof EXPIRY)[number]['value'];

const SOURCE: Record<AccessToken['source'], string> = { user: 'Created here', cli: 'Created with the CLI', bootstrap: 'From the bootstrap file' };

/** Personal access tokens: created with the secret shown once (with a copy button), listed without it, revoked. */
export function TokensSection() {
  const toasts = useToasts();
  const { data, reload } = useLoad((signal) => settingsApi.tokens(signal), 'tokens');
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState<Expiry>('90');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [created, setCreated] = useState<{ secret: string; token: AccessToken } | undefined>();
  const shown = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (created) shown.current?.focus();
  }, [created]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await settingsApi.createToken({ name: name.trim(), ...(expiry === 'never' ? {} : { expiresInDays: Number(expiry) }) });
      setCreated({ secret: answer.token, token: answer.accessToken });
      setName('');
      await reload();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };

  const revoking = useConfirmed(async (token: AccessToken) => {
    await settingsApi.revokeToken(token.id);
    toasts.success(`“${token.name}” is revoked`, 'Anything still using it is refused from now on.');
    if (created?.token.id === token.id) setCreated(undefined);
  }, reload);

  return (
    <>
      <Panel
        title="Personal access tokens"
        lead={
          <>
            For scripts and AI apps that cannot sign in with OAuth: send one as <code>Authorization: Bearer sbp_…</code>. A token acts as you, with everything you may do. See <Link to="/settings/apps">AI apps</Link> for where to put it.
          </>
        }
      >
        {created ? (
          <div className="new-secret" ref={shown} tabIndex={-1} role="region" aria-label="Your new token">
            <p className="notice-title">Copy your new token “{created.token.name}” now</p>
            <p className="small">It is shown only this once: Switchboard keeps only a fingerprint of it. If you lose it, revoke it and create another.</p>
            <div className="secret-line">
              <code className="secret break" data-testid="new-token">
                {created.secret}
              </code>
              <CopyButton text={created.secret} label="Copy the new token" />
            </div>
            <Button onClick={() => setCreated(undefined)}>
              I have stored it
            </Button>
          </div>
        ) : null}

        <form className="inline-form" onSubmit={(e) => void create(e)}>
          <TextField label="Token name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="e.g. Laptop scripts" hint="So you recognise it later." />
          <SelectField label="Expires after" value={expiry} options={EXPIRY} onChange={setExpiry} />
          <Button type="submit" variant="primary" busy={busy} disabled={!name.trim()}>
            Create token
          </Button>
        </form>
        {error ? <ErrorNotice error={error} title="The token was not created" /> : null}

        <Loaded data={data} what="your tokens" retry={() => void reload()}>
          {({ tokens }) =>
            tokens.length === 0 ? (
              <p className="muted">You have no tokens yet.</p>
            ) : (
              <ul className="rows" aria-label="Your tokens">
                {tokens.map((t) => (
                  <li key={t.id} className={`row${t.revokedAt ? ' is-revoked' : ''}`}>
                    <div className="row-main">
                      <div className="row-text">
                        <h3 className="row-title">
                          {t.name} <code className="muted">{t.hint}</code>
                        </h3>
                        <p className="muted small">
                          {SOURCE[t.source]} {formatDate(t.createdAt)} · {t.lastUsedAt ? `last used ${formatDate(t.lastUsedAt)}` : 'never used'} ·{' '}
                          {t.expiresAt ? (new Date(t.expiresAt) < new Date() ? `expired ${formatDate(t.expiresAt)}` : `expires ${formatDate(t.expiresAt)}`) : 'does not expire'}
                        </p>
                      </div>
                    </div>
                    <div className="row-actions">
                      {t.revokedAt ? (
                        <Badge>Revoked {formatDate(t.revokedAt)}</Badge>
                      ) : (
                        <Button variant="danger" onClick={() => revoking.ask(t)}>
                          Revoke
                        </Button>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </Panel>
      <ConfirmDialog
        {...revoking.dialog}
        title={`Revoke “${revoking.target?.name ?? ''}”?`}
        confirmLabel="Revoke token"
      >
        <p>Anything using this token (scripts, AI apps) is refused at once. This cannot be undone: create a new token if you need one again.</p>
      </ConfirmDialog>
    </>
  );
}
