import type { ComponentType } from 'react';
import { ClientsSection } from '../components/settings/ClientsSection.tsx';
import { SubNav } from '../components/settings/common.tsx';
import { ConnectionsSection } from '../components/settings/ConnectionsSection.tsx';
import { PermissionsSection } from '../components/settings/PermissionsSection.tsx';
import { TokensSection } from '../components/settings/TokensSection.tsx';
import { ToolAccessSection } from '../components/settings/ToolAccessSection.tsx';
import { Link } from '../router.tsx';
import '../styles/settings.css';

/** The person's own settings, one section per address: /settings (connections), /settings/permissions, … */
const SECTIONS: ReadonlyArray<{ key: string; path: string; label: string; lead: string; component: ComponentType }> = [
  { key: 'connections', path: '/settings', label: 'Connections', lead: 'The services you connected, and what to do when one misbehaves.', component: ConnectionsSection },
  { key: 'permissions', path: '/settings/permissions', label: 'Tool permissions', lead: 'Which of your tools run at once, ask you first, or never run.', component: PermissionsSection },
  { key: 'tool-access', path: '/settings/tool-access', label: 'Tool access', lead: 'How many tools your AI apps load up front, and which stay pinned.', component: ToolAccessSection },
  { key: 'apps', path: '/settings/apps', label: 'AI apps', lead: 'Connect Claude, Cursor and other AI apps to your Switchboard, and see the ones you allowed.', component: ClientsSection },
  { key: 'tokens', path: '/settings/tokens', label: 'Access tokens', lead: 'Personal access tokens for scripts and apps without OAuth.', component: TokensSection },
];

export function SettingsPage({ section }: { section: string }) {
  const current = SECTIONS.find((s) => s.key === section);
  return (
    <div className="page page-wide settings-page">
      <div className="page-head">
        <div>
          <h1>Settings</h1>
          <p className="lead">{current?.lead ?? 'Your connections, permissions, AI apps and tokens.'}</p>
        </div>
      </div>
      <SubNav label="Settings" items={SECTIONS} />
      {current ? (
        <div className="sections">
          <current.component />
        </div>
      ) : (
        <p className="lead">
          Settings has no section “{section}”. Go to <Link to="/settings">your connections</Link>.
        </p>
      )}
    </div>
  );
}
