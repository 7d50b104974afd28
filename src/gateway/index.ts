import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { AppEnv } from '../api/context.ts';
import type { ConnectionService } from '../connections/service.ts';
import type { ConnectorTarget } from '../connections/types.ts';
import type { DB } from '../db/schema.ts';
import type { Logger } from '../observability/logger.ts';
import { UpstreamPool, type PoolOptions } from '../upstream/pool.ts';
import { AuditLog } from './audit.ts';
import { GatewayCore } from './core.ts';
import { mountMcpEndpoint, type McpAuthenticator } from './mcp-endpoint.ts';
import { organizationFor } from './organization.ts';
import type { PolicyPort } from './policy-port.ts';
import type { PolicyChangeBus } from '../policy/changes.ts';

export interface GatewayOptions {
  db: Kysely<DB>;
  connections: ConnectionService;
  resolveConnector: (slug: string) => Promise<ConnectorTarget | undefined>;
  policy: PolicyPort;
  log: Logger;
  version: string;
  pool?: PoolOptions;
  /** Policy and enablement changes: each one tells connected clients to list their tools again. */
  changes?: PolicyChangeBus;
}

/** The gateway core and the /mcp endpoint on top of it, ready to mount on the Switchboard app. */
export function createGateway(options: GatewayOptions) {
  const pool = new UpstreamPool(options.pool);
  const core = new GatewayCore({
    connections: options.connections,
    resolveConnector: options.resolveConnector,
    policy: options.policy,
    pool,
    audit: new AuditLog(options.db, options.log),
    log: options.log,
  });
  let endpoint: ReturnType<typeof mountMcpEndpoint> | undefined;
  const unsubscribe = options.changes?.subscribe(() => endpoint?.toolsChanged());
  return {
    core,
    mount(app: Hono<AppEnv>, authenticate: McpAuthenticator) {
      endpoint = mountMcpEndpoint(app, { core, authenticate, organizationFor: (userId, requested) => organizationFor(options.db, userId, requested), version: options.version });
    },
    async close() {
      unsubscribe?.();
      await endpoint?.close();
      await pool.close();
    },
  };
}
