import { createContext, useContext, useEffect, useState, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

/**
 * A small client-side router (docs/web.md says why not a library): the History API, a route table with `:param`
 * segments matched in order (routes.tsx), links that navigate without reloading, and the query string as state.
 */

export interface Location {
  pathname: string;
  search: string;
}

const EVENT = 'switchboard:navigate';

function current(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

/** Goes to a path of the app (`/connectors/x?y=z`). Paths outside the app (the API's browser routes) load in full. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (isServerPath(to)) {
    window.location.assign(to);
    return;
  }
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(EVENT));
}

/** Paths the server answers itself: the app must load them in full, never route them. */
export function isServerPath(path: string): boolean {
  return /^\/(api|mcp|oauth|\.well-known|healthz|readyz|metrics)(\/|$|\?)/.test(path);
}

/** A path on this site only: no other origin, no protocol-relative or backslash tricks. */
export function safeNext(value: string | null | undefined, fallback = '/'): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[\x00-\x1f]/.test(value)) return fallback;
  return value;
}

const LocationContext = createContext<Location>(current());

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState<Location>(current);
  useEffect(() => {
    const update = () => setLocation((prev) => {
      const next = current();
      return prev.pathname === next.pathname && prev.search === next.search ? prev : next;
    });
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return <LocationContext.Provider value={location}>{children}</LocationContext.Provider>;
}

export function useLocation(): Location {
  return useContext(LocationContext);
}

export function useSearchParams(): URLSearchParams {
  const { search } = useLocation();
  return new URLSearchParams(search);
}

/** Replaces query parameters (removing empty ones) without adding a history entry per keystroke. */
export function setSearchParams(values: Record<string, string | undefined>, options: { replace?: boolean } = { replace: true }): void {
  const params = new URLSearchParams(window.location.search);
  for (const [key, value] of Object.entries(values)) {
    if (value) params.set(key, value);
    else params.delete(key);
  }
  const query = params.toString();
  navigate(`${window.location.pathname}${query ? `?${query}` : ''}`, options);
}

export interface RouteMatch<R> {
  route: R;
  params: Record<string, string>;
}

/** The first route whose pattern (`/connectors/:slug`) matches the path. */
export function matchRoute<R extends { path: string }>(routes: readonly R[], pathname: string): RouteMatch<R> | undefined {
  const parts = pathname.replace(/\/+$/, '').split('/').slice(1);
  for (const route of routes) {
    const pattern = route.path.replace(/\/+$/, '').split('/').slice(1);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length; i++) {
      const want = pattern[i]!;
      const got = parts[i]!;
      if (want.startsWith(':')) {
        try {
          params[want.slice(1)] = decodeURIComponent(got);
        } catch {
          ok = false;
        }
      } else if (want !== got) ok = false;
      if (!ok) break;
    }
    if (ok) return { route, params };
  }
  return undefined;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An `<a>` that navigates inside the app on a plain click and behaves as a link for everything else. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || rest.target) return;
    if (isServerPath(to)) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
