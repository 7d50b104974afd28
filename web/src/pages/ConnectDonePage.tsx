import { useEffect } from 'react';
import { Link, useSearchParams } from '../router.tsx';

/** Message the connect popup sends its opener (lib/connect-popup.ts listens for it). */
export interface ConnectionMessage {
  type: 'switchboard:connection';
  ok: boolean;
  connector?: string;
  error?: { code: string; message: string; reference: string };
}

/**
 * Where the OAuth callback sends the browser after a connection (returnTo). In the popup the app opened, it tells
 * the opener and closes; opened any other way, it says what happened and links on.
 */
export function ConnectDonePage() {
  const params = useSearchParams();
  const connector = params.get('connected') ?? undefined;
  const popup = Boolean(window.opener && window.opener !== window);

  useEffect(() => {
    if (!popup) return;
    const message: ConnectionMessage = { type: 'switchboard:connection', ok: Boolean(connector), ...(connector ? { connector } : {}) };
    try {
      window.opener.postMessage(message, window.location.origin);
      window.close();
    } catch {
      // The opener went away: this page stays and says what happened.
    }
  }, [popup, connector]);

  return (
    <div className="center-page">
      <main className="card narrow" id="main">
        <h1>{connector ? 'Connected' : 'Nothing to finish here'}</h1>
        <p>{connector ? 'The connection is stored. You can close this window, or go on to the connector.' : 'This page finishes connecting a service. Start from the directory.'}</p>
        <p>
          <Link to={connector ? `/connectors/${encodeURIComponent(connector)}` : '/directory'}>{connector ? 'Open the connector' : 'Go to the directory'}</Link>
        </p>
      </main>
    </div>
  );
}
