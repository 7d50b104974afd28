/**
 * The authorization server's pages: plain server-rendered HTML forms, so a person can use them in a browser and
 * a test can drive them with fetch. Field names are part of the contract (docs/demo-services.md).
 */

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function page(serviceName: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · ${escape(serviceName)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1d2430}
h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem}input[type=email],input[type=password]{width:100%;padding:.4rem}
button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem}.error{color:#a30d1d}.hint{color:#5b6472;font-size:.9rem}
ul{padding-left:0;list-style:none}li{margin:.4rem 0}code{background:#eef1f5;padding:0 .2rem}
</style>
</head>
<body>
<p class="hint">${escape(serviceName)} (demo service)</p>
${body}
</body>
</html>`;
}

export function loginPage(serviceName: string, uid: string, clientName: string, options: { email?: string; error?: string } = {}): string {
  return page(
    serviceName,
    'Sign in',
    `<h1>Sign in to connect ${escape(clientName)}</h1>
${options.error ? `<p class="error" role="alert">${escape(options.error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escape(options.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
<p class="hint">Demo accounts: alice@demo.test, bob@demo.test, carol@demo.test; the passwords are in docs/demo-services.md.</p>`,
  );
}

export interface ConsentScope {
  scope: string;
  description: string;
}

export function consentPage(serviceName: string, uid: string, clientName: string, personEmail: string, scopes: ConsentScope[]): string {
  const items = scopes
    .map((s) => `<li><label><input type="checkbox" name="scope" value="${escape(s.scope)}" checked> <code>${escape(s.scope)}</code> ${escape(s.description)}</label></li>`)
    .join('\n');
  return page(
    serviceName,
    'Allow access',
    `<h1>${escape(clientName)} wants to use your ${escape(serviceName)} account</h1>
<p>Signed in as ${escape(personEmail)}. It asks to:</p>
<form method="post" action="/interaction/${escape(uid)}/consent">
<input type="hidden" name="scope_choice" value="explicit">
<ul>
${items}
</ul>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function errorPage(serviceName: string, title: string, message: string): string {
  return page(serviceName, title, `<h1>${escape(title)}</h1><p>${escape(message)}</p>`);
}

export function homePage(serviceName: string, description: string, mcpUrl: string): string {
  return page(
    serviceName,
    serviceName,
    `<h1>${escape(serviceName)}</h1><p>${escape(description)}</p><p>MCP endpoint: <code>${escape(mcpUrl)}</code></p>
<p class="hint">Connect it from an MCP client; it will send you here to sign in with a demo account.</p>`,
  );
}
