import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { settingsApi, type McpClient, type ToolAccessMode } from '../../api/settings.ts';
import { formatDate } from '../../lib/labels.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { Button } from '../Button.tsx';
import { useToasts } from '../Toasts.tsx';
import { CodeBlock, ConfirmDialog, CopyButton, Loaded, Panel, SelectField, useConfirmed, useLoad } from './common.tsx';

const APPS = ['claude-code', 'claude-desktop', 'cursor', 'other'] as const;
type App = (typeof APPS)[number];
const APP_NAMES: Record<App, string> = { 'claude-code': 'Claude Code', 'claude-desktop': 'Claude Desktop', cursor: 'Cursor', other: 'Other apps' };

const TOOL_CHOICES = [
  { value: '', label: 'As in your tool access settings' },
  { value: 'auto', label: 'Auto' },
  { value: 'always', label: 'Always available: every tool' },
  { value: 'on_demand', label: 'On demand: search, then call' },
] as const;

/** How to add the person's Switchboard endpoint to their AI apps, and the apps they authorized (revocable). */
export function ClientsSection() {
  return (
    <>
      <ConnectApp />
      <AuthorizedApps />
    </>
  );
}

const shellQuote = (url: string) => (/[?&#*\s]/.test(url) ? `"${url}"` : url);

function ConnectApp() {
  const { org } = useSession();
  const { data, reload } = useLoad((signal) => settingsApi.endpoint(signal), 'endpoint');
  const [app, setApp] = useState<App>('claude-code');
  const [tools, setTools] = useState<'' | ToolAccessMode>('');
  const tabIds = useId();
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);

  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const move = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    let next = move === 0 ? (event.key === 'Home' ? 0 : event.key === 'End' ? APPS.length - 1 : -1) : (index + move + APPS.length) % APPS.length;
    if (next < 0) return;
    event.preventDefault();
    setApp(APPS[next]!);
    tabs.current[next]?.focus();
  };

  return (
    <Panel title="Connect an AI app" lead="Add your Switchboard endpoint to the app once: it then sees the tools of every service you connected here, acting as you, under your organization's rules. The app asks you to sign in to Switchboard the first time.">
      <Loaded data={data} what="your endpoint" retry={() => void reload()}>
        {(endpoint) => {
          const target = endpoint.organizations.find((o) => o.slug === org?.organization.slug) ?? endpoint.organizations.find((o) => o.default);
          const base = target?.url ?? endpoint.url;
          const url = withTools(base, tools);
          const serverName = target && !target.default ? `switchboard-${target.slug}` : 'switchboard';
          return (
            <>
              <div className="endpoint">
                <p className="endpoint-label" id="endpoint-label">
                  Your endpoint
                </p>
                <div className="secret-line">
                  <code className="secret break" data-testid="endpoint-url" aria-labelledby="endpoint-label">
                    {url}
                  </code>
                  <CopyButton text={url} label="Copy your endpoint URL" />
                </div>
                {target && endpoint.organizations.length > 1 ? (
                  <p className="muted small">
                    For {target.name}
                    {target.default ? ', the organization used when an app names none' : `: the address names it with ?org=${target.slug}`}. Switch organization in the menu for another one's address.
                  </p>
                ) : null}
              </div>
              <SelectField
                label="Tools the app loads"
                className="narrow-field"
                value={tools}
                options={TOOL_CHOICES}
                onChange={setTools}
                hint={
                  <>
                    Adds <code>?tools=</code> to the address when you pick a mode for this app. <Link to="/settings/tool-access">What the modes mean</Link>.
                  </>
                }
              />
              <div className="tabs" role="tablist" aria-label="AI app">
                {APPS.map((a, i) => (
                  <button
                    key={a}
                    ref={(el) => {
                      tabs.current[i] = el;
                    }}
                    type="button"
                    role="tab"
                    id={`${tabIds}-tab-${a}`}
                    aria-selected={app === a}
                    aria-controls={`${tabIds}-panel`}
                    tabIndex={app === a ? 0 : -1}
                    className="tab"
                    onClick={() => setApp(a)}
                    onKeyDown={(e) => onTabKey(e, i)}
                  >
                    {APP_NAMES[a]}
                  </button>
                ))}
              </div>
              <div className="tab-panel" role="tabpanel" id={`${tabIds}-panel`} aria-labelledby={`${tabIds}-tab-${app}`}>
                <AppInstructions app={app} url={url} serverName={serverName} />
              </div>
            </>
          );
        }}
      </Loaded>
    </Panel>
  );
}

function withTools(url: string, tools: '' | ToolAccessMode): string {
  if (!tools) return url;
  const parsed = new URL(url);
  parsed.searchParams.set('tools', tools);
  return parsed.toString();
}

function AppInstructions({ app, url, serverName }: { app: App; url: string; serverName: string }) {
  if (app === 'claude-code') {
    return (
      <>
        <p>Run this in a terminal. The first time Claude Code uses it, your browser opens to sign in to Switchboard and allow it (or run <code>/mcp</code> in a session and choose to authenticate).</p>
        <CodeBlock label="Terminal" code={`claude mcp add --transport http ${serverName} ${shellQuote(url)}`} copyLabel="Copy the Claude Code command" />
        <p className="muted small">
          Add <code>--scope user</code> before the name to use it in all your projects. With a <Link to="/settings/tokens">personal access token</Link> instead of signing in: add <code>--header "Authorization: Bearer sbp_…"</code> before the name.
        </p>
      </>
    );
  }
  if (app === 'claude-desktop') {
    const config = JSON.stringify({ mcpServers: { [serverName]: { command: 'npx', args: ['-y', 'mcp-remote', url, '--static-oauth-client-metadata', '{"client_name":"Claude Desktop"}'] } } }, null, 2);
    return (
      <>
        <p>
          Open Claude Desktop's <strong>Settings → Developer → Edit Config</strong> and add this to <code>claude_desktop_config.json</code>, then restart Claude Desktop. Its first start opens your browser to sign in to Switchboard (the small bridge <code>mcp-remote</code> does it; it needs Node.js).
        </p>
        <CodeBlock label="claude_desktop_config.json" code={config} copyLabel="Copy the Claude Desktop configuration" />
        <p className="muted small">
          {url.startsWith('https://')
            ? 'Your Switchboard is on https: you can also add it in Settings → Connectors → Add custom connector, with the address above.'
            : 'mcp-remote accepts plain http only for localhost and 127.0.0.1.'}
        </p>
      </>
    );
  }
  if (app === 'cursor') {
    const config = JSON.stringify({ mcpServers: { [serverName]: { url } } }, null, 2);
    return (
      <>
        <p>
          Add this to <code>~/.cursor/mcp.json</code> (all projects) or <code>.cursor/mcp.json</code> (one project). Cursor signs in to Switchboard when you turn the server on.
        </p>
        <CodeBlock label="mcp.json" code={config} copyLabel="Copy the Cursor configuration" />
      </>
    );
  }
  return (
    <>
      <p>Any app that speaks MCP over HTTP (Streamable HTTP) can use this address. Apps that sign in with OAuth find everything they need from it; for the others, send a personal access token.</p>
      <CodeBlock label="MCP server URL" code={url} copyLabel="Copy the endpoint URL" />
      <CodeBlock label="Header, for apps without OAuth" code="Authorization: Bearer sbp_…" copyLabel="Copy the header" />
      <p className="muted small">
        Create the token in <Link to="/settings/tokens">Access tokens</Link> and put it in place of <code>sbp_…</code>.
      </p>
    </>
  );
}

function AuthorizedApps() {
  const toasts = useToasts();
  const { data, reload } = useLoad((signal) => settingsApi.clients(signal), 'clients');
  const revoking = useConfirmed(async (client: McpClient) => {
    await settingsApi.revokeClient(client.clientId);
    toasts.success(`${client.name} is revoked`, 'It must ask you to sign in and allow it again.');
  }, reload);

  return (
    <Panel title="Apps you authorized" lead="The AI apps you allowed to use Switchboard as you. Revoking one ends its access at once.">
      <Loaded data={data} what="your apps" retry={() => void reload()}>
        {({ clients }) =>
          clients.length === 0 ? (
            <p className="muted">No app yet: they appear here after you sign in from them and press Allow.</p>
          ) : (
            <ul className="rows" aria-label="Apps you authorized">
              {clients.map((c) => (
                <li key={c.clientId} className="row">
                  <div className="row-main">
                    <div className="row-text">
                      <h3 className="row-title">{c.name}</h3>
                      <p className="muted small">
                        Allowed {formatDate(c.authorizedAt)} · {c.lastUsedAt ? `last used ${formatDate(c.lastUsedAt)}` : 'not used yet'}
                      </p>
                      <p className="small">
                        <code className="break muted">{c.clientId}</code>
                      </p>
                    </div>
                  </div>
                  <div className="row-actions">
                    <Button variant="danger" onClick={() => revoking.ask(c)}>
                      Revoke
                    </Button>
                  </div>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      <ConfirmDialog
        {...revoking.dialog}
        title={`Revoke ${revoking.target?.name ?? ''}?`}
        confirmLabel="Revoke access"
      >
        <p>Its tokens stop working at once; it must send you through sign-in and Allow again to use Switchboard.</p>
      </ConfirmDialog>
    </Panel>
  );
}
