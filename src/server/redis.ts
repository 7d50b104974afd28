import { Redis } from 'ioredis';
import { redactUrl } from '../db/database.ts';
import type { Logger } from '../observability/logger.ts';
import { distinctFailures } from '../observability/distinct-failures.ts';

/** Connects at start so a wrong REDIS_URL fails loudly now rather than at the first sign-in. */
export async function connectRedis(url: string, log: Logger): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 2 });
  // ioredis reconnects by itself; each distinct failure is logged once rather than on every retry.
  const failures = distinctFailures((err) => log.warn({ err: err.message }, 'Redis connection problem'));
  redis.on('error', failures.report);
  redis.on('ready', failures.reset);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message}. Check REDIS_URL and that Redis is running, or unset REDIS_URL to run without it.`, { cause: err });
  }
  log.info({ redis: redactUrl(url) }, 'Redis connected');
  return redis;
}
