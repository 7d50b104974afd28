import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.ts';
import type { AuthProviders } from '../api/types.ts';
import { Button } from '../components/Button.tsx';
import { ErrorNotice } from '../components/ErrorNotice.tsx';
import { LogoMark } from '../components/Icons.tsx';
import { TextField } from '../components/TextField.tsx';
import { ThemeToggle } from '../components/ThemeToggle.tsx';
import { navigate, safeNext, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';

/**
 * Sign in with email and password, or with the single sign-on providers the server reports. Shown at /sign-in and in
 * place of any page that needs a session; afterwards the person lands where they were going (`?next=`).
 */
export function SignInPage() {
  const session = useSession();
  const location = useLocation();
  const onSignInRoute = location.pathname === '/sign-in';
  const next = onSignInRoute ? safeNext(new URLSearchParams(location.search).get('next'), '/directory') : `${location.pathname}${location.search}`;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [providers, setProviders] = useState<AuthProviders | undefined>();

  useEffect(() => {
    api.providers().then(setProviders, () => setProviders({ password: true, sso: [] }));
  }, []);

  // Already signed in (or just now): on /sign-in, go on to where the person was headed.
  useEffect(() => {
    if (onSignInRoute && session.status === 'signed-in') navigate(next, { replace: true });
  }, [onSignInRoute, session.status, next]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await session.signIn(email.trim(), password);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'unexpected', 'Signing in failed unexpectedly. Reload the page and try again.'));
      setBusy(false);
    }
  };

  return (
    <div className="signin">
      <div className="signin-theme">
        <ThemeToggle />
      </div>
      <main className="signin-card card" id="main">
        <div className="signin-brand">
          <LogoMark />
          <span className="brand-name">Switchboard</span>
        </div>
        <h1>Sign in</h1>
        <p className="muted">Your apps and services, for your AI assistant, with your own permissions.</p>
        {providers && providers.sso.length > 0 ? (
          <>
            <div className="sso-buttons">
              {providers.sso.map((p) => (
                <a key={p.id} className="btn btn-secondary btn-block" href={`${p.startUrl}?returnTo=${encodeURIComponent(next)}`}>
                  Continue with {p.name}
                </a>
              ))}
            </div>
            <p className="divider">
              <span>or with your email</span>
            </p>
          </>
        ) : null}
        <form onSubmit={submit} noValidate={false}>
          <TextField label="Email" type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
          <TextField label="Password" type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          {error ? <ErrorNotice error={error} title={error.code === 'invalid_credentials' ? 'Wrong email or password' : 'Could not sign in'} /> : null}
          <Button type="submit" variant="primary" className="btn-block" busy={busy}>
            Sign in
          </Button>
        </form>
        <p className="muted small">No account yet? An owner of your organization adds you; then sign in here.</p>
      </main>
    </div>
  );
}
