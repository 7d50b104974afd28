import type { ComponentType, ReactNode } from 'react';
import { ChatIcon, GridIcon, SettingsIcon, ShieldIcon } from './components/Icons.tsx';
import { AddConnectorPage } from './pages/AddConnectorPage.tsx';
import { AdminPage } from './pages/AdminPage.tsx';
import { ChatRoute } from './pages/ChatRoute.tsx';
import { ConnectDonePage } from './pages/ConnectDonePage.tsx';
import { ConnectorPage } from './pages/ConnectorPage.tsx';
import { DirectoryPage } from './pages/DirectoryPage.tsx';
import { RedirectPage } from './pages/RedirectPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';

/**
 * Every page of the app, matched in order (so `/connectors/add` comes before `/connectors/:slug`). A page is a
 * component in pages/; add a route here and, for the main navigation, an entry in NAV.
 *
 * - `access`: 'public' pages render without a session and without the shell; 'signed-in' pages need one (sign-in is
 *   shown otherwise, coming back after); 'owners' pages also need the owner role in the chosen organization.
 * - `title`: the document title (the page's h1 says the rest).
 */
export interface AppRoute {
  path: string;
  title: string;
  access: 'public' | 'signed-in' | 'owners';
  render(params: Record<string, string>): ReactNode;
}

export const ROUTES: readonly AppRoute[] = [
  { path: '/', title: 'Switchboard', access: 'signed-in', render: () => <RedirectPage to="/directory" /> },
  { path: '/sign-in', title: 'Sign in', access: 'public', render: () => <SignInPage /> },
  { path: '/connect/done', title: 'Connected', access: 'public', render: () => <ConnectDonePage /> },
  { path: '/directory', title: 'Directory', access: 'signed-in', render: () => <DirectoryPage /> },
  { path: '/connectors/add', title: 'Add a custom connector', access: 'signed-in', render: () => <AddConnectorPage /> },
  { path: '/connectors/:slug', title: 'Connector', access: 'signed-in', render: (p) => <ConnectorPage slug={p.slug!} /> },
  { path: '/chat', title: 'Chat', access: 'signed-in', render: () => <ChatRoute /> },
  { path: '/chat/:id', title: 'Chat', access: 'signed-in', render: (p) => <ChatRoute id={p.id!} /> },
  { path: '/settings', title: 'Settings', access: 'signed-in', render: () => <SettingsPage section="connections" /> },
  { path: '/settings/:section', title: 'Settings', access: 'signed-in', render: (p) => <SettingsPage section={p.section!} /> },
  { path: '/admin', title: 'Admin', access: 'owners', render: () => <AdminPage section="members" /> },
  { path: '/admin/:section', title: 'Admin', access: 'owners', render: (p) => <AdminPage section={p.section!} /> },
];

export interface NavItem {
  path: string;
  label: string;
  icon: ComponentType;
  ownersOnly?: boolean;
}

export const NAV: readonly NavItem[] = [
  { path: '/chat', label: 'Chat', icon: ChatIcon },
  { path: '/directory', label: 'Directory', icon: GridIcon },
  { path: '/settings', label: 'Settings', icon: SettingsIcon },
  { path: '/admin', label: 'Admin', icon: ShieldIcon, ownersOnly: true },
];
