import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport, type AuthInfo, type EventStore, type JSONRPCMessage, type Server } from '@modelcontextprotocol/server';
import type { Caller } from './core.ts';

/**
 * A 2025-11-25 session: a server instance and a streamable HTTP transport kept between requests, so the
 * gateway can ask the person's client mid-call (elicitation, sampling), stream log lines and progress,
 * keep resource subscriptions and let a dropped stream resume. Sessions live on the node that opened them
 * (a load balancer routes on `Mcp-Session-Id`; see docs/operating.md). 2026-07-28 clients need none of this.
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
    return this.#events.find((e) => e.id === eventId)?.stream;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const last = this.#events.find((e) => e.id === lastEventId);
    const stream = last?.stream ?? lastEventId.slice(0, lastEventId.lastIndexOf('_'));
    for (const event of this.#events) {
      if (event.stream === stream && event.id > lastEventId) await send(event.id, event.message);
    }
    return stream;
  }
}

export interface LegacySessionsOptions {
  idleMs: number;
  /** Oldest sessions of a person are closed past this many (a client that never ends its sessions). */
  maxPerPerson?: number;
}

export class LegacySessions {
  readonly #sessions = new Map<string, LegacySession>();
  readonly #idleMs: number;
  readonly #maxPerPerson: number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: LegacySessionsOptions) {
    this.#idleMs = options.idleMs;
    this.#maxPerPerson = options.maxPerPerson ?? 50;
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
  async open(request: Request, caller: Caller, authInfo: AuthInfo, parsedBody: unknown, build: (subscriptions: Set<string>) => Server): Promise<Response> {
    const subscriptions = new Set<string>();
    const server = build(subscriptions);
    const id = randomUUID();
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
        this.#sessions.delete(id);
      },
    });
    transport.onclose = () => {
      this.#sessions.delete(id);
    };
    await server.connect(transport);
    return transport.handleRequest(request, { authInfo, parsedBody });
  }

  #limit(userId: string): void {
    const mine = this.forPerson(userId).sort((a, b) => a.lastSeen - b.lastSeen);
    for (const old of mine.slice(0, Math.max(0, mine.length - this.#maxPerPerson))) void this.#end(old);
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
