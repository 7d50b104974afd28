import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.ts';

/** An API error as a person reads it: what happened and what to do (the API's message), and the reference to quote. */
export function ErrorNotice({ error, title, action }: { error: ApiError | Error; title?: string; action?: ReactNode }) {
  const reference = 'reference' in error ? error.reference : undefined;
  return (
    <div className="notice notice-error" role="alert">
      {title ? <p className="notice-title">{title}</p> : null}
      <p>{error.message}</p>
      {reference ? (
        <p className="notice-ref">
          Reference <code>{reference}</code>: quote it if you ask for help.
        </p>
      ) : null}
      {action ? <div className="notice-actions">{action}</div> : null}
    </div>
  );
}
