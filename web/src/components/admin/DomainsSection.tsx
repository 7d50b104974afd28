import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.ts';
import { adminApi, type EnterpriseSetting, type OrgDomain } from '../../api/admin.ts';
import { formatDate } from '../../lib/labels.ts';
import { Badge } from '../Badge.tsx';
import { Button } from '../Button.tsx';
import { Dialog } from '../Dialog.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { TextField } from '../TextField.tsx';
import { useToasts } from '../Toasts.tsx';
import { CodeBlock, ConfirmDialog, Loaded, Panel, Switch, useLoad } from '../settings/common.tsx';
import type { AdminSectionProps } from './types.ts';

/** Verified email domains (a DNS TXT record proves them) and the enterprise restriction of identities on them. */
export function DomainsSection({ org }: AdminSectionProps) {
  const toasts = useToasts();
  const { data, reload, set } = useLoad(async (signal) => {
    const [{ domains }, enterprise] = await Promise.all([adminApi.domains(org.slug, signal), adminApi.enterprise(org.slug, signal)]);
    return { domains, enterprise };
  }, org.slug);
  const [domain, setDomain] = useState('');
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<{ domain: string; title: string; error: ApiError } | undefined>();
  const [removing, setRemoving] = useState<OrgDomain | undefined>();
  const [removeError, setRemoveError] = useState<ApiError | undefined>();
  const [confirmRestrict, setConfirmRestrict] = useState(false);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setBusy('add');
    setError(undefined);
    try {
      const { domain: added } = await adminApi.addDomain(org.slug, domain.trim());
      toasts.success(`${added.domain} is added`, added.verified ? 'It is verified already.' : 'Publish its TXT record, then verify it.');
      setDomain('');
      await reload();
    } catch (err) {
      setError({ domain: '', title: 'The domain was not added', error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  const verify = async (d: OrgDomain) => {
    setBusy(d.domain);
    setError(undefined);
    try {
      await adminApi.verifyDomain(org.slug, d.domain);
      toasts.success(`${d.domain} is verified`);
      await reload();
    } catch (err) {
      setError({ domain: d.domain, title: `${d.domain} is not verified yet`, error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  const remove = async () => {
    if (!removing) return;
    setBusy(removing.domain);
    setRemoveError(undefined);
    try {
      await adminApi.removeDomain(org.slug, removing.domain);
      toasts.success(`${removing.domain} is removed`);
      setRemoving(undefined);
      await reload();
    } catch (err) {
      setRemoveError(err as ApiError);
    } finally {
      setBusy(undefined);
    }
  };

  const restrict = async (on: boolean, current: { domains: OrgDomain[]; enterprise: EnterpriseSetting }) => {
    setBusy('restrict');
    setError(undefined);
    try {
      const enterprise = await adminApi.setEnterprise(org.slug, on);
      set({ ...current, enterprise });
      setConfirmRestrict(false);
      toasts.success(on ? 'The enterprise restriction is on' : 'The enterprise restriction is off');
    } catch (err) {
      setConfirmRestrict(false);
      setError({ domain: 'restrict', title: 'The restriction was not changed', error: err as ApiError });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Loaded data={data} what="the domains" retry={() => void reload()}>
      {(current) => {
        const { domains, enterprise } = current;
        const verified = domains.filter((d) => d.verified);
        return (
          <>
            <Panel title="Verified domains" lead={`Email domains ${org.name} owns. You prove it with a DNS TXT record at the domain; then the restriction below can protect accounts on it.`}>
              {domains.length === 0 ? (
                <p className="muted">No domain yet.</p>
              ) : (
                <ul className="rows" aria-label="Domains">
                  {domains.map((d) => (
                    <li key={d.domain} className="row domain-row">
                      <div className="row-main">
                        <div className="row-text">
                          <p className="row-title">
                            {d.domain}{' '}
                            {d.verified ? (
                              <Badge tone="success">Verified</Badge>
                            ) : (
                              <Badge tone="warning">Not verified</Badge>
                            )}
                          </p>
                          <p className="muted small">
                            {d.verified && d.verifiedAt ? `Verified ${formatDate(d.verifiedAt)}${d.method === 'manual' ? ' by the operator' : ' by its DNS record'}` : `Added ${formatDate(d.createdAt)}: publish the record below, then press Verify.`}
                          </p>
                        </div>
                      </div>
                      <div className="row-actions">
                        {!d.verified ? (
                          <Button variant="primary" busy={busy === d.domain} onClick={() => void verify(d)} aria-label={`Verify ${d.domain}`}>
                            Verify
                          </Button>
                        ) : null}
                        <Button variant="danger" disabled={busy === d.domain} onClick={() => setRemoving(d)} aria-label={`Remove ${d.domain}`}>
                          Remove
                        </Button>
                      </div>
                      {!d.verified ? (
                        <div className="row-note">
                          <CodeBlock label={`TXT record at ${d.domain}`} code={d.txtRecord} copyLabel={`Copy the TXT record for ${d.domain}`} />
                          <p className="muted small">Add it at {d.domain} itself (not a subdomain) with your DNS provider. It may take a few minutes to be seen; you can delete it once the domain is verified.</p>
                        </div>
                      ) : null}
                      {error?.domain === d.domain ? (
                        <div className="row-note">
                          <ErrorNotice error={error.error} title={error.title} />
                        </div>
                      ) : null}
                    </li>
                  ))}
                </ul>
              )}
              <form className="inline-form" onSubmit={(e) => void add(e)}>
                <TextField label="Domain" value={domain} onChange={(e) => setDomain(e.target.value)} placeholder="example.com" required autoComplete="off" spellCheck={false} />
                <Button type="submit" busy={busy === 'add'} disabled={!domain.trim()}>
                  Add domain
                </Button>
              </form>
              {error?.domain === '' ? <ErrorNotice error={error.error} title={error.title} /> : null}
            </Panel>

            <Panel title="Enterprise restriction" lead="Stop people outside your organization from connecting accounts on your verified domains to Switchboard.">
              <Switch
                checked={enterprise.restrictVerifiedDomains}
                busy={busy === 'restrict'}
                disabled={!enterprise.restrictVerifiedDomains && !enterprise.eligible}
                label="Restrict identities on verified domains"
                hint={
                  !enterprise.eligible && !enterprise.restrictVerifiedDomains
                    ? 'Verify a domain first: there is nothing to restrict yet.'
                    : enterprise.restrictVerifiedDomains
                      ? `On: someone outside ${org.name} who connects a service as someone@${verified[0]?.domain ?? 'your domain'} is refused, and nothing of that connection is kept.`
                      : `Off: anyone may connect accounts on ${verified.map((d) => d.domain).join(', ') || 'your domains'} from any organization.`
                }
                onChange={(on) => (on ? setConfirmRestrict(true) : void restrict(false, current))}
              />
              {error?.domain === 'restrict' ? <ErrorNotice error={error.error} title={error.title} /> : null}
            </Panel>

            <ConfirmDialog
              open={removing !== undefined}
              title={`Remove ${removing?.domain ?? ''}?`}
              confirmLabel="Remove domain"
              busy={busy !== undefined && busy === removing?.domain}
              error={removeError}
              onConfirm={() => void remove()}
              onClose={() => {
                setRemoving(undefined);
                setRemoveError(undefined);
              }}
            >
              <p>{removing?.verified ? `Accounts on ${removing.domain} are no longer protected by the restriction, and another organization could verify it.` : 'Its TXT record no longer counts; adding it again gives a new one.'}</p>
            </ConfirmDialog>
            <Dialog
              open={confirmRestrict}
              title="Turn the restriction on?"
              onClose={() => setConfirmRestrict(false)}
              footer={
                <>
                  <Button onClick={() => setConfirmRestrict(false)}>Cancel</Button>
                  <Button variant="primary" busy={busy === 'restrict'} onClick={() => void restrict(true, current)}>
                    Turn on
                  </Button>
                </>
              }
            >
              <p>
                From now on, someone outside {org.name} (and the organizations under it) who connects a service with an account on {verified.map((d) => d.domain).join(', ') || 'your verified domains'} is refused with “This corporate identity belongs to an Enterprise that manages access through their own account”. Connections made before stay until they reconnect.
              </p>
            </Dialog>
          </>
        );
      }}
    </Loaded>
  );
}
