import type { Redis } from 'ioredis';
import type { Config } from '../config/load.ts';
import type { ConnectionService } from '../connections/service.ts';
import type { Database } from '../db/database.ts';
import type { LoginThrottle } from '../identity/login-throttle.ts';
import type { SessionSettings } from '../identity/sessions.ts';
import type { ResolveTxt } from '../identity/domains.ts';
import type { SsoClient } from '../identity/sso.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { PolicyChangeBus } from '../policy/changes.ts';
import type { EgressGuards } from '../upstream/egress.ts';
import type { ToolAccessFiguresPort } from '../gateway/index.ts';
import type { ChatService } from '../chat/service.ts';
import type { WebApp } from './web-app.ts';
import type { RateLimiter } from '../shared/rate-limit.ts';

/** Everything the HTTP layer needs, built once by the server and handed in. */
export interface AppServices {
  config: Pick<Config, 'publicUrl'>;
  database: Database;
  redis: Redis | undefined;
  log: Logger;
  metrics: Metrics;
  throttle: LoginThrottle;
  /** Requests per minute per person and organization (docs/operating.md#rate-limits); left out, no limit. */
  rateLimit?: RateLimiter | undefined;
  sessions: SessionSettings;
  sso: SsoClient | undefined;
  connections: ConnectionService;
  /**
   * Where policy writes announce themselves, so the gateway can send tools/list_changed at once. The
   * server passes the same bus to the gateway; left out, writes still apply but nobody is told.
   */
  policyChanges?: PolicyChangeBus | undefined;
  /**
   * Called after a personal access token or an MCP client's grant is revoked here, so the MCP endpoint
   * forgets tokens it accepted recently (it remembers them a few seconds to keep the database off each call).
   */
  credentialsRevoked?: (() => void) | undefined;
  /** Connections made on a person's behalf to an address they supplied go through it (docs/networking.md). */
  /** `egress.base` is the operator's guard; `egress.for(ranges)` adds an organization's ranges (custom connectors). */
  egress: EgressGuards;
  /** DNS TXT lookups for domain verification; `dns.promises.resolveTxt` when left out (tests inject one). */
  resolveTxt?: ResolveTxt | undefined;
  /**
   * Token figures of a person's tools per access mode (docs/tool-access.md), from the gateway; absent in apps
   * built without one (the figures are then left out of the answer).
   */
  toolAccess?: ToolAccessFiguresPort | undefined;
  /** The built web app served at `/` (web/dist); absent when it is not built, or in apps built for tests. */
  web?: WebApp | undefined;
  /** The web chat (docs/chat.md); absent in apps built without the gateway (its routes then answer 503). */
  chat?: ChatService | undefined;
  /** False once shutdown begins: `/readyz` then tells the load balancer to stop sending traffic. */
  isAcceptingTraffic(): boolean;
}
