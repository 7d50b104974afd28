import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.ts';
import { adminApi } from '../../api/admin.ts';
import { Button } from '../Button.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { TextField } from '../TextField.tsx';
import { useToasts } from '../Toasts.tsx';
import { ConfirmDialog, Loaded, Panel, useLoad } from '../settings/common.tsx';
import type { AdminSectionProps } from './types.ts';

/** The organization's egress allow-list: internal address ranges its own custom connectors may reach. */
export function NetworkSection({ org }: AdminSectionProps) {
  const toasts = useToasts();
  const { data, reload, set } = useLoad((signal) => adminApi.egress(org.slug, signal), org.slug);
  const [range, setRange] = useState('');
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [removing, setRemoving] = useState<string | undefined>();
  const [removeError, setRemoveError] = useState<ApiError | undefined>();

  const save = async (allow: string[]) => (await adminApi.setEgress(org.slug, allow)).allow;

  const add = async (event: FormEvent, current: string[]) => {
    event.preventDefault();
    setBusy('add');
    setError(undefined);
    try {
      const allow = await save([...current, range.trim()]);
      set({ allow });
      toasts.success(`${range.trim()} is allowed`, `${org.name}'s custom connectors may reach it from now on.`);
      setRange('');
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(undefined);
    }
  };

  const remove = async (current: string[]) => {
    if (!removing) return;
    setBusy(removing);
    setRemoveError(undefined);
    try {
      const allow = await save(current.filter((r) => r !== removing));
      set({ allow });
      toasts.success(`${removing} is no longer allowed`);
      setRemoving(undefined);
    } catch (err) {
      setRemoveError(err as ApiError);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Loaded data={data} what="the egress allow-list" retry={() => void reload()}>
      {({ allow }) => (
        <>
          <Panel
            title="Egress allow-list"
            lead={`Switchboard connects only to public internet addresses. To use a custom connector on your own network, allow its address range here: it opens that range for ${org.name}'s custom connectors only, never for directory connectors or other organizations.`}
          >
            {allow.length === 0 ? (
              <p className="muted">No range: custom connectors reach public addresses only.</p>
            ) : (
              <ul className="rows compact-rows" aria-label="Allowed address ranges">
                {allow.map((r) => (
                  <li key={r} className="row">
                    <div className="row-text">
                      <p className="row-title">
                        <code>{r}</code>
                      </p>
                    </div>
                    <div className="row-actions">
                      <Button variant="danger" disabled={busy === r} onClick={() => setRemoving(r)} aria-label={`Remove ${r}`}>
                        Remove
                      </Button>
                    </div>
                  </li>
                ))}
              </ul>
            )}
            <form className="inline-form" onSubmit={(e) => void add(e, allow)}>
              <TextField label="Address range (CIDR)" value={range} onChange={(e) => setRange(e.target.value)} placeholder="10.20.0.0/16" required autoComplete="off" spellCheck={false} hint="One range, such as 10.20.0.0/16 or fd00:1::/48. A single address is /32 (IPv4) or /128 (IPv6)." />
              <Button type="submit" busy={busy === 'add'} disabled={!range.trim()}>
                Allow range
              </Button>
            </form>
            {error ? <ErrorNotice error={error} title="The range was not added" /> : null}
          </Panel>
          <ConfirmDialog
            open={removing !== undefined}
            title={`Stop allowing ${removing ?? ''}?`}
            confirmLabel="Remove range"
            busy={busy !== undefined && busy === removing}
            error={removeError}
            onConfirm={() => void remove(allow)}
            onClose={() => {
              setRemoving(undefined);
              setRemoveError(undefined);
            }}
          >
            <p>Custom connectors at addresses in this range stop working at once, even in sessions already open.</p>
          </ConfirmDialog>
        </>
      )}
    </Loaded>
  );
}
