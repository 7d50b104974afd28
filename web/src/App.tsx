import { useEffect, useRef } from 'react';
import { AppShell } from './components/AppShell.tsx';
import { ErrorNotice } from './components/ErrorNotice.tsx';
import { Button } from './components/Button.tsx';
import { ToastProvider } from './components/Toasts.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { matchRoute, RouterProvider, useLocation } from './router.tsx';
import { ROUTES } from './routes.tsx';
import { isOwner, SessionProvider, useSession } from './session.tsx';
import { ThemeProvider } from './theme.tsx';

export function App() {
  return (
    <ThemeProvider>
      <RouterProvider>
        <SessionProvider>
          <ToastProvider>
            <Pages />
          </ToastProvider>
        </SessionProvider>
      </RouterProvider>
    </ThemeProvider>
  );
}

/** Picks the page for the address, applies its access rule, and moves focus to the new page's heading. */
function Pages() {
  const location = useLocation();
  const session = useSession();
  const match = matchRoute(ROUTES, location.pathname);
  const route = match?.route;
  const first = useRef(true);

  useEffect(() => {
    document.title = route ? (route.title === 'Switchboard' ? 'Switchboard' : `${route.title} · Switchboard`) : 'Not found · Switchboard';
  }, [route]);

  // After an in-app navigation, focus goes to the new page's heading so keyboard and screen-reader users start there.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    window.scrollTo(0, 0);
    const heading = document.querySelector<HTMLElement>('main h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
  }, [location.pathname]);

  if (route?.access === 'public') return <>{route.render(match!.params)}</>;
  if (session.status === 'loading') {
    return (
      <div className="center-page" aria-busy="true">
        <span className="spinner spinner-large" aria-label="Loading Switchboard" role="img" />
      </div>
    );
  }
  if (session.status === 'error' && session.error) {
    return (
      <div className="center-page">
        <div className="card narrow">
          <h1>Switchboard is not answering</h1>
          <ErrorNotice error={session.error} action={<Button onClick={() => void session.reload()}>Try again</Button>} />
        </div>
      </div>
    );
  }
  if (session.status === 'signed-out') return <SignInPage />;
  if (!route) {
    return (
      <AppShell>
        <NotFoundPage />
      </AppShell>
    );
  }
  if (route.access === 'owners' && !isOwner(session.org)) {
    return (
      <AppShell>
        <div className="page">
          <h1>{route.title}</h1>
          <p className="lead">Only owners of {session.org?.organization.name ?? 'an organization'} can open this page. Ask an owner if you need something changed.</p>
        </div>
      </AppShell>
    );
  }
  return <AppShell>{route.render(match!.params)}</AppShell>;
}
