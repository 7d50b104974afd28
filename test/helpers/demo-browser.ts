/**
 * What a person's browser does at a demo service's authorization server: follow redirects (keeping
 * the server's cookies), sign in on the login form, press Allow on the consent form, and stop at the
 * redirect back to Switchboard. Returns that callback URL, unvisited.
 */
export async function authorizeAtDemo(authorizationUrl: string, person: { email: string; password: string }, options: { callbackPrefix: string; deny?: boolean }): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  };
  let url = authorizationUrl;
  let method = 'GET';
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(options.callbackPrefix)) return new URL(url);
    const res = await fetch(url, { method, redirect: 'manual', headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(body ? { body } : {}) });
    remember(res);
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url).toString();
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action) throw new Error(`unexpected page at ${url} (${res.status}): ${html.slice(0, 300)}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).toString();
    method = 'POST';
    if (action.endsWith('/login')) {
      body = new URLSearchParams({ email: person.email, password: person.password });
    } else if (action.endsWith('/consent')) {
      body = new URLSearchParams({ scope_choice: 'explicit', decision: options.deny ? 'deny' : 'allow' });
      for (const [, scope] of html.matchAll(/name="scope" value="([^"]+)" checked/g)) body.append('scope', scope!);
    } else {
      throw new Error(`unknown form ${action}`);
    }
  }
  throw new Error('too many redirects before reaching the callback');
}
