import { WebStandardStreamableHTTPServerTransport, type AuthInfo, type EventStore, type JSONRPCMessage, type Server } from '@modelcontextprotocol/server';
import type { Caller } from './core.ts';
import type { SessionIdCodec, SessionSeed } from './session-id.ts';

/**
 * A 2025-11-25 session: a server instance and a streamable HTTP transport kept between requests, so the
 * gateway can ask the person's client mid-call (elicitation, sampling), stream log lines and progress,
 * keep resource subscriptions and let a dropped stream resume. Its id carries what the client said at
 * `initialize`, sealed (session-id.ts): a node that does not hold the session rebuilds it from the id, so a
 * load balancer needs no affinity (docs/operating.md#several-nodes). What lives only in the node's memory — open
 * streams, their replay buffers, resource subscriptions, a question in flight — stays with the node that had it.
 * 2026-07-28 clients need none of this.
 */
export interface LegacySession {
  id: string;
  caller: Caller;
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
  subscriptions: Set<string>;
  lastSeen: number;
}

const EVENTS_PER_SESSION = 500;

/** Resumption for one session's streams: the last events of each, in memory (they die with the session). */
class SessionEventStore implements EventStore {
  readonly #events: Array<{ id: string; stream: string; message: JSONRPCMessage }> = [];
  #counter = 0;

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}_${(++this.#counter).toString().padStart(10, '0')}`;
    this.#events.push({ id, stream: streamId, message });
    if (this.#events.length > EVENTS_PER_SESSION) this.#events.shift();
    return id;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    // An id from before this node rebuilt the session still names its stream: the client resumes it (nothing to replay).
    return this.#events.find((e) => e.id === eventId)?.stream ?? streamOf(eventId);
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const last = this.#events.find((e) => e.id === lastEventId);
    const stream = last?.stream ?? streamOf(lastEventId) ?? lastEventId;
    for (const event of this.#events) {
      if (event.stream === stream && event.id > lastEventId) await send(event.id, event.message);
    }
    return stream;
  }
}

const streamOf = (eventId: string): string | undefined => {
  const at = eventId.lastIndexOf('_');
  return at > 0 ? eventId.slice(0, at) : undefined;
};

/**
 * Sessions that must not be rebuilt from their id: ended by their client (DELETE) or closed to make room. Shared
 * by every node through Redis when it is configured (redis-ended-sessions.ts).
 */
export interface EndedSessions {
  mark(id: string, ttlMs: number): Promise<void>;
  has(id: string): Promise<boolean>;
}

/** One node's record of ended sessions. */
export class MemoryEndedSessions implements EndedSessions {
  readonly #ended = new Map<string, number>();

  async mark(id: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    if (this.#ended.size > 10_000) for (const [key, until] of this.#ended) if (until < now) this.#ended.delete(key);
    this.#ended.set(id, now + ttlMs);
  }

  async has(id: string): Promise<boolean> {
    const until = this.#ended.get(id);
    return until !== undefined && until >= Date.now();
  }
}

/** A session id older than this is not rebuilt: its client starts a new session, as after any 404. */
export const SESSION_MAX_AGE_MS = 24 * 3_600_000;

export interface LegacySessionsOptions {
  idleMs: number;
  /** Oldest sessions of a person are closed past this many (a client that never ends its sessions). */
  maxPerPerson?: number;
  codec: SessionIdCodec;
  ended?: EndedSessions;
}

type BuildServer = (subscriptions: Set<string>) => Server;

interface InitializeParams {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string; title?: string };
}

export class LegacySessions {
  readonly #sessions = new Map<string, LegacySession>();
  readonly #idleMs: number;
  readonly #maxPerPerson: number;
  readonly #sweeper: NodeJS.Timeout;
  readonly #codec: SessionIdCodec;
  readonly #ended: EndedSessions;
  /** Rebuilds under way, so that concurrent requests with one id rebuild it once. */
  readonly #restoring = new Map<string, Promise<LegacySession | undefined>>();

  constructor(options: LegacySessionsOptions) {
    this.#idleMs = options.idleMs;
    this.#maxPerPerson = options.maxPerPerson ?? 50;
    this.#codec = options.codec;
    this.#ended = options.ended ?? new MemoryEndedSessions();
    this.#sweeper = setInterval(() => this.#sweep(), Math.min(60_000, this.#idleMs)).unref();
  }

  get(id: string): LegacySession | undefined {
    const session = this.#sessions.get(id);
    if (session) session.lastSeen = Date.now();
    return session;
  }

  forPerson(userId: string): LegacySession[] {
    return [...this.#sessions.values()].filter((s) => s.caller.userId === userId);
  }

  all(): LegacySession[] {
    return [...this.#sessions.values()];
  }

  /** Serves an `initialize` request by opening a session for it. */
  async open(request: Request, caller: Caller, authInfo: AuthInfo, parsedBody: unknown, build: BuildServer): Promise<Response> {
    const params = initializeParams(parsedBody);
    const id = this.#codec.seal({ userId: caller.userId, protocolVersion: params.protocolVersion, capabilities: params.capabilities, clientInfo: params.clientInfo, issuedAt: Date.now() });
    const { transport } = await this.#create(id, caller, build);
    return transport.handleRequest(request, { authInfo, parsedBody });
  }

  /**
   * Rebuilds a session this node does not hold from its id, when the id was sealed for this person, is not too
   * old and was not ended: the same `initialize` replayed into a new server, then the request goes on as usual.
   */
  async restore(request: Request, id: string, caller: Caller, authInfo: AuthInfo, build: BuildServer): Promise<LegacySession | undefined> {
    const seed = this.#codec.open(id);
    if (!seed || seed.userId !== caller.userId || Date.now() - seed.issuedAt > SESSION_MAX_AGE_MS) return undefined;
    let pending = this.#restoring.get(id);
    if (!pending) {
      pending = this.#rebuild(request.url, id, seed, caller, authInfo, build).finally(() => this.#restoring.delete(id));
      this.#restoring.set(id, pending);
    }
    return pending;
  }

  async #rebuild(url: string, id: string, seed: SessionSeed, caller: Caller, authInfo: AuthInfo, build: BuildServer): Promise<LegacySession | undefined> {
    if (await this.#ended.has(id)) return undefined;
    const { server, transport } = await this.#create(id, caller, build);
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const initialize = { jsonrpc: '2.0' as const, id: 0, method: 'initialize', params: { protocolVersion: seed.protocolVersion, capabilities: seed.capabilities, clientInfo: seed.clientInfo } };
    const answered = await transport.handleRequest(new Request(url, { method: 'POST', headers, body: JSON.stringify(initialize) }), { authInfo, parsedBody: initialize });
    await answered.text();
    if (!answered.ok || !this.#sessions.has(id)) {
      await server.close().catch(() => {});
      return undefined;
    }
    const initialized = { jsonrpc: '2.0' as const, method: 'notifications/initialized' };
    const noted = await transport.handleRequest(
      new Request(url, { method: 'POST', headers: { ...headers, 'mcp-session-id': id, 'mcp-protocol-version': seed.protocolVersion }, body: JSON.stringify(initialized) }),
      { authInfo, parsedBody: initialized },
    );
    await noted.text();
    return this.#sessions.get(id);
  }

  async #create(id: string, caller: Caller, build: BuildServer): Promise<{ server: Server; transport: WebStandardStreamableHTTPServerTransport }> {
    const subscriptions = new Set<string>();
    const server = build(subscriptions);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      eventStore: new SessionEventStore(),
      // SEP-1699: a client whose stream is closed polls back after this long.
      retryInterval: 1000,
      onsessioninitialized: () => {
        this.#sessions.set(id, { id, caller, server, transport, subscriptions, lastSeen: Date.now() });
        this.#limit(caller.userId);
      },
      onsessionclosed: () => {
        // The client ended it: no node may bring it back.
        void this.#ended.mark(id, SESSION_MAX_AGE_MS).catch(() => {});
        this.#sessions.delete(id);
      },
    });
    transport.onclose = () => {
      this.#sessions.delete(id);
    };
    await server.connect(transport);
    return { server, transport };
  }

  #limit(userId: string): void {
    const mine = this.forPerson(userId).sort((a, b) => a.lastSeen - b.lastSeen);
    for (const old of mine.slice(0, Math.max(0, mine.length - this.#maxPerPerson))) {
      void this.#ended.mark(old.id, SESSION_MAX_AGE_MS).catch(() => {});
      void this.#end(old);
    }
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#idleMs;
    for (const session of this.#sessions.values()) if (session.lastSeen < cutoff) void this.#end(session);
  }

  async #end(session: LegacySession): Promise<void> {
    this.#sessions.delete(session.id);
    await session.server.close().catch(() => {});
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.allSettled([...this.#sessions.values()].map((s) => this.#end(s)));
  }
}

/** What `initialize` said, as far as a session needs it back (the SDK validates the request itself). */
function initializeParams(body: unknown): InitializeParams {
  const params = (body as { params?: Partial<InitializeParams> } | undefined)?.params ?? {};
  const info = (params.clientInfo ?? {}) as Partial<InitializeParams['clientInfo']>;
  return {
    protocolVersion: typeof params.protocolVersion === 'string' ? params.protocolVersion : '2025-11-25',
    capabilities: params.capabilities && typeof params.capabilities === 'object' ? params.capabilities : {},
    clientInfo: { name: typeof info.name === 'string' ? info.name : 'unknown', version: typeof info.version === 'string' ? info.version : '0', ...(typeof info.title === 'string' ? { title: info.title } : {}) },
  };
}
