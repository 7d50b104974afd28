import { CLIENT_CAPABILITIES_META_KEY, type CallToolResult, type Client, type ClientCapabilities, type InputRequiredResult, type Tool } from '@modelcontextprotocol/client';
import { AppError } from '../shared/app-error.ts';
import { withDownstream, type DownstreamPeer } from './downstream.ts';
import type { FetchLike } from '@modelcontextprotocol/client';
import { openUpstream, watchingAnswer, type CredentialSource } from './mcp-client.ts';

export interface UpstreamTarget {
  /** The connector slug. */
  slug: string;
  name: string;
  url: string;
  /** Per connector; defaults below. */
  callTimeoutMs?: number;
  /** Extra ranges the egress guard opens for this connector (its organization's, for a custom connector). */
  egressAllow?: string[];
}

export interface PoolOptions {
  connectTimeoutMs?: number;
  callTimeoutMs?: number;
  /** A tool list is reused this long before asking the connector again (a list_changed notice ends it early). */
  toolsTtlMs?: number;
  /** Connector notices outside any call, per person: the gateway turns them into change notices for that person's clients. */
  events?: PoolEvents;
  /** Every request to a connector goes through this fetch (the egress guard's, in a running server). */
  fetch?: FetchLike;
  /** Or the fetch for one connector (the guard that opens its organization's ranges); takes precedence over `fetch`. */
  fetchFor?: (target: UpstreamTarget) => FetchLike;
}

export interface PoolEvents {
  onListChanged?(userId: string, connector: string, kind: 'tools' | 'resources' | 'prompts'): void;
  onResourceUpdated?(userId: string, connector: string, uri: string): void;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** The person's client, for what the connector asks or logs during the call. */
  peer?: DownstreamPeer | undefined;
  onprogress?: ((progress: { progress: number; total?: number; message?: string }) => void) | undefined;
  /** 2026-07-28 multi-round-trip: hand an `input_required` answer back instead of fulfilling it here. */
  allowInputRequired?: boolean | undefined;
  inputResponses?: Record<string, unknown> | undefined;
  requestState?: string | undefined;
  /** What the person's client can do: a 2026 connector reads it per request and asks only for that. */
  clientCapabilities?: ClientCapabilities | undefined;
}

interface Entry {
  client: Promise<Client>;
  /** Requests in progress on this session (see `#retire`). */
  inflight: number;
  /** Replaced after a failure: closed once its last request in progress ends. */
  retired?: boolean;
  /** Set once connected: the era the connector speaks. */
  era?: 'modern' | 'legacy';
  tools?: { list: Tool[]; at: number };
  /** The list being fetched now: concurrent lists share it. */
  listing?: Promise<ToolListing>;
  /** Why the last list failed (the connector is down): `tools` is the last good one, served marked stale. */
  failure?: string;
}

/** A list older than its TTL is served while a fresh one is fetched, up to this many TTLs old (then the list waits). */
const SERVE_AGED_TTLS = 10;

export interface ToolListing {
  tools: Tool[];
  /** The connector could not be reached now: this is the last list it gave. */
  stale: boolean;
  error?: string;
}

export const couldNotReach = (target: UpstreamTarget, what: string, cause?: unknown) =>
  new AppError(502, 'upstream_unreachable', `Couldn't reach the MCP server: ${target.name} ${what}. Try again; if it keeps failing, run the connection diagnostic or ask your administrator.`, {
    cause,
    details: { connector: target.slug },
  });

/**
 * What went wrong with a connector's answer, in a few words that complete "<connector> …": never the connector's own
 * error page or a validator's dump, which say nothing to the person and can be long.
 */
export function failureOf(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown; status?: unknown; cause?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const codes: unknown[] = [];
  for (let c: unknown = err, depth = 0; c && typeof c === 'object' && depth < 4; c = (c as { cause?: unknown }).cause, depth++) codes.push((c as { code?: unknown }).code);
  if (codes.includes('ECONNREFUSED')) return 'refused the connection: nothing answers at its address (is it running?)';
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) return 'could not be found: its host name does not resolve';
  if (codes.includes('ECONNRESET') || codes.includes('UND_ERR_SOCKET') || message === 'terminated' || /other side closed|socket hang up/i.test(message)) {
    return 'closed the connection in the middle of its answer';
  }
  if (e?.name === 'SdkHttpError' && typeof e.status === 'number') return `answered with HTTP ${e.status}`;
  if (err instanceof SyntaxError) return 'answered with something that is not JSON';
  const invalid = /^Invalid (result|request|notification|params) for ([\w/-]+)/.exec(message);
  if (invalid) return `answered ${invalid[2]} with a ${invalid[1]} of the wrong shape`;
  if (e?.name === 'ZodError') return 'answered with something that is not a JSON-RPC message';
  return `failed (${message.length > 200 ? `${message.slice(0, 200)}…` : message})`;
}

/** Rejects after `ms` with `error()`, leaving the promise to settle (its result is ignored). */
function within<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(error()), ms);
      timer.unref();
    }),
  ]);
}

/**
 * MCP sessions to connectors, one per (person, connector): never shared between people, since each
 * carries its person's credentials. Every request is bounded (connect 10 s, call 300 s by default), and
 * a connector that fails keeps serving its last good tool list, marked stale, so one bad connector never
 * empties or delays the others.
 */
export class UpstreamPool {
  readonly #entries = new Map<string, Entry>();
  /** Retired sessions still finishing requests (closed with the pool, at the latest). */
  readonly #retired = new Set<Entry>();
  readonly #connectTimeoutMs: number;
  readonly #callTimeoutMs: number;
  readonly #toolsTtlMs: number;
  readonly #events: PoolEvents;

  readonly #fetch: FetchLike | undefined;
  readonly #fetchFor: ((target: UpstreamTarget) => FetchLike) | undefined;

  constructor(options: PoolOptions = {}) {
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#callTimeoutMs = options.callTimeoutMs ?? 300_000;
    this.#toolsTtlMs = options.toolsTtlMs ?? 60_000;
    this.#events = options.events ?? {};
    this.#fetch = options.fetch;
    this.#fetchFor = options.fetchFor;
  }

  #entry(userId: string, target: UpstreamTarget, credentials: CredentialSource): Entry {
    const key = `${userId}\n${target.slug}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      const events = {
        onListChanged: (kind: 'tools' | 'resources' | 'prompts') => {
          const current = this.#entries.get(key);
          if (kind === 'tools' && current) delete current.tools;
          this.#events.onListChanged?.(userId, target.slug, kind);
        },
        onResourceUpdated: (uri: string) => this.#events.onResourceUpdated?.(userId, target.slug, uri),
      };
      const client = within(openUpstream(target.url, credentials, { events, ...(this.#fetchFor ? { fetch: this.#fetchFor(target) } : this.#fetch ? { fetch: this.#fetch } : {}) }), this.#connectTimeoutMs, () => couldNotReach(target, `did not answer within ${this.#connectTimeoutMs / 1000} s`));
      const created: Entry = { client, inflight: 0 };
      entry = created;
      this.#entries.set(key, entry);
      client.then(
        (c) => (created.era = c.getProtocolEra() === 'modern' ? 'modern' : 'legacy'),
        // A failed connection is not kept: the next request tries afresh.
        () => {
          if (this.#entries.get(key) === created) this.#entries.delete(key);
        },
      );
    }
    return entry;
  }

  /** The era of the person's session with a connector, once one is open (undefined before). */
  eraOf(userId: string, connector: string): 'modern' | 'legacy' | undefined {
    return this.#entries.get(`${userId}\n${connector}`)?.era;
  }

  /** Drops a session at once, requests in progress included (a disconnect, new credentials). */
  async forget(userId: string, connector: string): Promise<void> {
    const key = `${userId}\n${connector}`;
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    await entry?.client.then((c) => c.close()).catch(() => {});
  }

  /**
   * After a request failed (a timeout, a broken answer): the next request opens a new session, and this one is closed
   * once the person's other requests in progress on it have ended. One call that hangs or breaks must not take the
   * others down with it ("Connection closed"): each ends on its own terms.
   */
  async #retire(userId: string, connector: string, entry?: Entry): Promise<void> {
    const key = `${userId}\n${connector}`;
    const current = entry ?? this.#entries.get(key);
    if (this.#entries.get(key) === current) this.#entries.delete(key);
    if (!current || current.retired) return;
    current.retired = true;
    this.#retired.add(current);
    if (current.inflight === 0) await this.#closeRetired(current);
  }

  async #closeRetired(entry: Entry): Promise<void> {
    this.#retired.delete(entry);
    await entry.client.then((c) => c.close()).catch(() => {});
  }

  async listTools(userId: string, target: UpstreamTarget, credentials: CredentialSource): Promise<ToolListing> {
    const entry = this.#entry(userId, target, credentials);
    const age = entry.tools ? Date.now() - entry.tools.at : Infinity;
    if (entry.tools && age < this.#toolsTtlMs) return { tools: entry.tools.list, stale: false };
    const listing = (entry.listing ??= this.#fetchTools(userId, target, credentials, entry).finally(() => {
      entry.listing = undefined;
    }));
    // Past its TTL but recent: answer with it now and let the fresh list replace it (every 60 s a person's whole
    // tools/list would otherwise wait for all their connectors to list again).
    if (entry.tools && age < this.#toolsTtlMs * SERVE_AGED_TTLS) {
      listing.catch(() => {});
      return { tools: entry.tools.list, stale: entry.failure !== undefined, ...(entry.failure !== undefined ? { error: entry.failure } : {}) };
    }
    return listing;
  }

  async #fetchTools(userId: string, target: UpstreamTarget, credentials: CredentialSource, entry: Entry): Promise<ToolListing> {
    const previous = entry.tools;
    try {
      const client = await entry.client;
      const tools: Tool[] = [];
      let cursor: string | undefined;
      // Follow the connector's own pages, bounded: a cursor loop must not hang the gateway.
      for (let page = 0; page < 50; page++) {
        const result = await within(client.listTools(cursor ? { cursor } : undefined, { timeout: this.#connectTimeoutMs }), this.#connectTimeoutMs, () =>
          couldNotReach(target, `did not list its tools within ${this.#connectTimeoutMs / 1000} s`),
        );
        tools.push(...result.tools);
        cursor = result.nextCursor;
        if (!cursor) break;
      }
      entry.tools = { list: tools, at: Date.now() };
      return { tools, stale: false };
    } catch (err) {
      await this.#retire(userId, target.slug, entry);
      if (err instanceof AppError && err.code !== 'upstream_unreachable') throw err;
      if (previous) {
        // Keep the last good list under the new entry too, so it survives the reconnect.
        const next = this.#entry(userId, target, credentials);
        next.tools = previous;
        next.failure = (err as Error).message;
        return { tools: previous.list, stale: true, error: (err as Error).message };
      }
      throw err instanceof AppError ? err : couldNotReach(target, failureOf(err), err);
    }
  }

  async callTool(userId: string, target: UpstreamTarget, credentials: CredentialSource, name: string, args: Record<string, unknown> | undefined, options: CallOptions = {}): Promise<CallToolResult | InputRequiredResult> {
    const timeoutMs = target.callTimeoutMs ?? this.#callTimeoutMs;
    const params = {
      name,
      ...(args ? { arguments: args } : {}),
      ...(options.inputResponses ? { inputResponses: options.inputResponses } : {}),
      ...(options.requestState !== undefined ? { requestState: options.requestState } : {}),
    };
    return this.#request(userId, target, credentials, `finish ${name}`, timeoutMs, (client) =>
      withDownstream(options.peer, () =>
        client.callTool((options.clientCapabilities && client.getProtocolEra() === 'modern' ? { ...params, _meta: { [CLIENT_CAPABILITIES_META_KEY]: options.clientCapabilities } } : params) as Parameters<Client['callTool']>[0], {
          timeout: timeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onprogress ? { onprogress: options.onprogress, resetTimeoutOnProgress: false } : {}),
          ...(options.allowInputRequired ? { allowInputRequired: true } : {}),
        }),
      ),
    );
  }

  /**
   * Any other request to the connector (resources, prompts, completion, logging level), bounded like a
   * call. `what` completes "did not …" in the timeout message.
   */
  async request<T>(userId: string, target: UpstreamTarget, credentials: CredentialSource, what: string, fn: (client: Client) => Promise<T>, options: { peer?: DownstreamPeer | undefined; timeoutMs?: number } = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? target.callTimeoutMs ?? this.#callTimeoutMs;
    return this.#request(userId, target, credentials, what, timeoutMs, (client) => withDownstream(options.peer, () => fn(client)));
  }

  async #request<T>(userId: string, target: UpstreamTarget, credentials: CredentialSource, what: string, timeoutMs: number, fn: (client: Client) => Promise<T>): Promise<T> {
    const entry = this.#entry(userId, target, credentials);
    const client = await entry.client;
    entry.inflight++;
    // A connector that breaks off its answer (or answers another request) fails the request now, not at its timeout.
    let lose: (err: Error) => void = () => {};
    const lost = new Promise<never>((_, reject) => (lose = reject));
    lost.catch(() => {});
    try {
      const answer = watchingAnswer((how) => lose(couldNotReach(target, how)), () => fn(client));
      return await within(Promise.race([answer, lost]), timeoutMs, () => couldNotReach(target, `did not ${what} within ${Math.round(timeoutMs / 1000)} s`));
    } catch (err) {
      if (err instanceof AppError) {
        if (err.code === 'upstream_unreachable') await this.#retire(userId, target.slug, entry);
        throw err;
      }
      const message = (err as Error).message ?? String(err);
      if (/timed? ?out/i.test(message)) throw couldNotReach(target, `did not ${what} within ${Math.round(timeoutMs / 1000)} s`, err);
      throw err;
    } finally {
      entry.inflight--;
      if (entry.retired && entry.inflight === 0) void this.#closeRetired(entry);
    }
  }

  async close(): Promise<void> {
    const entries = [...this.#entries.values(), ...this.#retired];
    this.#entries.clear();
    this.#retired.clear();
    await Promise.allSettled(entries.map((e) => e.client.then((c) => c.close())));
  }
}
