import { AsyncLocalStorage } from 'node:async_hooks';
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

/**
 * The request in progress on this async path (one `UpstreamPool` call), told when its answer can no longer come: the
 * connector closed the connection or ended its event stream without answering it, or answered some other request.
 * The SDK would wait out the whole timeout then (it cannot tell, and 300 s is the default), and report a timeout.
 */
interface AnswerWatch {
  /** The JSON-RPC id of the watched request: the first request sent on this path (a signed retry sends it again). */
  id?: string | number;
  lost(how: string): void;
}
const answerWatch = new AsyncLocalStorage<AnswerWatch>();

/** Runs `fn` (one request to a connector) with its answer watched: `lost` is called when it cannot come any more. */
export function watchingAnswer<T>(lost: (how: string) => void, fn: () => Promise<T>): Promise<T> {
  return answerWatch.run({ lost }, fn);
}

/** The id of a JSON-RPC request body (not of a notification, nor of the client's answer to a connector's request). */
function requestIdOf(body: unknown): string | number | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const message = JSON.parse(body) as { id?: unknown; method?: unknown };
    return typeof message.method === 'string' && (typeof message.id === 'string' || typeof message.id === 'number') ? message.id : undefined;
  } catch {
    return undefined;
  }
}

/** A fetch that tells the watched request of this path (see `AnswerWatch`) when its answer is lost. */
function answerWatchingFetch(base: FetchLike): FetchLike {
  return async (input, init) => {
    const watch = answerWatch.getStore();
    if (!watch || init?.method !== 'POST') return base(input, init);
    const id = requestIdOf(init.body);
    if (id === undefined || (watch.id !== undefined && watch.id !== id)) return base(input, init);
    watch.id = id;
    const res = await base(input, init);
    if (!res.ok || !res.body) return res;
    const type = res.headers.get('content-type') ?? '';
    if (type.startsWith('application/json')) {
      const text = await res.text();
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        // The SDK fails the request itself (not JSON).
      }
      if (answer && typeof answer === 'object' && !Array.isArray(answer) && ('result' in answer || 'error' in answer) && (answer as { id?: unknown }).id !== id) {
        watch.lost(`answered with a response to another request (id ${JSON.stringify((answer as { id?: unknown }).id)})`);
      }
      return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
    }
    if (type.startsWith('text/event-stream')) return new Response(untilAnswered(res.body, id, watch), { status: res.status, statusText: res.statusText, headers: res.headers });
    return res;
  };
}

/**
 * The event stream of one request's answer, passed on as it comes, watched for that answer. A stream that ends or
 * breaks without it loses it — unless its events carry ids, which the SDK resumes from (a server may close early).
 */
function untilAnswered(body: ReadableStream<Uint8Array>, id: string | number, watch: AnswerWatch): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let answered = false;
  let resumable = false;
  const scan = (text: string) => {
    buffer += text.replace(/\r\n?/g, '\n');
    let end: number;
    while (!answered && (end = buffer.indexOf('\n\n')) !== -1) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      if (lines.some((line) => line.startsWith('id:') && line.slice(3).trim() !== '')) resumable = true;
      const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(line.startsWith('data: ') ? 6 : 5)).join('\n');
      if (!data.includes('"id"')) continue;
      try {
        const message = JSON.parse(data) as { id?: unknown };
        if (message.id === id && ('result' in message || 'error' in message)) answered = true;
      } catch {
        // not JSON: the SDK reports it
      }
    }
    if (answered) buffer = '';
  };
  const lost = (how: string) => {
    if (!answered && !resumable) watch.lost(how);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        lost('closed the connection in the middle of its answer');
        controller.error(err);
        return;
      }
      if (chunk.done) {
        if (!answered) scan(`${decoder.decode()}\n\n`);
        lost('ended its answer without a result');
        controller.close();
        return;
      }
      if (!answered) scan(decoder.decode(chunk.value, { stream: true }));
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
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
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: answerWatchingFetch(credentialedFetch(credentials, options.fetch)) });
  await client.connect(transport);
  return client;
}
