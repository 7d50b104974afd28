import { Client, ProtocolError, StreamableHTTPClientTransport, type FetchLike } from '@modelcontextprotocol/client';
import { currentDownstream } from './downstream.ts';

/** Where the credentials for one person's upstream requests come from (the connections module). */
export interface CredentialSource {
  /** Headers for the next request; `rejectedAccessToken` asks for a refresh of a token the server just refused. */
  get(options?: { rejectedAccessToken?: string }): Promise<{ headers: Record<string, string>; accessToken?: string }>;
}

export type ProtocolChoice = 'auto' | '2025-11-25';

function withHeaders(init: RequestInit | undefined, headers: Record<string, string>): RequestInit | undefined {
  const names = Object.keys(headers);
  // Every upstream request passes here: a connector without credentials costs no copy at all.
  if (names.length === 0) return init;
  const merged = new Headers(init?.headers);
  for (const name of names) merged.set(name, headers[name]!);
  return { ...init, headers: merged };
}

/**
 * Signs a request with the person's credentials and, on a 401, asks once for a refreshed token and sends it
 * again: an access token revoked or expired early costs one round trip, not a failure. `discard` releases the
 * refused answer. Every transport to a connector signs through here.
 */
export async function sendSigned<R extends { status: number }>(credentials: CredentialSource, send: (headers: Record<string, string>) => Promise<R>, discard: (refused: R) => void | Promise<void>): Promise<R> {
  const first = await credentials.get();
  const res = await send(first.headers);
  if (res.status !== 401 || !first.accessToken) return res;
  await discard(res);
  const renewed = await credentials.get({ rejectedAccessToken: first.accessToken });
  return send(renewed.headers);
}

/** A fetch that signs every request (see `sendSigned`). */
export function credentialedFetch(credentials: CredentialSource, base: FetchLike = fetch): FetchLike {
  return (input, init) =>
    sendSigned(
      credentials,
      (headers) => base(input, withHeaders(init, headers)),
      (res) => res.body?.cancel().catch(() => {}),
    );
}

/** What a connector tells the gateway outside any call: its lists changed, a subscribed resource changed. */
export interface UpstreamEvents {
  onListChanged?: (kind: 'tools' | 'resources' | 'prompts') => void;
  onResourceUpdated?: (uri: string) => void;
}

const METHOD_NOT_FOUND = -32601;

function listChangedHandlers(onChanged: (kind: 'tools' | 'resources' | 'prompts') => void) {
  const one = (kind: 'tools' | 'resources' | 'prompts') => ({ autoRefresh: false, debounceMs: 0, onChanged: () => onChanged(kind) });
  return { tools: one('tools'), resources: one('resources'), prompts: one('prompts') };
}
const FORWARDED_REQUESTS = ['elicitation/create', 'sampling/createMessage', 'roots/list'] as const;

/**
 * An MCP client session to a connector, speaking 2026-07-28 when the server does and 2025-11-25 otherwise.
 * It offers elicitation, sampling and roots: what the connector asks during a call goes to the person's own
 * MCP client (see downstream.ts), and is refused when there is no call in progress to ask through.
 */
export async function openUpstream(url: string, credentials: CredentialSource, options: { protocol?: ProtocolChoice; fetch?: FetchLike; events?: UpstreamEvents } = {}): Promise<Client> {
  const client = new Client(
    { name: 'switchboard', version: '0.1.0' },
    {
      // 'legacy' is the initialize handshake (2025-11-25); a pin can only name the 2026 revision.
      versionNegotiation: { mode: options.protocol === '2025-11-25' ? 'legacy' : 'auto' },
      capabilities: { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} },
      // On 2026-07-28 the client keeps a subscriptions/listen stream open for these; on 2025 they arrive unsolicited.
      ...(options.events?.onListChanged ? { listChanged: listChangedHandlers(options.events.onListChanged) } : {}),
    },
  );
  for (const method of FORWARDED_REQUESTS) {
    client.setRequestHandler(method, async (request) => {
      const peer = currentDownstream();
      if (!peer) throw new ProtocolError(METHOD_NOT_FOUND, `Switchboard can only pass ${method} to the person's client while one of this connector's calls is in progress.`);
      return (await peer.request(method, request.params as Record<string, unknown> | undefined)) as never;
    });
  }
  client.setNotificationHandler('notifications/message', async (notification) => {
    await currentDownstream()?.notify(notification.method, notification.params as Record<string, unknown>);
  });
  const events = options.events;
  if (events?.onResourceUpdated) {
    const onUpdated = events.onResourceUpdated;
    client.setNotificationHandler('notifications/resources/updated', (notification) => onUpdated(notification.params.uri));
  }
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: credentialedFetch(credentials, options.fetch) });
  await client.connect(transport);
  return client;
}
