import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../../api/client.ts';
import { Button } from '../Button.tsx';
import { Dialog } from '../Dialog.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { CheckIcon, CopyIcon } from './icons.tsx';
import { Link, useLocation } from '../../router.tsx';

/** Pieces the Settings and Admin pages share: loading, sub-navigation, copying, confirming, switches, choices. */

export type Load<T> = { state: 'loading' } | { state: 'error'; error: ApiError } | { state: 'ready'; value: T };

const asApiError = (err: unknown) => (err instanceof ApiError ? err : new ApiError(0, 'unexpected', (err as Error).message));

/**
 * Loads something from the API when `key` changes (the request is aborted if the page moves on), and again on
 * `reload()`; a reload keeps showing the previous value until the new one arrives.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, key: string): { data: Load<T>; reload: () => Promise<void>; set: (value: T) => void } {
  const [data, setData] = useState<Load<T>>({ state: 'loading' });
  const loader = useRef(load);
  loader.current = load;
  const current = useRef<AbortController | undefined>(undefined);
  const run = useCallback(async (fresh: boolean) => {
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    if (fresh) setData({ state: 'loading' });
    try {
      const value = await loader.current(controller.signal);
      if (!controller.signal.aborted) setData({ state: 'ready', value });
    } catch (err) {
      if ((err as Error).name !== 'AbortError' && !controller.signal.aborted) setData({ state: 'error', error: asApiError(err) });
    }
  }, []);
  useEffect(() => {
    void run(true);
    return () => current.current?.abort();
  }, [key, run]);
  const reload = useCallback(() => run(false), [run]);
  const set = useCallback((value: T) => setData({ state: 'ready', value }), []);
  return { data, reload, set };
}

/** What a section shows while loading or after a failure; the value otherwise. */
export function Loaded<T>({ data, what, retry, children }: { data: Load<T>; what: string; retry?: () => void; children: (value: T) => ReactNode }) {
  if (data.state === 'loading') {
    return (
      <p className="muted loading-line" aria-busy="true">
        <span className="spinner" aria-hidden="true" /> Loading {what}…
      </p>
    );
  }
  if (data.state === 'error') return <ErrorNotice error={data.error} title={`${what[0]!.toUpperCase()}${what.slice(1)} could not be loaded`} action={retry ? <Button onClick={retry}>Try again</Button> : undefined} />;
  return <>{children(data.value)}</>;
}

export interface SubNavItem {
  path: string;
  label: string;
}

/** The tabs between the sections of Settings or Admin: links (each section has its own address). */
export function SubNav({ label, items }: { label: string; items: readonly SubNavItem[] }) {
  const { pathname } = useLocation();
  const active = items.find((i) => pathname === i.path) ?? items[0];
  const list = useRef<HTMLUListElement>(null);
  // On a phone the tabs scroll sideways: bring the current one into view (the row only, never the page).
  useEffect(() => {
    const row = list.current;
    const current = row?.querySelector<HTMLElement>('[aria-current="page"]');
    if (!row || !current || row.scrollWidth <= row.clientWidth) return;
    row.scrollLeft = Math.max(0, current.offsetLeft - (row.clientWidth - current.offsetWidth) / 2);
  }, [pathname]);
  return (
    <nav aria-label={label} className="subnav">
      <ul ref={list}>
        {items.map((item) => (
          <li key={item.path}>
            <Link to={item.path} aria-current={item === active ? 'page' : undefined} className="subnav-link">
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** A titled block of a settings page. */
export function Panel({ title, lead, actions, children, id }: { title: string; lead?: ReactNode; actions?: ReactNode; children: ReactNode; id?: string }) {
  const generated = useId();
  const headingId = id ?? generated;
  return (
    <section className="card panel" aria-labelledby={headingId}>
      <div className="panel-head">
        <div>
          <h2 id={headingId}>{title}</h2>
          {lead ? <p className="muted panel-lead">{lead}</p> : null}
        </div>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

/** Copies a text to the clipboard and says so (to screen readers too). */
export function CopyButton({ text, label, className }: { text: string; label: string; className?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState('idle'), 2500);
  };
  return (
    <>
      <button type="button" className={['btn', 'btn-secondary', 'btn-small', className].filter(Boolean).join(' ')} onClick={() => void copy()} aria-label={label}>
        {state === 'copied' ? <CheckIcon /> : <CopyIcon />}
        <span aria-hidden="true">{state === 'copied' ? 'Copied' : 'Copy'}</span>
      </button>
      <span className="visually-hidden" role="status">
        {state === 'copied' ? 'Copied to the clipboard' : state === 'failed' ? 'Could not copy: select the text and copy it yourself' : ''}
      </span>
    </>
  );
}

/** A command or file to copy as is, with its label and a copy button. */
export function CodeBlock({ label, code, copyLabel }: { label: string; code: string; copyLabel?: string }) {
  const id = useId();
  return (
    <div className="codeblock">
      <div className="codeblock-head">
        <span id={id} className="codeblock-label">
          {label}
        </span>
        <CopyButton text={code} label={copyLabel ?? `Copy: ${label}`} />
      </div>
      <pre aria-labelledby={id} tabIndex={0}>
        <code>{code}</code>
      </pre>
    </div>
  );
}

/** Asks before something that cannot be undone; the confirm button names the action. */
export function ConfirmDialog({
  open,
  title,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  busy?: boolean;
  error?: ApiError | undefined;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button variant="danger" busy={busy ?? false} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      {children}
      {error ? <ErrorNotice error={error} /> : null}
    </Dialog>
  );
}

/**
 * Something waiting for a confirmation (a row to revoke): `ask(target)` opens the dialog, whose props `dialog` holds;
 * confirming runs `act`, closes the dialog when it succeeds, then runs `after` (a reload). A refusal stays in the
 * dialog until it is closed.
 */
export function useConfirmed<T>(act: (target: T) => Promise<void>, after?: () => Promise<void>) {
  const [target, setTarget] = useState<T | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const confirm = async () => {
    if (target === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      await act(target);
      setTarget(undefined);
      await after?.();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const close = () => {
    setTarget(undefined);
    setError(undefined);
  };
  return { target, ask: setTarget, dialog: { open: target !== undefined, busy, error, onConfirm: () => void confirm(), onClose: close } };
}

/** An on/off switch (a button with role="switch"), its label beside it and an optional line under. */
export function Switch({ checked, label, hint, busy, disabled, onChange }: { checked: boolean; label: string; hint?: ReactNode; busy?: boolean; disabled?: boolean; onChange: (next: boolean) => void }) {
  const labelId = useId();
  const hintId = useId();
  return (
    <div className="switch-row">
      <button
        type="button"
        role="switch"
        aria-checked={checked}
        aria-labelledby={labelId}
        aria-describedby={hint ? hintId : undefined}
        aria-busy={busy || undefined}
        disabled={disabled || busy}
        className="switch"
        onClick={() => onChange(!checked)}
      >
        <span className="switch-knob" aria-hidden="true" />
      </button>
      <div className="switch-text">
        <span id={labelId} className="switch-label">
          {label}
        </span>
        {hint ? (
          <span id={hintId} className="muted small">
            {hint}
          </span>
        ) : null}
      </div>
    </div>
  );
}

export interface Choice<V extends string> {
  value: V;
  label: string;
}

/** A row of mutually exclusive choices: native radio buttons (arrow keys move between them), drawn as one control. */
export function Segmented<V extends string>({ legend, value, choices, onChange, disabled, hideLegend, tone }: { legend: string; value: V; choices: readonly Choice<V>[]; onChange: (value: V) => void; disabled?: boolean; hideLegend?: boolean; tone?: (value: V) => string }) {
  const name = useId();
  return (
    <fieldset className="segmented" disabled={disabled}>
      <legend className={hideLegend ? 'visually-hidden' : 'segmented-legend'}>{legend}</legend>
      <div className="segmented-options">
        {choices.map((choice) => (
          <label key={choice.value} className={`segmented-option ${tone ? tone(choice.value) : ''}`}>
            <input type="radio" name={name} value={choice.value} checked={value === choice.value} onChange={() => onChange(choice.value)} />
            <span>{choice.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A native select with its label (visually hidden when the row already says what it is). */
export function SelectField<V extends string>({ label, value, options, onChange, hideLabel, disabled, hint, className }: { label: string; value: V; options: readonly Choice<V>[]; onChange: (value: V) => void; hideLabel?: boolean; disabled?: boolean; hint?: ReactNode; className?: string }) {
  const id = useId();
  return (
    <div className={['field', 'select-field', className].filter(Boolean).join(' ')}>
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : undefined}>
        {label}
      </label>
      <select id={id} value={value} disabled={disabled} onChange={(event) => onChange(event.target.value as V)} aria-describedby={hint ? `${id}-hint` : undefined}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export const DECISION_LABELS = { allow: 'Allow', ask: 'Ask', block: 'Block' } as const;

/** Allow (green), Ask (amber) or Block (red), as a badge. */
export function DecisionBadge({ decision }: { decision: 'allow' | 'ask' | 'block' }) {
  return <span className={`badge badge-${decision === 'allow' ? 'success' : decision === 'ask' ? 'warning' : 'danger'}`}>{DECISION_LABELS[decision]}</span>;
}
export const CATEGORY_NAMES = { read: 'Read', write: 'Write and delete', other: 'Other' } as const;
export const CATEGORY_HINTS = {
  read: 'Tools that only look things up.',
  write: 'Tools that create, change or delete.',
  other: 'Tools that say neither.',
} as const;

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}
