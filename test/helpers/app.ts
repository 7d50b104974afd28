import { Writable } from 'node:stream';
import { createApp } from '../../src/api/app.ts';
import type { AppServices } from '../../src/api/services.ts';
import type { ConnectionService } from '../../src/connections/service.ts';
import type { ThrottleSettings } from '../../src/config/schema.ts';
import type { Database } from '../../src/db/database.ts';
import { LoginThrottle, MemoryThrottleStore } from '../../src/identity/login-throttle.ts';
import type { SsoClient } from '../../src/identity/sso.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetrics } from '../../src/observability/metrics.ts';
import { EgressGuard, EgressGuards } from '../../src/upstream/egress.ts';

/** Captures every JSON log line the code under test writes. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  }
}

export const THROTTLE: ThrottleSettings = { maxFailures: 5, lockoutSeconds: 60, maxLockoutSeconds: 900, ipMaxFailures: 50, windowSeconds: 900 };

export interface TestApp {
  app: ReturnType<typeof createApp>;
  services: AppServices;
  logs: LogCapture;
  /** Sends a request to the in-process app, as a client at `publicUrl` would. */
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** For apps whose test does not exercise connections: any use says so loudly instead of misbehaving. */
const noConnections = new Proxy({} as ConnectionService, {
  get: (_t, prop) => {
    throw new Error(`this test app was created without a ConnectionService (used: ${String(prop)}); pass { connections } to createTestApp`);
  },
});

export function createTestApp(database: Database, options: { publicUrl?: string; throttle?: LoginThrottle; sso?: SsoClient; connections?: ConnectionService } = {}): TestApp {
  const logs = new LogCapture();
  const publicUrl = options.publicUrl ?? 'http://127.0.0.1:3999';
  const services: AppServices = {
    config: { publicUrl },
    database,
    redis: undefined,
    log: createLogger('debug', logs),
    metrics: createMetrics(),
    throttle: options.throttle ?? new LoginThrottle(new MemoryThrottleStore(), THROTTLE),
    sessions: { idleHours: 24, maxHours: 24 * 7 },
    sso: options.sso,
    connections: options.connections ?? noConnections,
    // The guard as shipped: public addresses only (tests that reach local servers put their own in).
    egress: new EgressGuards(new EgressGuard()),
    isAcceptingTraffic: () => true,
  };
  const app = createApp(services);
  return { app, services, logs, request: (path, init) => Promise.resolve(app.request(`${publicUrl}${path}`, init)) };
}

export const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export interface ErrorBody {
  error: { code: string; message: string; reference: string; details?: unknown };
}

/** Every error has the one shape, and its reference is the request id and appears in a log line with the same code. */
export async function expectApiError(t: TestApp, res: Response, status: number, code: string): Promise<ErrorBody['error']> {
  const { expect } = await import('vitest');
  expect(res.status).toBe(status);
  const body = await json<ErrorBody>(res);
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code, message: expect.any(String), reference: expect.stringMatching(/^req_[A-Za-z0-9_-]{12}$/) });
  expect(body.error.message.length).toBeGreaterThan(20);
  expect(res.headers.get('x-request-id')).toBe(body.error.reference);
  expect(t.logs.lines.some((l) => l.reference === body.error.reference && l.code === code), 'the reference must appear in the log').toBe(true);
  return body.error;
}
