import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ApiError } from '../api/client.ts';

/** Short notices after an action ("Connected", or an error with its reference). Successes fade; errors stay until closed. */
interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  title: string;
  message?: string | undefined;
  reference?: string | undefined;
}

interface ToastApi {
  success(title: string, message?: string): void;
  info(title: string, message?: string): void;
  error(title: string, error: ApiError | Error): void;
}

const ToastContext = createContext<ToastApi | undefined>(undefined);

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);
  const push = useCallback(
    (toast: Omit<Toast, 'id'>) => {
      const id = next.current++;
      setToasts((list) => [...list.slice(-3), { ...toast, id }]);
      if (toast.kind !== 'error') window.setTimeout(() => dismiss(id), 6000);
    },
    [dismiss],
  );
  const api = useMemo<ToastApi>(
    () => ({
      success: (title, message) => push({ kind: 'success', title, message }),
      info: (title, message) => push({ kind: 'info', title, message }),
      error: (title, error) => push({ kind: 'error', title, message: error.message, reference: 'reference' in error ? (error as ApiError).reference : undefined }),
    }),
    [push],
  );
  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="toasts" role="region" aria-label="Notifications">
        <div aria-live="polite" aria-atomic="false">
          {toasts.map((t) => (
            <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
              <div className="toast-text">
                <p className="toast-title">{t.title}</p>
                {t.message ? <p>{t.message}</p> : null}
                {t.reference ? (
                  <p className="toast-ref">
                    Reference <code>{t.reference}</code>
                  </p>
                ) : null}
              </div>
              <button type="button" className="icon-btn" aria-label={`Dismiss: ${t.title}`} onClick={() => dismiss(t.id)}>
                <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
                  <path d="M5 5l10 10M15 5L5 15" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
                </svg>
              </button>
            </div>
          ))}
        </div>
      </div>
    </ToastContext.Provider>
  );
}

export function useToasts(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToasts outside ToastProvider');
  return api;
}
