import type { ComponentType } from 'react';
import { AuditSection } from '../components/admin/AuditSection.tsx';
import { ConnectorsSection } from '../components/admin/ConnectorsSection.tsx';
import { DomainsSection } from '../components/admin/DomainsSection.tsx';
import { MembersSection } from '../components/admin/MembersSection.tsx';
import { NetworkSection } from '../components/admin/NetworkSection.tsx';
import { RulesSection } from '../components/admin/RulesSection.tsx';
import type { AdminSectionProps } from '../components/admin/types.ts';
import { SubNav } from '../components/settings/common.tsx';
import { PLAN_LABELS } from '../lib/labels.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import '../styles/settings.css';

/** The admin console of the chosen organization (owners; App.tsx refuses everyone else): one section per address. */
const SECTIONS: ReadonlyArray<{ key: string; path: string; label: string; component: ComponentType<AdminSectionProps> }> = [
  { key: 'members', path: '/admin', label: 'Members', component: MembersSection },
  { key: 'connectors', path: '/admin/connectors', label: 'Connectors', component: ConnectorsSection },
  { key: 'rules', path: '/admin/rules', label: 'Rules', component: RulesSection },
  { key: 'domains', path: '/admin/domains', label: 'Domains', component: DomainsSection },
  { key: 'network', path: '/admin/network', label: 'Network', component: NetworkSection },
  { key: 'audit', path: '/admin/audit', label: 'Audit log', component: AuditSection },
];

export function AdminPage({ section }: { section: string }) {
  const { org } = useSession();
  const current = SECTIONS.find((s) => s.key === section);
  if (!org) {
    return (
      <div className="page">
        <h1>Admin</h1>
        <p className="lead">You are in no organization yet.</p>
      </div>
    );
  }
  const o = org.organization;
  return (
    <div className="page page-wide settings-page">
      <div className="page-head">
        <div>
          <h1>Admin</h1>
          <p className="lead">
            {o.name} · {PLAN_LABELS[o.plan] ?? o.plan} plan. What you change here applies to every member at once, and is recorded in the audit log.
          </p>
        </div>
      </div>
      <SubNav label="Admin" items={SECTIONS} />
      {current ? (
        <div className="sections">
          <current.component key={o.slug} org={{ id: o.id, slug: o.slug, name: o.name, plan: o.plan }} />
        </div>
      ) : (
        <p className="lead">
          The admin console has no section “{section}”. Go to <Link to="/admin">members</Link>.
        </p>
      )}
    </div>
  );
}
