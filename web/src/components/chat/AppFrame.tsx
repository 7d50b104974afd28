import { useCallback, useEffect, useRef, useState } from 'react';
import { AppBridge } from '@modelcontextprotocol/ext-apps/app-bridge';
import type { McpUiDisplayMode, McpUiHostContext } from '@modelcontextprotocol/ext-apps/app-bridge';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { ApiError } from '../../api/client.ts';
import { chatApi, type CallToolResult, type ToolMetadata, type UiResourceContent } from '../../api/chat.ts';
import { useTheme } from '../../theme.tsx';
import { Button } from '../Button.tsx';
import { Dialog } from '../Dialog.tsx';
import { useChatActions } from './context.ts';
import { CollapseIcon, ExpandIcon } from './icons.tsx';

/**
 * The MCP Apps host (docs/web.md#the-mcp-apps-host): an app's `ui://` resource, read through the chat API, rendered
 * in a sandboxed iframe on the sandbox origin (never this one), talking to this page through an AppBridge without
 * an MCP client of its own: every tool call and resource read it asks for goes through Switchboard's chat API, so
 * through the gateway core, with the person's permissions and under the same policy as any call. Inline at most
 * 500 px high, or full screen.
 */
const INLINE_MAX = 500;
const HOST_INFO = { name: 'Switchboard', version: '1.0.0' };

type Pending<T> = { resolve: (value: T) => void; text: string; detail?: string } | undefined;

export default function AppFrame({ meta, input, output }: { meta: ToolMetadata & { resourceUri: string }; input: unknown; output: CallToolResult }) {
  const { conversationId, sandboxUrl, draft } = useChatActions();
  const { effective: theme } = useTheme();
  const frame = useRef<HTMLIFrameElement>(null);
  const bridgeRef = useRef<AppBridge | undefined>(undefined);
  const [resource, setResource] = useState<{ html: string; content: UiResourceContent } | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [height, setHeight] = useState(320);
  const [mode, setMode] = useState<McpUiDisplayMode>('inline');
  const [ready, setReady] = useState(false);
  const [confirmLink, setConfirmLink] = useState<Pending<boolean>>();
  const [confirmCall, setConfirmCall] = useState<Pending<boolean>>();
  const modeRef = useRef(mode);
  modeRef.current = mode;

  // The app's HTML, through the gateway's resource path (only connectors the person may use; none when the UI is off).
  useEffect(() => {
    const controller = new AbortController();
    chatApi
      .appResource(meta.resourceUri, conversationId, controller.signal)
      .then(({ contents }) => {
        const content = contents.find((c) => typeof c.text === 'string' || typeof c.blob === 'string');
        if (!content) throw new ApiError(502, 'no_html', `${meta.connectorName} sent no page for its app, so the result is shown as text only.`);
        setResource({ html: content.text ?? decodeBase64(content.blob!), content });
      })
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(err instanceof ApiError ? err : new ApiError(0, 'unexpected', (err as Error).message));
      });
    return () => controller.abort();
  }, [meta.resourceUri, meta.connectorName, conversationId]);

  const hostContext = useCallback(
    (displayMode: McpUiDisplayMode): McpUiHostContext => ({
      theme,
      displayMode,
      availableDisplayModes: ['inline', 'fullscreen'],
      platform: 'web',
      locale: navigator.language,
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      containerDimensions: displayMode === 'fullscreen' ? { height: window.innerHeight - 56, width: window.innerWidth } : { maxHeight: INLINE_MAX, width: frame.current?.clientWidth ?? 640 },
      styles: { variables: styleVariables() },
    }),
    [theme],
  );

  // The bridge: connected before the sandbox page loads (it announces itself at once), then the app's HTML.
  useEffect(() => {
    const iframe = frame.current;
    if (!resource || !iframe?.contentWindow || !sandboxUrl) return;
    const sandboxOrigin = new URL(sandboxUrl).origin;
    const bridge = new AppBridge(null, HOST_INFO, { openLinks: {}, serverTools: {}, serverResources: {}, logging: {}, message: { text: {} } }, { hostContext: hostContext(modeRef.current) });
    bridgeRef.current = bridge;
    const ui = resource.content._meta?.ui;

    bridge.onsandboxready = () => {
      void bridge.sendSandboxResourceReady({ html: resource.html, sandbox: 'allow-scripts allow-same-origin allow-forms', ...(ui?.csp ? { csp: ui.csp } : {}), ...(ui?.permissions ? { permissions: ui.permissions } : {}) });
    };
    bridge.oninitialized = () => {
      setReady(true);
      void bridge.sendToolInput({ arguments: (input && typeof input === 'object' ? input : {}) as Record<string, unknown> });
      void bridge.sendToolResult(output as Parameters<AppBridge['sendToolResult']>[0]);
    };
    bridge.onsizechange = ({ height: h }) => {
      if (typeof h === 'number' && h > 0) setHeight(Math.ceil(h));
    };
    // The app's own calls: through the chat API and the gateway core, as the person, never past the policy.
    bridge.oncalltool = async (params) => {
      const call = (approved: boolean) => chatApi.appToolCall({ conversationId, connector: meta.connector, tool: params.name, arguments: params.arguments ?? {}, ...(approved ? { approved: true } : {}) });
      try {
        let answer = await call(false);
        if (answer.approvalRequired) {
          const yes = await new Promise<boolean>((resolve) => setConfirmCall({ resolve, text: `${meta.connectorName}'s app wants to run “${params.name}”.`, detail: answer.approvalRequired!.reason }));
          if (!yes) return { content: [{ type: 'text', text: `You declined ${params.name}: it did not run.` }], isError: true };
          answer = await call(true);
        }
        return answer.result as Awaited<ReturnType<NonNullable<AppBridge['oncalltool']>>>;
      } catch (err) {
        const message = err instanceof ApiError ? `${err.message}${err.reference ? ` (reference ${err.reference})` : ''}` : (err as Error).message;
        return { content: [{ type: 'text', text: message }], isError: true };
      }
    };
    bridge.onreadresource = async ({ uri }) => (await chatApi.appResource(namespaced(uri, meta.connector), conversationId)) as Awaited<ReturnType<NonNullable<AppBridge['onreadresource']>>>;
    bridge.onopenlink = async ({ url }) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return { isError: true };
      }
      if (target.protocol !== 'https:' && target.protocol !== 'http:') return { isError: true };
      const yes = await new Promise<boolean>((resolve) => setConfirmLink({ resolve, text: target.href }));
      if (!yes) return { isError: true };
      window.open(target.href, '_blank', 'noopener,noreferrer');
      return {};
    };
    bridge.onmessage = async (params) => {
      const text = (params.content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n').trim();
      if (text) draft(text);
      return {};
    };
    bridge.onrequestdisplaymode = async ({ mode: asked }) => {
      const next = asked === 'fullscreen' || asked === 'inline' ? asked : modeRef.current;
      setMode(next);
      return { mode: next };
    };
    bridge.onupdatemodelcontext = async () => ({});
    bridge.onloggingmessage = () => {};

    let closed = false;
    void bridge.connect(new SandboxTransport(iframe.contentWindow, sandboxOrigin)).then(() => {
      if (!closed) iframe.src = `${sandboxUrl}/sandbox.html?csp=${base64url(JSON.stringify(ui?.csp ?? {}))}`;
    });
    return () => {
      closed = true;
      bridgeRef.current = undefined;
      const done = bridge.teardownResource({}, { timeout: 500 }).catch(() => undefined);
      void done.finally(() => void bridge.close());
    };
    // The bridge lives as long as the resource; theme and size changes are sent to it below.
  }, [resource, sandboxUrl]);

  // Theme and display mode changes reach the app.
  useEffect(() => {
    if (ready) bridgeRef.current?.setHostContext(hostContext(mode));
  }, [ready, mode, hostContext]);

  // Full screen: Escape goes back inline; the page behind does not scroll.
  useEffect(() => {
    if (mode !== 'fullscreen') return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setMode('inline');
    };
    document.addEventListener('keydown', onKey);
    document.documentElement.classList.add('app-fullscreen-open');
    return () => {
      document.removeEventListener('keydown', onKey);
      document.documentElement.classList.remove('app-fullscreen-open');
    };
  }, [mode]);

  if (error) {
    return (
      <p className="app-unavailable small muted">
        {meta.connectorName}'s app could not be shown ({error.message}){error.reference ? ` Reference ${error.reference}.` : ''} The result above is its text.
      </p>
    );
  }
  const fullscreen = mode === 'fullscreen';
  const prefersBorder = resource?.content._meta?.ui?.prefersBorder !== false;
  return (
    <section className={`app-frame${fullscreen ? ' app-frame-fullscreen' : ''}${prefersBorder ? '' : ' app-frame-borderless'}`} aria-label={`${meta.connectorName} app`}>
      <div className="app-frame-bar">
        <span className="app-frame-title">
          {meta.connectorName}
          <span className="muted"> · interactive app</span>
        </span>
        <Button variant="ghost" icon={fullscreen ? <CollapseIcon /> : <ExpandIcon />} onClick={() => setMode(fullscreen ? 'inline' : 'fullscreen')} disabled={!ready}>
          {fullscreen ? 'Exit full screen' : 'Full screen'}
        </Button>
      </div>
      {!ready ? <p className="app-loading muted small">Loading {meta.connectorName}'s app…</p> : null}
      <iframe
        ref={frame}
        title={`${meta.connectorName}: ${meta.title ?? meta.tool}`}
        sandbox="allow-scripts allow-same-origin allow-forms"
        className="app-frame-iframe"
        style={fullscreen ? undefined : { height: Math.min(height, INLINE_MAX) }}
        referrerPolicy="no-referrer"
      />
      <Dialog
        open={Boolean(confirmLink)}
        title="Open this link?"
        onClose={() => {
          confirmLink?.resolve(false);
          setConfirmLink(undefined);
        }}
        footer={
          <>
            <Button
              onClick={() => {
                confirmLink?.resolve(false);
                setConfirmLink(undefined);
              }}
            >
              Cancel
            </Button>
            <Button
              variant="primary"
              onClick={() => {
                confirmLink?.resolve(true);
                setConfirmLink(undefined);
              }}
            >
              Open link
            </Button>
          </>
        }
      >
        <p>{meta.connectorName}'s app wants to open a page in a new tab:</p>
        <p>
          <code className="break">{confirmLink?.text}</code>
        </p>
      </Dialog>
      <Dialog
        open={Boolean(confirmCall)}
        title="Allow this action?"
        onClose={() => {
          confirmCall?.resolve(false);
          setConfirmCall(undefined);
        }}
        footer={
          <>
            <Button
              variant="danger"
              onClick={() => {
                confirmCall?.resolve(false);
                setConfirmCall(undefined);
              }}
            >
              Deny
            </Button>
            <Button
              variant="primary"
              onClick={() => {
                confirmCall?.resolve(true);
                setConfirmCall(undefined);
              }}
            >
              Allow once
            </Button>
          </>
        }
      >
        <p>{confirmCall?.text}</p>
        {confirmCall?.detail ? <p className="muted">{confirmCall.detail}</p> : null}
      </Dialog>
    </section>
  );
}

/**
 * postMessage to and from the sandbox frame only: messages from any other window or origin are ignored, and
 * messages go to the sandbox origin alone.
 */
class SandboxTransport implements Transport {
  readonly #target: Window;
  readonly #origin: string;
  readonly #listener = (event: MessageEvent) => {
    if (event.source !== this.#target || event.origin !== this.#origin) return;
    const data = event.data as { jsonrpc?: unknown } | undefined;
    if (data?.jsonrpc !== '2.0') return;
    this.onmessage?.(data as JSONRPCMessage);
  };
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  constructor(target: Window, origin: string) {
    this.#target = target;
    this.#origin = origin;
  }
  async start(): Promise<void> {
    window.addEventListener('message', this.#listener);
  }
  async send(message: JSONRPCMessage): Promise<void> {
    this.#target.postMessage(message, this.#origin);
  }
  async close(): Promise<void> {
    window.removeEventListener('message', this.#listener);
    this.onclose?.();
  }
}

/** An app names its resources as its server does (`ui://get-time/…`); the gateway serves them as `ui://<connector>/…`. */
function namespaced(uri: string, connector: string): string {
  if (uri.startsWith(`ui://${connector}/`)) return uri;
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s.exec(uri);
  return match ? `${match[1]}://${connector}/${match[2]}` : uri;
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeBase64(blob: string): string {
  const binary = atob(blob);
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** The host's look, for apps that follow it: colours and fonts from the app's own tokens. */
function styleVariables(): NonNullable<NonNullable<McpUiHostContext['styles']>['variables']> {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim() || undefined;
  return {
    '--color-background-primary': v('--surface'),
    '--color-background-secondary': v('--surface-2'),
    '--color-text-primary': v('--text'),
    '--color-text-secondary': v('--muted'),
    '--color-border-primary': v('--line'),
    '--color-ring-primary': v('--focus'),
    '--color-text-danger': v('--danger'),
    '--color-text-success': v('--success'),
    '--color-text-warning': v('--warning'),
    '--font-sans': v('--font'),
    '--font-mono': v('--mono'),
    '--border-radius-md': v('--radius-sm'),
    '--border-radius-lg': v('--radius'),
  } as NonNullable<NonNullable<McpUiHostContext['styles']>['variables']>;
}
