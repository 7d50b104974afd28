/**
 * A stand-in for the person's web browser, for real MCP clients that "open the browser" to sign in to
 * Switchboard (mcp-remote, the Inspector). The client runs it as its browser with the authorization URL as the
 * only argument; it then does what a person does in a browser:
 *
 *   GET the authorization URL, follow redirects keeping Switchboard's cookies, sign in on the login form
 *   (email + password), press Allow (or Deny) on the consent form, and finally GET the client's own
 *   redirect URI (its loopback callback), which hands the code to the client.
 *
 * It is spawned by the client detached with stdio ignored, so it reports through files. Settings come from
 * the environment the client passed down:
 *
 *   FAKE_BROWSER_EMAIL, FAKE_BROWSER_PASSWORD   who signs in
 *   FAKE_BROWSER_DECISION_FILE                  a file holding "allow" or "deny" (read at every launch, so a test
 *                                               can change its mind between launches); "allow" when absent
 *   FAKE_BROWSER_LOG                            a file to which one JSON line (a `BrowserVisit`) is appended per launch
 *
 * `writeBrowserLauncher` writes the small executable that clients are pointed at: the `open` package (used by
 * mcp-remote) runs its bundled xdg-open on Linux, which with no desktop session runs `$BROWSER <url>`.
 */
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface BrowserVisit {
  /** The URL the client opened. */
  opened: string;
  /** The pages the person saw, in order. */
  pages: Array<{ kind: 'login' | 'consent'; url: string; html: string }>;
  /** The client's redirect URI with the code (or error) as Switchboard sent it, and what the client answered there. */
  callback?: { url: string; status: number; body: string };
  error?: string;
}

/** Writes `<dir>/browser`, an executable that runs this file with the given Node; returns its path. */
export function writeBrowserLauncher(dir: string, node = process.execPath): string {
  const file = path.join(dir, 'browser');
  const script = path.join(import.meta.dirname, 'fake-browser.ts');
  writeFileSync(file, `#!/bin/sh\nexec '${node}' '${script}' "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

/** Reads the visits a launcher logged so far (complete lines only: one may be being written). */
export function readVisits(logFile: string): BrowserVisit[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as BrowserVisit);
}

/**
 * GET the client's callback. A person spends seconds on the consent page, and clients rely on that: mcp-remote
 * 0.15.1, when it must sign in again in the middle of a session, opens the browser first and starts its callback
 * listener after. So while the listener is not up yet (connection refused), wait and try again, for up to 10 s.
 */
async function callbackFetch(url: URL): Promise<Response> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await fetch(url, { redirect: 'manual' });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function visit(opened: string, person: { email: string; password: string }, decision: 'allow' | 'deny'): Promise<BrowserVisit> {
  const result: BrowserVisit = { opened, pages: [] };
  const origin = new URL(opened).origin;
  // Cookies of Switchboard's origin (paths ignored: sending a cookie to more paths than a browser would is harmless here).
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line) || /max-age=0\b/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  };
  let url = new URL(opened);
  try {
    for (let hop = 0; hop < 25; hop++) {
      if (url.origin !== origin) {
        // Back to the client: its loopback callback.
        const res = await callbackFetch(url);
        result.callback = { url: url.href, status: res.status, body: (await res.text()).slice(0, 2000) };
        return result;
      }
      const res = await fetch(url, { headers: { cookie: cookie() }, redirect: 'manual' });
      remember(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        url = new URL(location, url);
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`${res.status} at ${url.pathname}: ${html.slice(0, 500)}`);
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
      const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
      if (!action) throw new Error(`no form at ${url.pathname}: ${html.slice(0, 500)}`);
      let form: URLSearchParams;
      if (html.includes('name="password"')) {
        result.pages.push({ kind: 'login', url: url.href, html });
        form = new URLSearchParams({ csrf, email: person.email, password: person.password });
      } else {
        result.pages.push({ kind: 'consent', url: url.href, html });
        form = new URLSearchParams({ csrf, decision });
      }
      // A browser sends its form with the page's origin.
      const posted = await fetch(new URL(action, url), { method: 'POST', headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded', origin }, body: form, redirect: 'manual' });
      remember(posted);
      const next = posted.headers.get('location');
      if (posted.status !== 303 || !next) throw new Error(`POST ${action} answered ${posted.status}: ${(await posted.text()).slice(0, 500)}`);
      url = new URL(next, url);
    }
    throw new Error('too many redirects');
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    return result;
  }
}

if (import.meta.main) {
  const opened = process.argv[2];
  const log = process.env.FAKE_BROWSER_LOG;
  const decisionFile = process.env.FAKE_BROWSER_DECISION_FILE;
  const decision = decisionFile && existsSync(decisionFile) && readFileSync(decisionFile, 'utf8').trim() === 'deny' ? 'deny' : 'allow';
  const result = opened
    ? await visit(opened, { email: process.env.FAKE_BROWSER_EMAIL ?? '', password: process.env.FAKE_BROWSER_PASSWORD ?? '' }, decision)
    : { opened: '', pages: [], error: 'no URL given' };
  if (log) appendFileSync(log, `${JSON.stringify(result)}\n`);
  // Always 0: a failing "browser" would make the client try other openers (and visit again); the log says what went wrong.
  process.exitCode = 0;
}
