import { useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../../api/client.ts';
import { chatApi, type ConversationSettings, type ToolAccessMode } from '../../api/chat.ts';
import { MODE_LABELS, plural } from '../../lib/labels.ts';
import { Link } from '../../router.tsx';
import { ConnectorLogo } from '../ConnectorLogo.tsx';

const MODE_LINES: Record<ToolAccessMode, string> = {
  auto: 'Loads every tool while they fit, else finds them on demand.',
  always: 'Every tool definition, in every request.',
  on_demand: 'A search tool; the assistant finds what it needs.',
};

/**
 * The menu of the '+' button (and of '/' typed first in the message box): this conversation's connectors, each
 * with an on/off switch, its tool access mode with the figures behind it, and the way to manage connectors.
 * A non-modal dialog: focus moves in, Escape or a click outside closes it and focus goes back to the box.
 */
export function ConnectorsMenu({ conversationId, onClose }: { conversationId: string | undefined; onClose: (refocus: boolean) => void }) {
  const [settings, setSettings] = useState<ConversationSettings | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [saving, setSaving] = useState<string | undefined>();
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();

  useEffect(() => {
    if (!conversationId) return;
    const controller = new AbortController();
    chatApi
      .settings(conversationId, controller.signal)
      .then(setSettings)
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(err as ApiError);
      });
    return () => controller.abort();
  }, [conversationId]);

  // Focus moves in at once (the menu itself while it loads), then to its first switch once there is one.
  const focused = useRef(false);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  useEffect(() => {
    if (focused.current || !ref.current || (!settings && !error)) return;
    focused.current = true;
    if (!ref.current.contains(document.activeElement) || document.activeElement === ref.current) {
      ref.current.querySelector<HTMLElement>('[role="switch"], input:not(:disabled), a')?.focus();
    }
  }, [settings, error]);

  // Escape, or a click outside, closes it.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onClose(true);
      }
    };
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (ref.current && !ref.current.contains(target) && !(target instanceof Element && target.closest('.composer-plus'))) onClose(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [onClose]);

  const save = async (key: string, body: { toolAccess?: ToolAccessMode | null; connectors?: Record<string, boolean> }, shown: ConversationSettings) => {
    if (!conversationId || !settings) return;
    const before = settings;
    // Shown at once; the server's answer (with the figures it implies) replaces it, an error puts it back.
    setSettings(shown);
    setSaving(key);
    setError(undefined);
    try {
      setSettings(await chatApi.setSettings(conversationId, body));
    } catch (err) {
      setSettings(before);
      setError(err as ApiError);
    } finally {
      setSaving(undefined);
    }
  };

  const t = settings?.toolAccess;
  const on = settings?.connectors.filter((c) => c.on).length ?? 0;
  return (
    <div className="chat-menu card" role="dialog" aria-modal="false" aria-labelledby={titleId} ref={ref} tabIndex={-1}>
      <section className="chat-menu-section" aria-labelledby={`${titleId}`}>
        <h2 className="chat-menu-heading" id={titleId}>
          Connectors
        </h2>
        {!settings && !error ? <p className="muted small">Loading…</p> : null}
        {settings && settings.connectors.length === 0 ? (
          <p className="small muted">
            No connected apps yet. <Link to="/directory">Browse the directory</Link> to connect one.
          </p>
        ) : null}
        {settings && settings.connectors.length > 0 ? (
          <ul className="chat-menu-connectors">
            {settings.connectors.map((c) => (
              <li key={c.connector}>
                <ConnectorLogo name={c.name} logoUrl={null} size={24} />
                <span className="chat-menu-connector">
                  <span className="chat-menu-name">{c.name}</span>
                  <span className="muted small">{plural(c.tools, 'tool')}</span>
                </span>
                <button
                  type="button"
                  role="switch"
                  aria-checked={c.on}
                  aria-label={c.name}
                  className="switch chat-switch"
                  aria-busy={saving === `connector:${c.connector}` || undefined}
                  disabled={saving !== undefined}
                  onClick={() => void save(`connector:${c.connector}`, { connectors: { [c.connector]: !c.on } }, { ...settings, connectors: settings.connectors.map((x) => (x.connector === c.connector ? { ...x, on: !c.on } : x)) })}
                >
                  <span className="switch-knob" aria-hidden="true" />
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        {settings?.advice ? (
          <p className="chat-menu-advice small" role="note">
            {settings.advice}
          </p>
        ) : settings && settings.connectors.length > 0 ? (
          <p className="small muted">
            {plural(on, 'connector')} on here. Keep fewer than 10 on: from 10, Auto finds tools on demand.
          </p>
        ) : null}
        {settings?.problems.map((p) => (
          <p key={p.connector} className="small field-error">
            {p.message}
          </p>
        ))}
      </section>

      <fieldset className="chat-menu-section chat-menu-modes" disabled={!settings || saving !== undefined}>
        <legend className="chat-menu-heading">Tool access</legend>
        {(['auto', 'always', 'on_demand'] as const).map((mode) => (
          <label key={mode} className="chat-menu-mode">
            <input
              type="radio"
              name={`${titleId}-mode`}
              checked={t?.mode === mode}
              onChange={() => settings && void save('mode', { toolAccess: mode === settings.toolAccess.personDefault ? null : mode }, { ...settings, toolAccess: { ...settings.toolAccess, mode } })}
            />
            <span>
              <span className="chat-menu-name">
                {MODE_LABELS[mode]}
                {t?.personDefault === mode ? <span className="muted small"> · your default</span> : null}
              </span>
              <span className="muted small">{MODE_LINES[mode]}</span>
            </span>
          </label>
        ))}
        {t ? (
          <>
            <p className="chat-menu-figures small">
              Next answer: <strong>{t.resolvesTo === 'always' ? 'every tool loaded' : 'tools found on demand'}</strong>. {t.reason}
            </p>
            <div className={`meter${t.definitionTokens > t.budgetTokens ? ' meter-over' : ''}`}>
              <span>
                Tool definitions: {t.definitionTokens.toLocaleString()} of {t.budgetTokens.toLocaleString()} tokens
              </span>
              <span className="meter-bar" aria-hidden="true">
                <span className="meter-fill" style={{ width: `${Math.min(100, (t.definitionTokens / Math.max(1, t.budgetTokens)) * 100)}%` }} />
              </span>
            </div>
          </>
        ) : null}
      </fieldset>

      {error ? (
        <div className="notice notice-error small" role="alert">
          <p>{error.message}</p>
          {error.reference ? <p className="notice-ref">Reference <code>{error.reference}</code></p> : null}
        </div>
      ) : null}

      <div className="chat-menu-links">
        <Link to="/settings" className="btn btn-ghost">
          Manage connectors
        </Link>
        <Link to="/directory" className="btn btn-ghost">
          Browse the directory
        </Link>
      </div>
    </div>
  );
}
