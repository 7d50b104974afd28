import { Hono } from 'hono';
import type { AppEnv } from '../context.ts';

async function check(label: string, probe: () => Promise<unknown>, timeoutMs = 2000): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${label} did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness, readiness and metrics: outside /api/v1 and unauthenticated, for load balancers and Prometheus. */
export function healthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const services = c.get('services');
    const checks: Record<string, string> = { database: await check('the database', () => services.database.ping()) };
    const redis = services.redis;
    checks.redis = redis ? await check('Redis', () => redis.ping()) : 'not configured';
    const accepting = services.isAcceptingTraffic();
    if (!accepting) checks.server = 'shutting down';
    const ready = accepting && Object.values(checks).every((v) => v === 'ok' || v === 'not configured');
    return c.json({ status: ready ? 'ready' : 'unavailable', checks }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => {
    const registry = c.get('services').metrics.registry;
    return c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
  });
  return app;
}
