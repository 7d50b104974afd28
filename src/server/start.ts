import { createServer as createHttpServer, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { Redis } from 'ioredis';
import type { DestinationStream } from 'pino';
import { API_VERSION, createApp } from '../api/app.ts';
import { createGateway } from '../gateway/index.ts';
import { connectLink } from '../connections/errors.ts';
import { createMcpAuth } from '../mcp-auth/index.ts';
import { policyPort } from './policy-port.ts';
import { InProcessPolicyChangeBus } from '../policy/changes.ts';
import type { AppServices } from '../api/services.ts';
import { applyBootstrap } from '../config/bootstrap.ts';
import type { Config } from '../config/load.ts';
import { checkKeyMatchesDatabase, resolveSecretKey } from '../config/secret-key.ts';
import { openDatabase, targetFor, type Database } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { withStartupLock } from '../db/startup-lock.ts';
import { LoginThrottle, MemoryThrottleStore, RedisThrottleStore } from '../identity/login-throttle.ts';
import { purgeExpiredSessions } from '../identity/sessions.ts';
import { SsoClient } from '../identity/sso.ts';
import { createLogger, type Logger } from '../observability/logger.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import type { RelayAnswer } from '../gateway/relay-front.ts';
import { connectRedis } from './redis.ts';
import { distinctFailures } from '../observability/distinct-failures.ts';
import { clusterChannel, LocalClusterBus, policyChangesOver, RedisClusterBus, type ClusterBus } from '../shared/cluster-bus.ts';
import { createRateLimiter, MemoryRateLimitStore, RedisRateLimitStore } from '../shared/rate-limit.ts';
import type { DemoServiceHandle } from '../../demo/index.ts';
import { RedisRefreshLock } from '../connections/refresh-lock.ts';
import { RedisEndedSessions } from '../gateway/redis-ended-sessions.ts';
import { RedisLeaseLocks } from '../shared/lease-lock.ts';
import { ConnectionService } from '../connections/service.ts';
import { Vault } from '../connections/vault.ts';
import { syncSeedCatalog } from '../directory/seed.ts';
import { cachedListings, cachedOrgEgress, directoryResolver } from './connector-resolver.ts';
import { EgressGuard, EgressGuards } from '../upstream/egress.ts';
import { startDemos } from './demo-services.ts';
import { toolAccessPorts } from './tool-access-ports.ts';
import { ChatService } from '../chat/service.ts';
import { chatModelFromSettings, injectedChatModel, type ChatModel } from '../chat/model-provider.ts';
import type { LanguageModel } from 'ai';
import { loadWebApp } from '../api/web-app.ts';
import path from 'node:path';
import { startAppSandbox, type AppSandbox } from './app-sandbox.ts';

/** Where `npm run build:web` (and `npm start`, when it is stale) puts the web app. */
export const WEB_DIST = path.resolve(import.meta.dirname, '../../web/dist');

export interface RunningServer {
  url: string;
  port: number;
  services: AppServices;
  /** The origin interactive connectors (MCP Apps) run on; undefined when the operator turned it off. */
  sandboxUrl: string | undefined;
  /** The bundled demo services started beside it (empty with SWITCHBOARD_DEMO=off); tests use their hooks. */
  demos: readonly DemoServiceHandle[];
  /** Stops taking requests, lets in-flight ones finish (up to the grace period), then closes storage. */
  close(): Promise<void>;
}

export interface StartOptions {
  logDestination?: DestinationStream;
  logger?: Logger;
  /**
   * A language model for the chat, handed in by code (tests drive the agent loop with the AI SDK's mock models):
   * it takes the place of `chat.model`. Not reachable from configuration.
   */
  chatModel?: Exclude<LanguageModel, string>;
  /** The injected model's context window (default 200,000 tokens). */
  chatContextTokens?: number;
}

/** Opens storage, applies migrations and the bootstrap, and serves HTTP. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.logger ?? createLogger(config.logLevel, options.logDestination);
  log.info({ node: process.version, configFile: config.configFile ?? null, dataDir: config.dataDir }, 'Switchboard starting');

  const secret = resolveSecretKey(config.secretKey, config.dataDir);
  if (secret.source === 'file') {
    log.warn(
      { file: secret.file, generated: secret.generated },
      'SWITCHBOARD_SECRET_KEY is not set: using a key kept in the data folder. Production must set SWITCHBOARD_SECRET_KEY (every node the same key) and keep a backup of it.',
    );
  }

  const database = await openDatabase(targetFor(config.databaseUrl, config.dataDir));
  let redis: Redis | undefined;
  let vault: Vault;
  let demos: DemoServiceHandle[] = [];
  const localChanges = new InProcessPolicyChangeBus({ onError: (err) => log.warn({ err }, 'a policy change listener failed') });
  let cluster: ClusterBus | undefined;
  try {
    const migrations = await migrateToLatest(database.db);
    log.info({ database: database.describe, applied: migrations.applied, schema: migrations.current }, 'database ready');
    await checkKeyMatchesDatabase(database.db, secret.key);
    vault = await Vault.open(database.db, secret.key);
    await withStartupLock(database, async () => {
      await syncSeedCatalog(database.db, log);
      // Every node applies the bootstrap itself, so its notices need not travel.
      if (config.configFile) await applyBootstrap(database.db, config.bootstrap, config.configFile, log, { policyChanges: localChanges });
    });
    if (config.redisUrl) {
      redis = await connectRedis(config.redisUrl, log);
      cluster = await RedisClusterBus.connect(redis, log, clusterChannel(secret.key));
    }
    if (config.demo) demos = await startDemos(database.db, config.dataDir, log);
  } catch (err) {
    await Promise.allSettled(demos.map((d) => d.close()));
    await closeStorage(database, redis, cluster);
    throw err;
  }
  const bus = cluster ?? new LocalClusterBus(log);
  const policyChanges = policyChangesOver(bus, localChanges);
  const rateLimit = createRateLimiter(config.rateLimits, redis ? new RedisRateLimitStore(redis) : new MemoryRateLimitStore(), {
    onStoreError: distinctFailures((err) => log.warn({ err: err.message }, 'rate limits are not enforced while their store fails')).report,
  });

  // Listen first: with PORT=0 the public URL is known only once the system has picked the port.
  let app: ReturnType<typeof createApp> | undefined;
  let front: Front | undefined;
  let server: ServerType;
  let port: number;
  try {
    // The node bindings (env) carry the client's socket: without them no handler sees the client address.
    ({ server, port } = await listen((req, env) => app!.fetch(req, env), (req, res, next) => (front ? front(req, res, next) : next(req, res)), config.host, config.port));
  } catch (err) {
    await Promise.allSettled(demos.map((d) => d.close()));
    await closeStorage(database, redis, cluster);
    throw err;
  }
  const publicUrl = config.port === 0 ? config.publicUrl.replace(/:0$/, `:${port}`) : config.publicUrl;

  // Interactive connectors (MCP Apps) render on an origin of their own, never the web app's (docs/web.md).
  let sandbox: AppSandbox | undefined;
  try {
    sandbox = config.sandbox.enabled ? await startSandbox(config, publicUrl, log) : undefined;
  } catch (err) {
    await stopServer(server, 0);
    await Promise.allSettled(demos.map((d) => d.close()));
    await closeStorage(database, redis, cluster);
    throw err;
  }

  // Every connection made on a person's behalf (connectors' MCP endpoints, their OAuth servers) goes through the
  // egress guard: public addresses only, unless the operator allows a range; the demo services by exact origin.
  // An organization's own ranges open its custom connectors only (EgressGuards.for, by the connector's ranges).
  const guards = new EgressGuards(new EgressGuard({ allow: config.egressAllow, allowOrigins: demos.map((d) => new URL(d.url).origin) }));
  const egress = guards.base;
  const orgEgress = cachedOrgEgress(database.db);

  let accepting = true;
  // What every gateway call reads (listings, a person's policy and connections) is kept in memory and
  // dropped on each change notice; see src/shared/ttl-cache.ts.
  const listings = cachedListings(database.db);
  const resolveConnector = directoryResolver(database.db, listings.find, orgEgress.find);
  const policy = policyPort(database.db, { find: listings.find });
  const toolAccess = toolAccessPorts(database.db);
  const services: AppServices = {
    config: { publicUrl },
    database,
    redis,
    log,
    metrics: createMetrics(),
    rateLimit,
    throttle: new LoginThrottle(redis ? new RedisThrottleStore(redis) : new MemoryThrottleStore(), config.auth.loginThrottle),
    sessions: { idleHours: config.auth.sessionIdleHours, maxHours: config.auth.sessionMaxHours },
    sso: config.auth.sso ? new SsoClient(database.db, config.auth.sso, publicUrl, log) : undefined,
    connections: new ConnectionService({
      db: database.db,
      vault,
      publicUrl,
      resolveConnector,
      log,
      ...(redis ? { lock: new RedisRefreshLock(redis) } : {}),
      changes: policyChanges,
      fetch: (url, init) => egress.fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(10_000) }),
      fetchFor: (connector) => (url, init) => guards.for(connector.egressAllow).fetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(10_000) }),
    }),
    policyChanges,
    egress: guards,
    isAcceptingTraffic: () => accepting,
    web: loadWebApp(WEB_DIST, { frameSrc: sandbox ? [new URL(sandbox.url).origin] : [] }),
  };
  if (!services.web) log.warn({ dir: WEB_DIST }, 'the web app is not built, so / serves the API only: run `npm run build:web` (npm start builds it when missing) and restart');
  app = createApp(services);
  const mcpAuth = createMcpAuth({
    db: database.db,
    publicUrl,
    secretKey: secret.key,
    log,
    throttle: services.throttle,
    sessions: services.sessions,
    sso: services.sso,
    onRevoked: () => void bus.publish({ type: 'revoked' }),
  });
  mcpAuth.mount(app);
  services.credentialsRevoked = () => void bus.publish({ type: 'revoked' });
  // The operator's embedding model for hybrid tool search: loaded only when configured (the AI SDK is not needed
  // otherwise). Their own service, like the database: not behind the egress guard (docs/networking.md).
  const embedding = config.toolSearch.embedding ? (await import('../toolsearch/embedding-provider.ts')).embeddingFromSettings(config.toolSearch.embedding) : undefined;
  if (embedding) log.info({ embedding: embedding.describe }, 'tool search: hybrid with the configured embedding model');
  const gateway = createGateway({
    db: database.db,
    connections: services.connections,
    resolveConnector,
    policy,
    log,
    version: API_VERSION,
    publicUrl,
    secretKey: secret.key,
    connectUrl: (slug) => connectLink(publicUrl, slug),
    naming: config.gateway.naming,
    allowedHosts: config.gateway.allowedHosts,
    sessionIdleMs: config.gateway.sessionIdleMinutes * 60_000,
    pool: { callTimeoutMs: config.gateway.callTimeoutSeconds * 1000 },
    changes: policyChanges,
    cluster: bus,
    rateLimit,
    ...(redis ? { endedSessions: new RedisEndedSessions(redis) } : {}),
    egress: guards,
    toolAccess: { settings: toolAccess.settings, directory: toolAccess.directory, contextTokens: config.gateway.mcpContextTokens },
    ...(embedding ? { embedding } : {}),
  });
  services.toolAccess = gateway.figures;
  // The chat's model: injected by code, else the operator's `chat.model` (its provider package loaded only then).
  let chatModel: ChatModel | undefined;
  if (options.chatModel) chatModel = injectedChatModel(options.chatModel, options.chatContextTokens);
  else if (config.chat.model) chatModel = await chatModelFromSettings(config.chat.model);
  if (chatModel) log.info({ chatModel: chatModel.describe }, 'chat: answering with the configured model');
  else log.info('chat: no model configured, so the chat shows how to configure one (SWITCHBOARD_CHAT_PROVIDER, SWITCHBOARD_CHAT_MODEL, SWITCHBOARD_CHAT_API_KEY); everything else works');
  services.chat = new ChatService({
    db: database.db,
    core: gateway.core,
    index: gateway.toolAccess.index,
    settings: toolAccess.settings,
    // Directory listings offered to the chat (never custom connectors), on the organization's plan.
    directory: (orgId) => toolAccess.directory(orgId, 'chat'),
    describe: resolveConnector,
    connectUrl: (slug) => connectLink(publicUrl, slug),
    model: chatModel,
    log,
    changes: policyChanges,
    appSandboxUrl: sandbox?.url,
    ...(redis ? { locks: new RedisLeaseLocks(redis, 'sb:chat-turn:') } : {}),
  });
  front = gateway.mount(
    app,
    { request: (request, reference) => mcpAuth.authenticateMcpRequest(request, { reference }), header: (authorization, reference) => mcpAuth.authenticateAuthorization(authorization, { reference }) },
    { onRelayed: relayMetrics(services.metrics) },
  );
  const forgetCaches = () => {
    policy.invalidate();
    listings.clear();
    toolAccess.clear();
    orgEgress.clear();
  };
  const forgetOnChange = policyChanges.subscribe((change) => {
    forgetCaches();
    if (change.kind === 'connection' && change.userId) services.connections.invalidate(change.userId);
  });
  const forgetOnClusterEvent = bus.subscribe((event) => {
    if (event.type === 'revoked') mcpAuth.forgetAcceptedTokens();
    else if (event.type === 'resync') {
      forgetCaches();
      services.connections.invalidateAll();
      mcpAuth.forgetAcceptedTokens();
    }
  });

  const purge = setInterval(() => {
    purgeExpiredSessions(database.db).catch((err: unknown) => log.warn({ err }, 'could not purge expired sessions'));
  }, 3_600_000);
  purge.unref();

  const url = publicUrl;
  log.info({ url, port, host: config.host, node: process.version }, `Switchboard is running at ${url}`);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      accepting = false;
      clearInterval(purge);
      log.info({ graceSeconds: config.shutdownGraceSeconds }, 'shutting down: finishing in-flight requests');
      await stopServer(server, config.shutdownGraceSeconds * 1000);
      forgetOnChange();
      forgetOnClusterEvent();
      policyChanges.detach();
      await Promise.allSettled([gateway.close(), mcpAuth.close(), ...demos.map((d) => d.close()), ...(sandbox ? [sandbox.close()] : [])]);
      await guards.close();
      await closeStorage(database, redis, bus);
      log.info('shutdown complete');
    })());

  return { url, port, services, sandboxUrl: sandbox?.url, demos, close };
}

/**
 * The sandbox origin: its own port (the server's + 1 unless set; a default that is taken falls back to a free
 * port), reached at `sandbox.publicUrl`, else at the server's public host name with that port.
 */
async function startSandbox(config: Config, publicUrl: string, log: Logger): Promise<AppSandbox> {
  const embedderOrigin = new URL(publicUrl).origin;
  const open = (port: number) => startAppSandbox({ host: config.host, port, embedderOrigin, publicUrl: config.sandbox.publicUrl });
  let sandbox: AppSandbox;
  try {
    sandbox = await open(config.sandbox.port);
  } catch (err) {
    if (!config.sandbox.portDefaulted || config.sandbox.port === 0) throw err;
    log.warn({ port: config.sandbox.port, err: (err as Error).message }, 'the interactive app sandbox could not take its default port; using a free one (set SWITCHBOARD_SANDBOX_PORT to choose)');
    sandbox = await open(0);
  }
  if (!config.sandbox.publicUrl) {
    const app = new URL(publicUrl);
    const url = `${app.protocol}//${app.hostname}:${new URL(sandbox.url).port}`;
    sandbox = { url, close: sandbox.close };
    if (app.protocol === 'https:') {
      log.warn({ sandboxUrl: url }, 'PUBLIC_URL is https but SWITCHBOARD_SANDBOX_URL is not set: interactive apps load from this address, which a TLS proxy must serve; set SWITCHBOARD_SANDBOX_URL to where browsers reach the sandbox');
    }
  }
  if (new URL(sandbox.url).origin === new URL(publicUrl).origin) {
    await sandbox.close();
    throw new Error(`The interactive app sandbox must not share the web app's origin (${new URL(publicUrl).origin}): set SWITCHBOARD_SANDBOX_URL to a different host or port.`);
  }
  log.info({ sandboxUrl: sandbox.url }, 'interactive apps (MCP Apps) render on their own origin');
  return sandbox;
}

/** The `/mcp` metrics of requests the relay front answers itself: the series the route's would have gone to. */
function relayMetrics(metrics: Metrics): (answer: RelayAnswer) => void {
  // Label sets resolved once: the relay records every tool call, and hashing labels each time showed up.
  const duration = metrics.httpDuration.labels({ method: 'POST', route: '/mcp' });
  const relayed = { modern: metrics.mcpRelayed.labels({ era: 'modern' }), legacy: metrics.mcpRelayed.labels({ era: 'legacy' }) };
  const requests = new Map<number, { inc(): void }>();
  return ({ status, seconds, era, relayed: wasRelayed }) => {
    if (wasRelayed) relayed[era].inc();
    let counter = requests.get(status);
    if (!counter) requests.set(status, (counter = metrics.httpRequests.labels({ method: 'POST', route: '/mcp', status: String(status) })));
    counter.inc();
    duration.observe(seconds);
  };
}

/** Sees each request before the framework does, and hands on what it does not serve itself (the /mcp relay). */
type Front = (req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage, res: ServerResponse) => void) => void;

function listen(fetch: (req: Request, env: unknown) => Response | Promise<Response>, front: Front, hostname: string, port: number): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve, reject) => {
    const createServer = ((options: ServerOptions, framework: (req: IncomingMessage, res: ServerResponse) => void) =>
      createHttpServer(options, (req, res) => front(req, res, framework))) as unknown as typeof createHttpServer;
    const server = serve({ fetch, hostname, port, createServer }, (info) => resolve({ server, port: info.port }));
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`Port ${port} on ${hostname} is already in use. Stop the other program, or set PORT to a free port.`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new Error(`Cannot listen on ${hostname}: this machine has no such address. Set HOST to one of its addresses (127.0.0.1 or 0.0.0.0).`));
      else reject(err);
    });
  });
}

function stopServer(server: ServerType, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const node = server as import('node:http').Server;
    // Idle keep-alive sockets would hold close() open until they time out.
    node.closeIdleConnections?.();
    const force = setTimeout(() => node.closeAllConnections?.(), graceMs);
    force.unref();
    node.close(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

async function closeStorage(database: Database, redis: Redis | undefined, cluster: ClusterBus | undefined): Promise<void> {
  await cluster?.close();
  if (redis) await redis.quit().catch(() => redis.disconnect());
  await database.close();
}
