import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { withRequestId } from '../../audit/context.ts';
import { requestReference } from '../../shared/crypto.ts';
import type { AppEnv } from '../context.ts';
import type { AppServices } from '../services.ts';

/** Gives each request an id (also the error reference), a child logger, an access-log line and metrics. */
export function requestContext(services: AppServices): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = requestReference();
    const log = services.log.child({ reqId: requestId });
    c.set('services', services);
    c.set('requestId', requestId);
    c.set('log', log);
    c.set('principal', undefined);
    c.header('X-Request-Id', requestId);
    try {
      // Audit events recorded while serving this request carry its id (src/audit/context.ts).
      await withRequestId(requestId, next);
    } finally {
      const seconds = (performance.now() - started) / 1000;
      // The matched pattern, not the raw path: one series per route, whatever the ids in the URL.
      const route = c.res.status === 404 && routePath(c) === '/*' ? 'unmatched' : routePath(c);
      services.metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
      services.metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
      const principal = c.get('principal');
      log.info({ method: c.req.method, path: c.req.path, route, status: c.res.status, ms: Math.round(seconds * 10000) / 10, user: principal?.userId }, 'request');
    }
  };
}
