import { useState, type ReactNode } from 'react';
import { Link, useLocation } from '../router.tsx';
import { NAV } from '../routes.tsx';
import { isOwner, useSession } from '../session.tsx';
import { useToasts } from './Toasts.tsx';
import { Button } from './Button.tsx';
import { LogoMark } from './Icons.tsx';
import { OrgSwitcher } from './OrgSwitcher.tsx';
import { ThemeToggle } from './ThemeToggle.tsx';
import { ApiError } from '../api/client.ts';

/** The frame around every signed-in page: brand, organization, navigation, theme and account; the page in <main>. */
export function AppShell({ children }: { children: ReactNode }) {
  const { me, org, signOut } = useSession();
  const toasts = useToasts();
  const { pathname } = useLocation();
  const [signingOut, setSigningOut] = useState(false);
  const owner = isOwner(org);
  const items = NAV.filter((item) => !item.ownersOnly || owner);

  const onSignOut = async () => {
    setSigningOut(true);
    try {
      await signOut();
    } catch (err) {
      toasts.error('Could not sign out', err instanceof ApiError ? err : new Error('Signing out failed. Close the browser window to end the session.'));
    } finally {
      setSigningOut(false);
    }
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="sidebar">
        <div className="sidebar-top">
          <Link to="/directory" className="brand" aria-label="Switchboard home">
            <LogoMark />
            <span className="brand-name">Switchboard</span>
          </Link>
          <div className="sidebar-tools sidebar-tools-compact">
            <ThemeToggle />
            <Button variant="ghost" onClick={onSignOut} busy={signingOut}>
              Sign out
            </Button>
          </div>
        </div>
        <OrgSwitcher />
        <nav aria-label="Main" className="main-nav">
          <ul>
            {items.map((item) => {
              const active = pathname === item.path || pathname.startsWith(`${item.path}/`) || (item.path === '/directory' && pathname.startsWith('/connectors'));
              return (
                <li key={item.path}>
                  <Link to={item.path} aria-current={active ? 'page' : undefined} className="nav-link">
                    <item.icon />
                    <span>{item.label}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="sidebar-account">
          <div className="account-who">
            <span className="account-name">{me?.user.name ?? me?.user.email}</span>
            {me?.user.name ? <span className="account-email">{me.user.email}</span> : null}
          </div>
          <div className="sidebar-tools">
            <ThemeToggle />
            <Button variant="ghost" onClick={onSignOut} busy={signingOut}>
              Sign out
            </Button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="main">
        {children}
      </main>
    </div>
  );
}
