import type { Hono } from 'hono';
import { LocalClusterBus, type ClusterBus } from '../shared/cluster-bus.ts';
import type { RateLimiter } from '../shared/rate-limit.ts';
import type { EndedSessions } from './legacy-sessions.ts';
import type { Kysely } from 'kysely';
import type { AppEnv } from '../api/context.ts';
import type { ConnectionService } from '../connections/service.ts';
import type { DB } from '../db/schema.ts';
import type { Logger } from '../observability/logger.ts';
import type { PolicyChangeBus } from '../policy/changes.ts';
import type { EgressGuards } from '../upstream/egress.ts';
import { UpstreamPool, type PoolOptions } from '../upstream/pool.ts';
import { AuditLog } from './audit.ts';
import { GatewayCore, type GatewayConnector } from './core.ts';
import { mountMcpEndpoint, type McpAuthenticator, type McpEndpoint, type McpHeaderAuthenticator } from './mcp-endpoint.ts';
import type { NodeHandler, RelayAnswer } from './relay-front.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NamingProfileName } from './naming.ts';
import { organizationFor } from './organization.ts';
import { TtlCache } from '../shared/ttl-cache.ts';
import type { PolicyPort } from './policy-port.ts';
import type { DirectoryPort } from './connector-suggestions.ts';
import { ToolAccess, type TokenFigures } from './tool-access.ts';
import { DEFAULT_CONTEXT_TOKENS, type ToolAccessSettingsPort } from './tool-access-mode.ts';
import { Embedder } from '../toolsearch/index.ts';
import type { EmbeddingModel } from 'ai';

export interface GatewayOptions {
  db: Kysely<DB>;
  connections: ConnectionService;
  resolveConnector: (slug: string) => Promise<GatewayConnector | undefined>;
  policy: PolicyPort;
  log: Logger;
  version: string;
  publicUrl: string;
  secretKey: Buffer;
  connectUrl: (slug: string) => string;
  naming?: NamingProfileName;
  allowedHosts?: string[];
  sessionIdleMs?: number;
  /** See McpEndpointDeps.forwardCalls. */
  forwardCalls?: boolean;
  pool?: Omit<PoolOptions, 'events' | 'fetch'>;
  /** Policy, enablement and connection changes: each one tells the affected clients to list again. */
  changes?: PolicyChangeBus;
  /**
   * Notices between nodes (src/server/cluster-bus.ts): a connector's own change notices reach the person's clients
   * on whichever node they are connected to. Left out, this node only.
   */
  cluster?: ClusterBus;
  /** 2025 sessions ended by their clients, seen by every node (Redis); left out, this node's record. */
  endedSessions?: EndedSessions | undefined;
  /** Requests per minute per person and organization on /mcp; left out, no limit. */
  rateLimit?: RateLimiter | undefined;
  /** Every connection to a connector goes through them (MCP sessions and relayed calls), by the connector's ranges. */
  egress?: EgressGuards;
  /** Tool access modes (docs/tool-access.md); left out, everyone is on Auto with nothing pinned and no directory to suggest from. */
  toolAccess?: {
    settings: ToolAccessSettingsPort;
    directory: DirectoryPort;
    /** The context size assumed for MCP clients (`gateway.mcpContextTokens`, default 200,000). */
    contextTokens?: number;
  };
  /**
   * The operator's embedding model (`toolSearch.embedding`, built by src/toolsearch/embedding-provider.ts): with it,
   * `search_tools` ranks hybrid (docs/tool-search.md); without it, lexically as before.
   */
  embedding?: { model: EmbeddingModel; dimensions?: number | undefined; secrets?: readonly string[] | undefined };
}

/** What a person's tools cost in tokens, in one of their organizations (for the REST API). */
export interface ToolAccessFiguresPort {
  figures(userId: string, orgSlug: string | undefined): Promise<{ orgId: string | undefined; figures: TokenFigures; problems: Array<{ connector: string; message: string }> }>;
}

/** The gateway core and the /mcp endpoint on top of it, ready to mount on the Switchboard app. */
export function createGateway(options: GatewayOptions) {
  let endpoint: McpEndpoint | undefined;
  const cluster = options.cluster ?? new LocalClusterBus(options.log);
  const unsubscribeCluster = cluster.subscribe((event) => {
    if (event.type === 'list-changed') endpoint?.listChanged(event.kind, event.userId);
    else if (event.type === 'resource-updated') endpoint?.resourceUpdated(event.userId, event.uri);
    else if (event.type === 'resync') for (const kind of ['tools', 'resources', 'prompts'] as const) endpoint?.listChanged(kind);
  });
  const pool = new UpstreamPool({
    ...options.pool,
    // The connector's ranges are read at each request (from memory), so a range an owner removes stops at once.
    ...(options.egress ? { fetchFor: (target: { slug: string }) => (async (url, init) => options.egress!.for((await options.resolveConnector(target.slug))?.egressAllow).fetch(url, init)) as typeof fetch } : {}),
    // The connector's session lives on this node; the person's clients may be on any node.
    events: {
      onListChanged: (userId, _connector, kind) => void cluster.publish({ type: 'list-changed', kind, userId }),
      onResourceUpdated: (userId, connector, uri) => void cluster.publish({ type: 'resource-updated', userId, uri: core.naming.resourceUri(connector, uri) }),
    },
  });
  const audit = new AuditLog(options.db, options.log);
  // Which organization a request acts in: from memory for a few seconds (memberships change rarely).
  const organizations = new TtlCache<string | undefined>({ ttlMs: 5_000 });
  const core: GatewayCore = new GatewayCore({
    connections: options.connections,
    resolveConnector: options.resolveConnector,
    policy: options.policy,
    pool,
    audit,
    log: options.log,
    connectUrl: options.connectUrl,
    ...(options.naming ? { naming: options.naming } : {}),
  });
  // One embedder per node: its vector cache is shared by every person's index.
  const embedder = options.embedding
    ? new Embedder({
        model: options.embedding.model,
        dimensions: options.embedding.dimensions,
        secrets: options.embedding.secrets,
        onError: (problem) => options.log.warn({ embeddingModel: problem.model, what: problem.what, status: problem.status, suppressed: problem.suppressed }, problem.message),
      })
    : undefined;
  const toolAccess = new ToolAccess({
    core,
    settings: options.toolAccess?.settings ?? (async () => ({ mode: 'auto', clients: [], pinned: [], orgPinned: [] })),
    describe: options.resolveConnector,
    contextTokens: options.toolAccess?.contextTokens ?? DEFAULT_CONTEXT_TOKENS,
    embedder,
  });
  const onDemand = { core, access: toolAccess, suggest: { directory: options.toolAccess?.directory ?? (async () => []), describe: options.resolveConnector, connectUrl: options.connectUrl } };
  const organizationOf = (userId: string, requested: string | undefined) => organizations.get(`${userId}\n${requested ?? ''}`, () => organizationFor(options.db, userId, requested));
  const figures: ToolAccessFiguresPort = {
    async figures(userId, orgSlug) {
      const orgId = await organizationOf(userId, orgSlug);
      const view = await toolAccess.view({ userId, orgId, surface: 'api' });
      return { orgId, figures: view.figures, problems: view.list.problems };
    },
  };
  const unsubscribe = options.changes?.subscribe((change) => {
    // New credentials or none at all: the upstream session made with the old ones must go.
    if (change.kind === 'connection' && change.userId) void pool.forget(change.userId, change.connector);
    for (const kind of ['tools', 'resources', 'prompts'] as const) endpoint?.listChanged(kind, change.userId);
  });
  return {
    core,
    toolAccess,
    /** Token figures per mode, for the REST API. */
    figures,
    /** Mounts `/mcp` on the app; the returned front goes before the app's Node request handler (relay-front.ts). */
    mount(app: Hono<AppEnv>, auth: { request: McpAuthenticator; header: McpHeaderAuthenticator }, hooks: { onRelayed?: (answer: RelayAnswer) => void } = {}) {
      const mounted = mountMcpEndpoint(app, {
        core,
        authenticate: auth.request,
        authenticateHeader: auth.header,
        organizationFor: organizationOf,
        onDemand,
        version: options.version,
        publicUrl: options.publicUrl,
        allowedHosts: options.allowedHosts ?? [],
        secretKey: options.secretKey,
        sessionIdleMs: options.sessionIdleMs ?? 30 * 60_000,
        callTimeoutMs: options.pool?.callTimeoutMs ?? 300_000,
        forwardCalls: options.forwardCalls ?? true,
        rateLimit: options.rateLimit,
        endedSessions: options.endedSessions,
        onError: (err) => options.log.debug({ err: err.message }, 'mcp endpoint'),
        agentsFor: options.egress
          ? (connector: { egressAllow?: string[] }) => {
              const guard = options.egress!.for(connector.egressAllow);
              return { 'http:': guard.httpAgent, 'https:': guard.httpsAgent };
            }
          : undefined,
        onRelayError: (err, reference) => options.log.error({ err, reqId: reference }, 'the /mcp relay failed on a request'),
        ...hooks,
      });
      endpoint = mounted;
      return (req: IncomingMessage, res: ServerResponse, next: NodeHandler) => mounted.front(req, res, next);
    },
    /** Waits until the audit events of calls made so far are stored. */
    flushAudit: () => audit.flush(),
    async close() {
      unsubscribe?.();
      unsubscribeCluster();
      await endpoint?.close();
      await pool.close();
      await audit.flush();
    },
  };
}
