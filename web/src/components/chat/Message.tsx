import { lazy, Suspense, useState, type ReactNode } from 'react';
import { isToolUIPart, type DynamicToolUIPart, type ToolUIPart } from 'ai';
import { ApiError } from '../../api/client.ts';
import { resultText, type AppChoiceData, type AppSuggestionData, type ApprovalData, type CallToolResult, type ChatMessage, type ConnectData, type ErrorData, type RefusalData, type ToolMetadata } from '../../api/chat.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { Button } from '../Button.tsx';
import { ConnectorLogo } from '../ConnectorLogo.tsx';
import { CheckIcon } from '../Icons.tsx';
import { useChatActions } from './context.ts';
import { AlertIcon, BlockIcon, ChevronIcon, LockIcon, ToolIcon } from './icons.tsx';
import { Markdown } from './Markdown.tsx';

/** The MCP Apps host is loaded only when a conversation shows an app (it brings the MCP protocol code with it). */
const AppFrame = lazy(() => import('./AppFrame.tsx'));

type AnyToolPart = ToolUIPart | DynamicToolUIPart;
type Part = ChatMessage['parts'][number];

const CONNECT_META = 'io.switchboard/connect';

export function MessageView({ message, last }: { message: ChatMessage; last: boolean }) {
  if (message.role === 'user') {
    const text = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
    return (
      <li className="msg msg-user">
        <h2 className="visually-hidden">You said</h2>
        <div className="msg-bubble">{text}</div>
      </li>
    );
  }
  const tools = new Map<string, AnyToolPart>();
  for (const p of message.parts) if (isToolPart(p)) tools.set(p.toolCallId, p);
  const refused = new Set(message.parts.filter((p) => p.type === 'data-refusal').map((p) => (p.data as RefusalData).toolCallId));
  // Directory connectors that would fit: one short list after the answer, not a card each before it.
  const suggestions = message.parts.flatMap((p) => (p.type === 'data-app-suggestion' ? [p.data as AppSuggestionData] : []));
  return (
    <li className="msg msg-assistant">
      <h2 className="visually-hidden">Assistant</h2>
      <div className="msg-body">
        {message.parts.map((part, i) => (
          <PartView key={partKey(part, i)} part={part} tools={tools} refused={refused} last={last} />
        ))}
        {suggestions.length > 0 ? <Suggestions list={suggestions} collapsed={tools.size > 0} /> : null}
      </div>
    </li>
  );
}

function partKey(part: Part, i: number): string {
  if (isToolPart(part)) return `tool-${part.toolCallId}`;
  if ('id' in part && typeof part.id === 'string' && part.type.startsWith('data-')) return `${part.type}-${part.id}`;
  return `${part.type}-${i}`;
}

function isToolPart(part: Part): part is AnyToolPart {
  return isToolUIPart(part as never);
}

function PartView({ part, tools, refused, last }: { part: Part; tools: Map<string, AnyToolPart>; refused: Set<string>; last: boolean }) {
  if (part.type === 'text') return part.text ? <Markdown text={part.text} /> : null;
  if (isToolPart(part)) return <ToolStep part={part} refused={refused.has(part.toolCallId)} last={last} />;
  switch (part.type) {
    case 'data-approval': {
      const data = part.data as ApprovalData;
      return <ApprovalCard data={data} tool={tools.get(data.toolCallId)} />;
    }
    case 'data-connect':
      return <ConnectCard data={part.data as ConnectData} last={last} />;
    case 'data-refusal':
      return <RefusalNotice data={part.data as RefusalData} />;
    case 'data-app-choice':
      return <AppChoice data={part.data as AppChoiceData} last={last} />;
    case 'data-error':
      return <ErrorPart data={part.data as ErrorData} />;
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tool steps.

function metaOf(part: AnyToolPart): ToolMetadata | undefined {
  const meta = part.toolMetadata as Partial<ToolMetadata> | undefined;
  return meta && typeof meta.connector === 'string' ? (meta as ToolMetadata) : undefined;
}

function toolNameOf(part: AnyToolPart): string {
  return part.type === 'dynamic-tool' ? part.toolName : part.type.slice('tool-'.length);
}

function needsConnect(output: unknown): boolean {
  const meta = (output as CallToolResult | undefined)?._meta;
  return Boolean(meta && typeof meta === 'object' && CONNECT_META in meta);
}

type StepState = { label: string; tone: 'running' | 'ok' | 'error' | 'waiting' | 'denied' };

function stepState(part: AnyToolPart, refused: boolean, busy: boolean): StepState {
  switch (part.state) {
    case 'input-streaming':
    case 'input-available':
      return busy ? { label: 'Running…', tone: 'running' } : { label: 'Not run', tone: 'denied' };
    case 'approval-requested':
      return { label: 'Waiting for your approval', tone: 'waiting' };
    case 'approval-responded':
      return part.approval.approved ? (busy ? { label: 'Approved, running…', tone: 'running' } : { label: 'Approved', tone: 'waiting' }) : { label: 'Denied', tone: 'denied' };
    case 'output-available': {
      const output = part.output as CallToolResult | undefined;
      if (needsConnect(output)) return { label: 'Needs connecting', tone: 'waiting' };
      return output?.isError ? { label: 'Failed', tone: 'error' } : { label: 'Done', tone: 'ok' };
    }
    case 'output-error':
      return refused ? { label: 'Refused', tone: 'error' } : { label: 'Failed', tone: 'error' };
    case 'output-denied':
      return { label: 'Denied', tone: 'denied' };
    default:
      return { label: '', tone: 'running' };
  }
}

function ToolStep({ part, refused, last }: { part: AnyToolPart; refused: boolean; last: boolean }) {
  const { busy, sandboxUrl } = useChatActions();
  const meta = metaOf(part);
  const name = toolNameOf(part);
  // Only the answer being written can have a step running.
  const state = stepState(part, refused, busy && last);
  const title = meta ? (meta.title ?? meta.tool) : name;
  const output = part.state === 'output-available' ? (part.output as CallToolResult | undefined) : undefined;
  const showApp = Boolean(meta?.resourceUri && output && !output.isError && sandboxUrl);
  return (
    <div className="tool-step-wrap">
      <details className={`tool-step tool-${state.tone}`}>
        <summary>
          <ChevronIcon />
          <span className="tool-step-icon">
            <ToolIcon />
          </span>
          <span className="tool-step-title">
            {meta ? <span className="tool-step-connector">{meta.connectorName}</span> : null}
            <span className="tool-step-name">{title}</span>
          </span>
          <span className={`tool-step-state state-${state.tone}`}>
            {state.tone === 'running' ? <span className="spinner" aria-hidden="true" /> : null}
            {state.label}
          </span>
        </summary>
        <div className="tool-step-body">
          <p className="tool-step-id small muted">
            <code>{name}</code>
          </p>
          <h3>Input</h3>
          <pre className="tool-io">{formatJson(part.input)}</pre>
          {part.state === 'output-available' ? (
            <>
              <h3>{output?.isError ? 'Error' : 'Result'}</h3>
              <pre className={`tool-io${output?.isError ? ' tool-io-error' : ''}`}>{resultText(part.output) || '(empty)'}</pre>
            </>
          ) : null}
          {part.state === 'output-error' ? (
            <>
              <h3>Error</h3>
              <pre className="tool-io tool-io-error">{part.errorText}</pre>
            </>
          ) : null}
          {part.state === 'output-denied' ? <p className="muted small">You denied this call: it never reached {meta?.connectorName ?? 'the connector'}.</p> : null}
        </div>
      </details>
      {showApp && meta && output ? (
        <Suspense fallback={<p className="muted small app-loading">Loading {meta.connectorName}'s app…</p>}>
          <AppFrame meta={meta as ToolMetadata & { resourceUri: string }} input={part.input} output={output} />
        </Suspense>
      ) : null}
    </div>
  );
}

function formatJson(value: unknown): string {
  if (value === undefined) return '(none)';
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cards.

function Card({ tone, icon, title, children, labelledBy }: { tone: 'accent' | 'warning' | 'danger' | 'success' | 'neutral'; icon?: ReactNode; title: ReactNode; children: ReactNode; labelledBy: string }) {
  return (
    <section className={`chat-card chat-card-${tone}`} aria-labelledby={labelledBy}>
      <h3 className="chat-card-title" id={labelledBy}>
        {icon}
        <span>{title}</span>
      </h3>
      {children}
    </section>
  );
}

function InputList({ input }: { input: unknown }) {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return <pre className="tool-io">{formatJson(input)}</pre>;
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length === 0) return <p className="muted small">No input.</p>;
  return (
    <dl className="input-list">
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function ApprovalCard({ data, tool }: { data: ApprovalData; tool: AnyToolPart | undefined }) {
  const { approve, allowAlways, busy } = useChatActions();
  const [working, setWorking] = useState<'always' | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const id = `approval-${data.approvalId}`;
  const title = data.title ?? data.tool;
  const pending = tool?.state === 'approval-requested';
  const approved = tool && tool.state !== 'approval-requested' && 'approval' in tool && tool.approval ? tool.approval.approved === true : undefined;

  const always = async () => {
    setError(undefined);
    setWorking('always');
    try {
      await allowAlways(data.approvalId);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'unexpected', (err as Error).message));
    } finally {
      setWorking(undefined);
    }
  };

  return (
    <Card tone={pending ? 'accent' : approved ? 'success' : 'neutral'} icon={<LockIcon />} title={pending ? `Allow ${data.connectorName} to run “${title}”?` : approved ? `Allowed: ${title}` : `Denied: ${title}`} labelledBy={id}>
      <p className="chat-card-line">
        <ConnectorLogo name={data.connectorName} logoUrl={null} size={20} />
        <span>
          {data.connectorName} · <code>{data.tool}</code>
        </span>
      </p>
      {pending ? (
        <>
          <InputList input={data.input} />
          <p className="chat-card-reason">{data.reason}</p>
          {error ? (
            <div className="notice notice-error" role="alert">
              <p>{error.message}</p>
              {error.reference ? <p className="notice-ref">Reference <code>{error.reference}</code></p> : null}
            </div>
          ) : null}
          <div className="chat-card-actions">
            <Button variant="primary" onClick={() => approve(data.approvalId, true)} disabled={Boolean(working) || busy}>
              Allow once
            </Button>
            <Button onClick={() => void always()} busy={working === 'always'} disabled={!data.allowAlways.possible || busy} aria-describedby={`${id}-always`}>
              Allow always
            </Button>
            <Button variant="danger" onClick={() => approve(data.approvalId, false)} disabled={Boolean(working) || busy}>
              Deny
            </Button>
          </div>
          <p className="chat-card-note small" id={`${id}-always`}>
            {alwaysNote(data)}
          </p>
        </>
      ) : (
        <p className="muted small">{approved ? (tool?.state === 'approval-responded' ? 'Running it now…' : 'You allowed this call.') : 'You denied this call: it never reached the connector.'}</p>
      )}
    </Card>
  );
}

/** What Allow always would do, or why it cannot; without repeating the policy's reason the card already shows. */
function alwaysNote(data: ApprovalData): string {
  const { possible, reason } = data.allowAlways;
  const rest = reason.startsWith(data.reason) ? reason.slice(data.reason.length).trim() : reason;
  if (possible) return `Allow always: ${rest || reason}`;
  return /^Allow always\b/.test(rest) ? rest : `Allow always is not available: ${rest || reason}`;
}

function ConnectCard({ data, last }: { data: ConnectData; last: boolean }) {
  const { connect, busy } = useChatActions();
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const id = `connect-${data.toolCallId}`;
  const again = data.code !== 'not_connected';
  if (data.status === 'connected') {
    return (
      <Card tone="success" icon={<CheckIcon />} title={`${data.name} is connected`} labelledBy={id}>
        <p className="small muted">The paused request ran again with the same input.</p>
      </Card>
    );
  }
  const press = async () => {
    setError(undefined);
    setWorking(true);
    try {
      await connect(data);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'unexpected', (err as Error).message));
    } finally {
      setWorking(false);
    }
  };
  return (
    <Card tone="warning" icon={<AlertIcon />} title={again ? `Reconnect ${data.name} to continue` : `Connect ${data.name} to continue`} labelledBy={id}>
      <p>
        {again
          ? `Your connection to ${data.name} stopped working (it expired, or access was revoked at ${data.name}). Reconnect it, and the same request runs again.`
          : `This step needs your ${data.name} account. Connect it, and the same request runs again.`}
      </p>
      {error ? (
        <div className="notice notice-error" role="alert">
          <p>{error.message}</p>
          {error.reference ? <p className="notice-ref">Reference <code>{error.reference}</code></p> : null}
        </div>
      ) : null}
      {last ? (
        <div className="chat-card-actions">
          <Button variant="primary" busy={working} disabled={busy && !working} onClick={() => void press()}>
            {again ? `Reconnect ${data.name}` : `Connect ${data.name}`}
          </Button>
        </div>
      ) : (
        <p className="small muted">This request was not finished. Ask again to continue.</p>
      )}
      {working ? <p className="muted small">Finish signing in to {data.name} in the window that opened.</p> : null}
      <p className="notice-ref">
        Reference <code>{data.reference}</code>
      </p>
    </Card>
  );
}

function RefusalNotice({ data }: { data: RefusalData }) {
  return (
    <Card tone="danger" icon={<BlockIcon />} title="Not allowed" labelledBy={`refusal-${data.toolCallId}`}>
      <p className="chat-card-reason">{data.reason}</p>
      <p className="notice-ref">
        Reference <code>{data.reference}</code>: quote it if you ask for help.
      </p>
    </Card>
  );
}

function AppChoice({ data, last }: { data: AppChoiceData; last: boolean }) {
  const { pick, busy } = useChatActions();
  return (
    <div className="app-choice" role="group" aria-label="Apps that could do this">
      {data.apps.map((app) => (
        <button key={app.connector} type="button" className="app-chip" onClick={() => pick(app.connector)} disabled={!last || busy} title={app.description}>
          <ConnectorLogo name={app.name} logoUrl={null} size={22} />
          <span>Use {app.name}</span>
        </button>
      ))}
    </div>
  );
}

/** Apps to connect: a list when nothing connected did the work; one line to open when a connected app did. */
function Suggestions({ list, collapsed }: { list: AppSuggestionData[]; collapsed: boolean }) {
  const rows = (
    <ul>
      {list.map((s) => (
        <SuggestionRow key={s.connector} data={s} />
      ))}
    </ul>
  );
  const names = list.map((s) => s.name).join(', ');
  if (collapsed) {
    return (
      <details className="suggestions">
        <summary>
          {list.length === 1 ? 'An app you have not connected also fits' : `${list.length} apps you have not connected also fit`}: {names}
        </summary>
        {rows}
      </details>
    );
  }
  return (
    <section className="suggestions" aria-labelledby={`suggestions-${list[0]!.connector}`}>
      <h3 id={`suggestions-${list[0]!.connector}`} className="suggestions-title">
        {list.length === 1 ? 'An app you could connect for this' : 'Apps you could connect for this'}
      </h3>
      {rows}
    </section>
  );
}

function SuggestionRow({ data }: { data: AppSuggestionData }) {
  const { connectSuggested } = useChatActions();
  const { org } = useSession();
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [done, setDone] = useState(false);
  const press = async () => {
    setError(undefined);
    setWorking(true);
    try {
      await connectSuggested(data);
      setDone(true);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'unexpected', (err as Error).message));
    } finally {
      setWorking(false);
    }
  };
  return (
    <li className="suggestion">
      <ConnectorLogo name={data.name} logoUrl={null} size={28} />
      <div className="suggestion-text">
        <p className="suggestion-name">
          <Link to={`/connectors/${encodeURIComponent(data.connector)}`}>{data.name}</Link>
          {!data.enabledInOrganization ? <span className="muted small"> · an owner must turn it on for {org?.organization.name ?? 'your organization'} first</span> : null}
        </p>
        <p className="suggestion-line small muted" title={data.description}>
          {data.description}
        </p>
        {error ? (
          <p className="field-error" role="alert">
            {error.message}
          </p>
        ) : null}
      </div>
      {done ? (
        <span className="status-ok small">
          <CheckIcon /> Connected
        </span>
      ) : data.enabledInOrganization ? (
        <Button busy={working} onClick={() => void press()} aria-label={`Connect ${data.name}`}>
          Connect
        </Button>
      ) : null}
    </li>
  );
}

function ErrorPart({ data }: { data: ErrorData }) {
  return (
    <div className="notice notice-error chat-error" role="alert">
      <p className="notice-title">The answer stopped</p>
      <p>{data.message}</p>
      <p className="notice-ref">
        Reference <code>{data.reference}</code>: quote it if you ask for help.
      </p>
    </div>
  );
}

/** Whether the last answer is waiting for the person (an approval card, a Connect card, app chips). */
export function waitingFor(message: ChatMessage | undefined): 'approval' | 'connect' | 'choice' | undefined {
  if (!message || message.role !== 'assistant') return undefined;
  if (message.parts.some((p) => isToolPart(p) && p.state === 'approval-requested')) return 'approval';
  if (message.parts.some((p) => p.type === 'data-connect' && (p.data as ConnectData).status === 'needed')) return 'connect';
  if (message.parts.some((p) => p.type === 'data-app-choice')) return 'choice';
  return undefined;
}

