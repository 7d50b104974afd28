import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** One registry per server instance, so tests can run several servers in one process. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  loginAttempts: Counter<'method' | 'outcome'>;
  mcpRelayed: Counter<'era'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'switchboard_http_requests_total',
      help: 'HTTP requests by method, matched route and status code.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'switchboard_http_request_duration_seconds',
      help: 'HTTP request duration by method and matched route.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    loginAttempts: new Counter({
      name: 'switchboard_login_attempts_total',
      help: 'Sign-in attempts by method (password, sso) and outcome.',
      labelNames: ['method', 'outcome'],
      registers: [registry],
    }),
    mcpRelayed: new Counter({
      name: 'switchboard_mcp_relayed_calls_total',
      help: 'tools/call requests on /mcp relayed to their connector as one request (the fast path) rather than served by the SDK path, by the client\'s protocol era (modern: 2026-07-28, legacy: 2025).',
      labelNames: ['era'],
      registers: [registry],
    }),
  };
}
