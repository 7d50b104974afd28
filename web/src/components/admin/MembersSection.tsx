import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.ts';
import { adminApi, type Member } from '../../api/admin.ts';
import { formatDate } from '../../lib/labels.ts';
import { useSession } from '../../session.tsx';
import { Button } from '../Button.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { TextField } from '../TextField.tsx';
import { useToasts } from '../Toasts.tsx';
import { ConfirmDialog, Loaded, Panel, SelectField, useLoad } from '../settings/common.tsx';
import type { AdminSectionProps } from './types.ts';

const ROLE_CHOICES = [
  { value: 'member', label: 'Member' },
  { value: 'owner', label: 'Owner' },
] as const;

export const personName = (m: Pick<Member, 'name' | 'email'>) => m.name ?? m.email;

/** Members and roles: add an existing account, change a role between member and owner, remove someone. */
export function MembersSection({ org }: AdminSectionProps) {
  const { me } = useSession();
  const toasts = useToasts();
  const { data, reload, set } = useLoad((signal) => adminApi.members(org.slug, signal), org.slug);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'member' | 'owner'>('member');
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<ApiError | undefined>();
  const [rowBusy, setRowBusy] = useState<string | undefined>();
  const [rowError, setRowError] = useState<{ userId: string; title: string; error: ApiError } | undefined>();
  const [removing, setRemoving] = useState<Member | undefined>();
  const [removeError, setRemoveError] = useState<ApiError | undefined>();

  const add = async (event: FormEvent) => {
    event.preventDefault();
    setAdding(true);
    setAddError(undefined);
    try {
      const { member } = await adminApi.addMember(org.slug, email.trim(), role);
      toasts.success(`${personName(member)} is now ${role === 'owner' ? 'an owner' : 'a member'} of ${org.name}`);
      setEmail('');
      await reload();
    } catch (err) {
      setAddError(err as ApiError);
    } finally {
      setAdding(false);
    }
  };

  const changeRole = async (member: Member, next: 'member' | 'owner') => {
    if (data.state !== 'ready') return;
    setRowBusy(member.userId);
    setRowError(undefined);
    try {
      await adminApi.setRole(org.slug, member.userId, next);
      set({ members: data.value.members.map((m) => (m.userId === member.userId ? { ...m, role: next } : m)) });
      toasts.success(`${personName(member)} is ${next === 'owner' ? 'an owner' : 'a member'} now`);
    } catch (err) {
      setRowError({ userId: member.userId, title: `${personName(member)}'s role was not changed`, error: err as ApiError });
    } finally {
      setRowBusy(undefined);
    }
  };

  const remove = async () => {
    if (!removing) return;
    setRowBusy(removing.userId);
    setRemoveError(undefined);
    try {
      await adminApi.removeMember(org.slug, removing.userId);
      toasts.success(`${personName(removing)} was removed from ${org.name}`);
      setRemoving(undefined);
      await reload();
    } catch (err) {
      setRemoveError(err as ApiError);
    } finally {
      setRowBusy(undefined);
    }
  };

  return (
    <>
      <Panel title="Members" lead={`Everyone in ${org.name}. Owners manage connectors, rules, members and the audit log; members use what owners turn on.`}>
        <Loaded data={data} what="the members" retry={() => void reload()}>
          {({ members }) => (
            <ul className="rows" aria-label="Members">
              {members.map((m) => {
                const self = m.userId === me?.user.id;
                return (
                  <li key={m.userId} className="row member-row">
                    <div className="row-main">
                      <span className="avatar" aria-hidden="true">
                        {personName(m).charAt(0).toUpperCase()}
                      </span>
                      <div className="row-text">
                        <p className="row-title">
                          {personName(m)}
                          {self ? <span className="muted"> (you)</span> : null}
                        </p>
                        <p className="muted small">
                          {m.name ? `${m.email} · ` : ''}joined {formatDate(m.joinedAt)}
                        </p>
                      </div>
                    </div>
                    <div className="row-actions">
                      {m.role === 'primary_owner' ? (
                        <span className="role-fixed">Primary owner</span>
                      ) : (
                        <SelectField
                          label={`Role of ${personName(m)}`}
                          hideLabel
                          value={m.role}
                          options={ROLE_CHOICES}
                          disabled={self || rowBusy === m.userId}
                          onChange={(next) => void changeRole(m, next)}
                        />
                      )}
                      {m.role !== 'primary_owner' && !self ? (
                        <Button variant="danger" disabled={rowBusy === m.userId} onClick={() => setRemoving(m)} aria-label={`Remove ${personName(m)}`}>
                          Remove
                        </Button>
                      ) : null}
                    </div>
                    {rowError?.userId === m.userId ? (
                      <div className="row-note">
                        <ErrorNotice error={rowError.error} title={rowError.title} />
                      </div>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )}
        </Loaded>
      </Panel>
      <Panel title="Add a member" lead="Someone who already has a Switchboard account (they signed in once, or the operator created it).">
        <form className="inline-form" onSubmit={(e) => void add(e)}>
          <TextField label="Email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} required />
          <SelectField label="Role" value={role} options={ROLE_CHOICES} onChange={setRole} />
          <Button type="submit" variant="primary" busy={adding} disabled={!email.trim()}>
            Add to {org.name}
          </Button>
        </form>
        {addError ? <ErrorNotice error={addError} title="Nobody was added" /> : null}
      </Panel>
      <ConfirmDialog
        open={removing !== undefined}
        title={`Remove ${removing ? personName(removing) : ''} from ${org.name}?`}
        confirmLabel="Remove"
        busy={rowBusy !== undefined && rowBusy === removing?.userId}
        error={removeError}
        onConfirm={() => void remove()}
        onClose={() => {
          setRemoving(undefined);
          setRemoveError(undefined);
        }}
      >
        <p>They lose access to {org.name}'s connectors at once. Their own connections and account stay; you can add them again later.</p>
      </ConfirmDialog>
    </>
  );
}
