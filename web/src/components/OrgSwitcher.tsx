import { useId } from 'react';
import { useSession } from '../session.tsx';

const ROLE: Record<string, string> = { primary_owner: 'Primary owner', owner: 'Owner', member: 'Member' };
const PLAN: Record<string, string> = { free: 'Free', pro: 'Pro', team: 'Team', enterprise: 'Enterprise' };

/** The organization the person works in: a native select (keyboard and screen readers for free), kept across visits. */
export function OrgSwitcher() {
  const { me, org, setOrg } = useSession();
  const id = useId();
  const roleId = useId();
  const memberships = me?.organizations ?? [];
  if (memberships.length === 0) return <p className="org-none">No organization yet</p>;
  return (
    <div className="org-switcher">
      <label htmlFor={id} className="org-label">
        Organization
      </label>
      <select id={id} value={org?.organization.slug} onChange={(event) => setOrg(event.target.value)} aria-describedby={roleId}>
        {memberships.map((m) => (
          <option key={m.organization.slug} value={m.organization.slug}>
            {m.organization.name}
          </option>
        ))}
      </select>
      <p className="org-role" id={roleId}>
        {org ? `${ROLE[org.role] ?? org.role} · ${PLAN[org.organization.plan] ?? org.organization.plan} plan` : ''}
      </p>
    </div>
  );
}
