import { api, ApiError } from '../api/client.ts';
import type { ConnectionMessage } from '../pages/ConnectDonePage.tsx';

export type ConnectOutcome = { kind: 'connected' } | { kind: 'failed'; error: ApiError } | { kind: 'closed' } | { kind: 'redirected' };

/**
 * Connects an OAuth connector in a popup: the window opens at once (inside the click, so browsers allow it), goes to
 * the service's sign-in and consent pages, and comes back to /connect/done, which posts the outcome here and closes.
 * Errors at the callback arrive the same way (the server's error page posts them). If the person closes the window
 * first, the outcome is "closed". A browser that blocks popups gets the same flow in this window instead.
 */
export async function connectInPopup(slug: string, name: string, options: { returnTo?: string } = {}): Promise<ConnectOutcome> {
  const popup = openCentered(`Connect ${name}`);
  let authorizationUrl: string;
  try {
    // Without a popup, the flow runs in this window and comes back to `returnTo` (the connector's page by default).
    const answer = await api.connect(slug, { returnTo: popup ? '/connect/done' : (options.returnTo ?? `/connectors/${encodeURIComponent(slug)}`) });
    if (!answer.authorizationUrl) {
      popup?.close();
      return { kind: 'connected' };
    }
    authorizationUrl = answer.authorizationUrl;
  } catch (err) {
    popup?.close();
    throw err;
  }
  if (!popup) {
    window.location.assign(authorizationUrl);
    return { kind: 'redirected' };
  }
  popup.location.href = authorizationUrl;
  popup.focus();

  return new Promise<ConnectOutcome>((resolve) => {
    let done = false;
    const finish = (outcome: ConnectOutcome) => {
      if (done) return;
      done = true;
      window.removeEventListener('message', onMessage);
      window.clearInterval(poll);
      resolve(outcome);
    };
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== window.location.origin || event.source !== popup) return;
      const data = event.data as ConnectionMessage | undefined;
      if (data?.type !== 'switchboard:connection') return;
      if (data.ok) finish({ kind: 'connected' });
      else if (data.error) finish({ kind: 'failed', error: new ApiError(400, data.error.code, data.error.message, data.error.reference) });
      else finish({ kind: 'closed' });
    };
    window.addEventListener('message', onMessage);
    // Closing the window without finishing is an outcome too (a message, when there is one, comes first).
    const poll = window.setInterval(() => {
      if (popup.closed) window.setTimeout(() => finish({ kind: 'closed' }), 300);
    }, 400);
  });
}

function openCentered(title: string): Window | null {
  const width = 520;
  const height = 720;
  const left = Math.max(0, Math.round(window.screenX + (window.outerWidth - width) / 2));
  const top = Math.max(0, Math.round(window.screenY + (window.outerHeight - height) / 2));
  const popup = window.open('about:blank', 'switchboard-connect', `popup=yes,width=${width},height=${height},left=${left},top=${top}`);
  if (popup) {
    try {
      popup.document.title = title;
      popup.document.body.textContent = 'Opening the sign-in page…';
    } catch {
      // Not ours to write to: fine, it navigates in a moment.
    }
  }
  return popup;
}
