import type { Client, CompleteRequest, GetPromptResult, ListResourceTemplatesResult, LoggingLevel, Prompt, ReadResourceResult, Resource } from '@modelcontextprotocol/client';

type ResourceTemplate = ListResourceTemplatesResult['resourceTemplates'][number];
import { isInputRequiredResult, ProtocolError, type InputRequiredResult } from '@modelcontextprotocol/client';
import type { DownstreamPeer } from '../upstream/downstream.ts';
import type { Caller, GatewayConnector, GatewayDeps } from './core.ts';
import type { NamingProfile } from './naming.ts';

/** JSON-RPC codes the gateway answers with when the fault is its own, not the connector's. */
const RESOURCE_NOT_FOUND = -32002;
const INVALID_PARAMS = -32602;
const MAX_PAGES = 50;
const isUi = (uri: string) => uri.startsWith('ui://');

/** A 2026 multi-round-trip relayed between the person's client and the connector (see mcp-server.ts). */
export interface Relay {
  inputResponses?: Record<string, unknown> | undefined;
  requestState?: string | undefined;
}
const relayParams = (relay: Relay | undefined) => ({
  ...(relay?.inputResponses ? { inputResponses: relay.inputResponses } : {}),
  ...(relay?.requestState !== undefined ? { requestState: relay.requestState } : {}),
});
const relayOptions = (relay: Relay | undefined) => (relay ? { allowInputRequired: true } : undefined);

export interface Named<T> {
  connector: string;
  item: T;
}

type Capability = 'resources' | 'prompts' | 'completions' | 'logging';

/**
 * Resources, resource templates, prompts, completions and the logging level of the connectors a person
 * may use, renamed by the naming profile. Each request reaches only connectors the policy allows and the
 * person has connected, through the same per-person upstream sessions as tool calls.
 */
export class UpstreamDirectory {
  readonly #deps: GatewayDeps;
  readonly #naming: NamingProfile;
  readonly #usableFor: (caller: Caller) => Promise<GatewayConnector[]>;
  /** Upstream watches on resources, per person and client-facing URI. */
  readonly #watches = new Map<string, { count: number; close: () => Promise<void> }>();

  constructor(deps: GatewayDeps, naming: NamingProfile, usable: (caller: Caller) => Promise<GatewayConnector[]>) {
    this.#deps = deps;
    this.#naming = naming;
    this.#usableFor = usable;
  }

  async #usable(caller: Caller): Promise<GatewayConnector[]> {
    return (await this.#usableFor(caller)).sort((a, b) => a.slug.localeCompare(b.slug));
  }

  #credentials(userId: string, slug: string) {
    return { get: (options?: { rejectedAccessToken?: string }) => this.#deps.connections.credentialsFor(userId, slug, options) };
  }

  /** Runs `fn` on a connector's session if it offers `capability`; undefined when it does not. */
  async #with<T>(caller: Caller, connector: GatewayConnector, capability: Capability, what: string, fn: (client: Client) => Promise<T>, peer?: DownstreamPeer): Promise<T | undefined> {
    return this.#deps.pool.request(
      caller.userId,
      connector,
      this.#credentials(caller.userId, connector.slug),
      what,
      async (client) => (client.getServerCapabilities()?.[capability] ? fn(client) : undefined),
      { peer },
    );
  }

  /** Every page of a connector's list, bounded so a cursor loop cannot hang the gateway. */
  async #collect<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const result = await page(cursor);
      out.push(...result.items);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return out;
  }

  /** A list across connectors; a connector that fails is left out (and logged), never fails the others. */
  async #gather<T>(caller: Caller, capability: Capability, what: string, list: (client: Client) => Promise<T[]>): Promise<Array<Named<T> & { uiHidden: boolean }>> {
    const usable = await this.#usable(caller);
    const lists = await Promise.all(
      usable.map(async (connector) => {
        try {
          const items = (await this.#with(caller, connector, capability, what, list)) ?? [];
          return items.map((item) => ({ connector: connector.slug, item, uiHidden: connector.uiHidden === true }));
        } catch (err) {
          this.#deps.log.warn({ connector: connector.slug, err: (err as Error).message }, `could not ${what}`);
          return [];
        }
      }),
    );
    return lists.flat();
  }

  async listResources(caller: Caller): Promise<Resource[]> {
    const found = await this.#gather(caller, 'resources', 'list its resources', (client) =>
      this.#collect(async (cursor) => {
        const r = await client.listResources(cursor ? { cursor } : undefined);
        return { items: r.resources, nextCursor: r.nextCursor };
      }),
    );
    // An owner switched the connector's interactive UI off: its ui:// resources are withheld.
    return found.filter((f) => !(f.uiHidden && isUi(f.item.uri))).map(({ connector, item }) => ({ ...item, uri: this.#naming.resourceUri(connector, item.uri) }));
  }

  async listResourceTemplates(caller: Caller): Promise<ResourceTemplate[]> {
    const found = await this.#gather(caller, 'resources', 'list its resource templates', (client) =>
      this.#collect(async (cursor) => {
        const r = await client.listResourceTemplates(cursor ? { cursor } : undefined);
        return { items: r.resourceTemplates, nextCursor: r.nextCursor };
      }),
    );
    return found.filter((f) => !(f.uiHidden && isUi(f.item.uriTemplate))).map(({ connector, item }) => ({ ...item, uriTemplate: this.#naming.resourceUri(connector, item.uriTemplate) }));
  }

  async listPrompts(caller: Caller): Promise<Array<Named<Prompt> & { name: string }>> {
    const found = await this.#gather(caller, 'prompts', 'list its prompts', (client) =>
      this.#collect(async (cursor) => {
        const r = await client.listPrompts(cursor ? { cursor } : undefined);
        return { items: r.prompts, nextCursor: r.nextCursor };
      }),
    );
    const seen = new Set<string>();
    return found
      .map((f) => ({ ...f, name: this.#naming.promptName(f.connector, f.item.name) }))
      .filter((p) => (seen.has(p.name) ? false : (seen.add(p.name), true)));
  }

  /** The connector and its own URI for a client-facing URI; in pass-through, the first connector that can read it. */
  async #forUri<T>(caller: Caller, uri: string, what: string, fn: (client: Client, uri: string) => Promise<T>, peer?: DownstreamPeer): Promise<{ connector: string; result: T }> {
    const usable = await this.#usable(caller);
    const parsed = this.#naming.parseUri(uri);
    const original = parsed?.uri ?? uri;
    const candidates = (parsed ? usable.filter((c) => c.slug === parsed.connector) : usable).filter((c) => !(c.uiHidden && isUi(original)));
    let lastError: unknown;
    for (const connector of candidates) {
      try {
        const result = await this.#with(caller, connector, 'resources', what, (client) => fn(client, original), peer);
        if (result !== undefined) return { connector: connector.slug, result };
      } catch (err) {
        lastError = err;
      }
    }
    if (lastError) throw lastError;
    throw new ProtocolError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}. It belongs to no connector you have connected and your organization has enabled.`, { uri });
  }

  async readResource(caller: Caller, uri: string, peer?: DownstreamPeer, relay?: Relay): Promise<ReadResourceResult | InputRequiredResult> {
    const { connector, result } = await this.#forUri(caller, uri, 'read a resource', (client, original) => client.readResource({ uri: original, ...relayParams(relay) }, relayOptions(relay)), peer);
    if (isInputRequiredResult(result)) return result;
    return { ...result, contents: result.contents.map((c) => ({ ...c, uri: this.#naming.resourceUri(connector, c.uri) })) };
  }

  /**
   * Watches a resource at its connector: `resources/subscribe` on a 2025 session, a `subscriptions/listen`
   * stream for that URI on 2026-07-28. Counted per person, so two of their clients share one upstream watch.
   */
  async subscribe(caller: Caller, uri: string): Promise<{ connector: string; uri: string }> {
    const { connector } = await this.#forUri(caller, uri, 'subscribe to a resource', async (client, original) => {
      const key = `${caller.userId}\n${uri}`;
      const watch = this.#watches.get(key);
      if (watch) {
        watch.count++;
        return true;
      }
      if (client.getProtocolEra() === 'modern') {
        const subscription = await client.listen({ resourceSubscriptions: [original] });
        this.#watches.set(key, { count: 1, close: () => subscription.close() });
      } else {
        await client.subscribeResource({ uri: original });
        this.#watches.set(key, { count: 1, close: () => client.unsubscribeResource({ uri: original }).then(() => undefined) });
      }
      return true;
    });
    return { connector, uri };
  }

  async unsubscribe(caller: Caller, uri: string): Promise<void> {
    const key = `${caller.userId}\n${uri}`;
    const watch = this.#watches.get(key);
    if (!watch) return;
    if (--watch.count > 0) return;
    this.#watches.delete(key);
    await watch.close();
  }

  async getPrompt(caller: Caller, name: string, args: Record<string, string> | undefined, peer?: DownstreamPeer, relay?: Relay): Promise<GetPromptResult | InputRequiredResult> {
    const prompt = (await this.listPrompts(caller)).find((p) => p.name === name);
    if (!prompt) throw new ProtocolError(INVALID_PARAMS, `No prompt named "${name}" is available to you. List the prompts again.`);
    const connector = await this.#deps.resolveConnector(prompt.connector);
    if (!connector) throw new ProtocolError(INVALID_PARAMS, `The connector "${prompt.connector}" is no longer in the directory.`);
    const result = await this.#with(caller, connector, 'prompts', `return the prompt ${prompt.item.name}`, (client) => client.getPrompt({ name: prompt.item.name, ...(args ? { arguments: args } : {}), ...relayParams(relay) }, relayOptions(relay)), peer);
    if (!result) throw new ProtocolError(INVALID_PARAMS, `${connector.name} no longer offers prompts.`);
    return result;
  }

  async complete(caller: Caller, params: CompleteRequest['params']): Promise<{ completion: { values: string[]; total?: number; hasMore?: boolean } }> {
    const empty = { completion: { values: [] } };
    if (params.ref.type === 'ref/prompt') {
      const prompt = (await this.listPrompts(caller)).find((p) => p.name === (params.ref as { name: string }).name);
      if (!prompt) return empty;
      const connector = await this.#deps.resolveConnector(prompt.connector);
      if (!connector) return empty;
      return (await this.#with(caller, connector, 'completions', 'complete an argument', (client) => client.complete({ ...params, ref: { type: 'ref/prompt', name: prompt.item.name } }))) ?? empty;
    }
    const uri = (params.ref as { uri: string }).uri;
    const usable = await this.#usable(caller);
    const parsed = this.#naming.parseUri(uri);
    for (const connector of parsed ? usable.filter((c) => c.slug === parsed.connector) : usable) {
      const result = await this.#with(caller, connector, 'completions', 'complete an argument', (client) => client.complete({ ...params, ref: { type: 'ref/resource', uri: parsed?.uri ?? uri } })).catch(() => undefined);
      if (result) return result;
    }
    return empty;
  }

  /** The person's chosen log level goes to each connector that logs; one that fails is skipped. */
  async setLoggingLevel(caller: Caller, level: LoggingLevel): Promise<void> {
    const usable = await this.#usable(caller);
    await Promise.all(usable.map((connector) => this.#with(caller, connector, 'logging', 'set its log level', (client) => client.setLoggingLevel(level)).catch(() => undefined)));
  }
}
