/**
 * The authorization server's pages: small server-rendered HTML forms (no script), so they work in any browser and
 * a test can drive them with fetch. Field names are part of the contract (docs/mcp-auth.md).
 */

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)} · Switchboard</title>
<style>
body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem;color:#1d2430}
h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem}input[type=email],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}
button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem}.error{color:#a30d1d}.hint{color:#5b6472;font-size:.9rem}
dl{margin:1rem 0}dt{font-weight:600;margin-top:.6rem}dd{margin:0}code{background:#eef1f5;padding:0 .2rem}
</style>
</head>
<body>
<p class="hint">Switchboard</p>
${body}
</body>
</html>`;
}

export interface LoginPageOptions {
  action: string;
  csrfToken: string;
  clientName: string;
  email?: string;
  error?: string;
  /** The single sign-on link, when SSO is set up. */
  sso?: { name: string; url: string };
}

export function loginPage(o: LoginPageOptions): string {
  return page(
    'Sign in',
    `<h1>Sign in to connect ${escapeHtml(o.clientName)} to Switchboard</h1>
${o.error ? `<p class="error" role="alert">${escapeHtml(o.error)}</p>` : ''}
<form method="post" action="${escapeHtml(o.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(o.csrfToken)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(o.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
${o.sso ? `<p><a href="${escapeHtml(o.sso.url)}">Sign in with ${escapeHtml(o.sso.name)}</a></p>` : ''}`,
  );
}

export interface ConsentPageOptions {
  action: string;
  csrfToken: string;
  clientName: string;
  clientId: string;
  redirectHost: string;
  personEmail: string;
}

export function consentPage(o: ConsentPageOptions): string {
  return page(
    'Allow access',
    `<h1>Allow ${escapeHtml(o.clientName)} to use Switchboard as you?</h1>
<p>Signed in as <strong>${escapeHtml(o.personEmail)}</strong>.</p>
<dl>
<dt>Application</dt><dd>${escapeHtml(o.clientName)} <span class="hint">(client id <code>${escapeHtml(o.clientId)}</code>)</span></dd>
<dt>Returns to</dt><dd><code>${escapeHtml(o.redirectHost)}</code></dd>
<dt>It will be able to</dt><dd>use your connectors through Switchboard, as you, under your organization's rules.</dd>
</dl>
<p class="hint">It stays connected until you revoke it: <code>DELETE /api/v1/me/clients/{id}</code> (your MCP clients are listed at <code>GET /api/v1/me/clients</code>).</p>
<form method="post" action="${escapeHtml(o.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(o.csrfToken)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
