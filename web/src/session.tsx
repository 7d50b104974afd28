import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, setUnauthorizedHandler } from './api/client.ts';
import type { Me, Membership } from './api/types.ts';

/** Who is signed in (GET /api/v1/me), the organization they are working in, and signing in and out. */

const ORG_KEY = 'switchboard.org';

type Status = 'loading' | 'signed-in' | 'signed-out' | 'error';

interface SessionState {
  status: Status;
  me: Me | undefined;
  /** Why the session could not be read (status "error"). */
  error: ApiError | undefined;
  /** The organization chosen in the switcher (the first one by default); undefined for someone in none. */
  org: Membership | undefined;
  setOrg(slug: string): void;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  reload(): Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

function storedOrg(): string | undefined {
  try {
    return localStorage.getItem(ORG_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('loading');
  const [me, setMe] = useState<Me | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [orgSlug, setOrgSlug] = useState<string | undefined>(storedOrg);

  const reload = useCallback(async () => {
    try {
      const next = await api.me();
      setCsrfToken(next.auth.csrfToken);
      setMe(next);
      setError(undefined);
      setStatus('signed-in');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setMe(undefined);
        setStatus('signed-out');
      } else {
        setError(err instanceof ApiError ? err : new ApiError(0, 'unexpected', (err as Error).message));
        setStatus('error');
      }
    }
  }, []);

  useEffect(() => {
    void reload();
    // Any API call answered 401 means the session is over (expired, signed out elsewhere): show sign-in.
    setUnauthorizedHandler(() => {
      setCsrfToken(undefined);
      setMe(undefined);
      setStatus('signed-out');
    });
    return () => setUnauthorizedHandler(undefined);
  }, [reload]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const result = await api.login(email, password);
      setCsrfToken(result.csrfToken);
      await reload();
    },
    [reload],
  );

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setCsrfToken(undefined);
      setMe(undefined);
      setStatus('signed-out');
    }
  }, []);

  const setOrg = useCallback((slug: string) => {
    try {
      localStorage.setItem(ORG_KEY, slug);
    } catch {
      // Without storage the choice lasts this visit.
    }
    setOrgSlug(slug);
  }, []);

  const org = useMemo(() => me?.organizations.find((m) => m.organization.slug === orgSlug) ?? me?.organizations[0], [me, orgSlug]);

  const value = useMemo<SessionState>(() => ({ status, me, error, org, setOrg, signIn, signOut, reload }), [status, me, error, org, setOrg, signIn, signOut, reload]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

export const isOwner = (membership: Membership | undefined) => membership?.role === 'owner' || membership?.role === 'primary_owner';
