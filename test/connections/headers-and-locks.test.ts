import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseRefreshLock, RedisRefreshLock, type RefreshLock } from '../../src/connections/refresh-lock.ts';
import { ConnectionService } from '../../src/connections/service.ts';
import type { ConnectorTarget } from '../../src/connections/types.ts';
import { Vault } from '../../src/connections/vault.ts';
import type { Database } from '../../src/db/database.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { testDatabase } from '../helpers/db.ts';
import { person } from '../helpers/fixtures.ts';
import { needs } from '../helpers/services.ts';

let database: Database;
let connections: ConnectionService;
const keyed: ConnectorTarget = { slug: 'keyed', name: 'Keyed API', url: 'https://keyed.example/mcp', auth: 'headers', headerNames: ['X-Api-Key', 'X-Workspace'] };
const open: ConnectorTarget = { slug: 'open', name: 'Open API', url: 'https://open.example/mcp', auth: 'none' };

beforeAll(async () => {
  database = await testDatabase();
  const vault = await Vault.open(database.db, randomBytes(32));
  connections = new ConnectionService({ db: database.db, vault, publicUrl: 'http://127.0.0.1:3999', resolveConnector: async (slug) => [keyed, open].find((c) => c.slug === slug), log: createLogger('silent') });
});
afterAll(async () => {
  await database.close();
});

const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);

describe('API-key (header) connections', () => {
  it('stores allowed headers per person, sealed, and hands them to upstream requests', async () => {
    const a = await person(database.db, 'keys-a@acme.test');
    const b = await person(database.db, 'keys-b@acme.test');
    const summary = await connections.connectWithHeaders(a.user.id, 'keyed', { 'x-api-key': 'secret-a-123', 'X-Workspace': 'ws-a' });
    expect(summary).toMatchObject({ status: 'connected', authKind: 'headers', headerNames: ['X-Api-Key', 'X-Workspace'] });
    await connections.connectWithHeaders(b.user.id, 'keyed', { 'X-Api-Key': 'secret-b-456' });
    expect((await connections.credentialsFor(a.user.id, 'keyed')).headers).toEqual({ 'X-Api-Key': 'secret-a-123', 'X-Workspace': 'ws-a' });
    expect((await connections.credentialsFor(b.user.id, 'keyed')).headers).toEqual({ 'X-Api-Key': 'secret-b-456' });
    const row = await database.db.selectFrom('connections').select('headers_enc').where('user_id', '=', a.user.id).executeTakeFirstOrThrow();
    expect(row.headers_enc).not.toContain('secret-a-123');
    expect(JSON.stringify(await connections.list(a.user.id))).not.toContain('secret-a-123');
  });

  it('refuses header names outside the listing, too many headers, and multi-line values', async () => {
    const p = await person(database.db, 'keys-c@acme.test');
    expect((await refusal(connections.connectWithHeaders(p.user.id, 'keyed', { Host: 'evil' })))?.message).toMatch(/does not take the header "Host"; it takes X-Api-Key, X-Workspace/);
    expect((await refusal(connections.connectWithHeaders(p.user.id, 'keyed', { a: '1', b: '2', c: '3', d: '4', e: '5' })))?.message).toMatch(/At most 4/);
    expect((await refusal(connections.connectWithHeaders(p.user.id, 'keyed', { 'X-Api-Key': 'a\r\nX-Injected: 1' })))?.message).toMatch(/one line/);
    expect((await refusal(connections.connectWithHeaders(p.user.id, 'keyed', {})))?.status).toBe(400);
    expect(await connections.get(p.user.id, 'keyed')).toBeUndefined();
  });

  it('a no-auth connector needs no connection (credentials are empty), and can still be connected explicitly', async () => {
    const p = await person(database.db, 'open@acme.test');
    expect(await connections.credentialsFor(p.user.id, 'open')).toEqual({ headers: {} });
    expect((await refusal(connections.credentialsFor(p.user.id, 'keyed')))?.code).toBe('not_connected');
    await connections.connectWithHeaders(p.user.id, 'open', {});
    expect(await connections.credentialsFor(p.user.id, 'open')).toEqual({ headers: {} });
    expect(await connections.disconnect(p.user.id, 'open')).toEqual({ revocation: 'unsupported' });
  });
});

const redisNeed = needs('REDIS_URL');
let redis: Redis | undefined;
afterAll(async () => {
  await redis?.quit();
});

const locks: Array<[string, () => Promise<{ lock: RefreshLock; id: string }>, boolean, string]> = [
  [
    'database row lease',
    async () => {
      const p = await person(database.db, `lease-${randomBytes(3).toString('hex')}@acme.test`);
      await connections.connectWithHeaders(p.user.id, 'open', {});
      const row = await connections.store.get(p.user.id, 'open');
      return { lock: new DatabaseRefreshLock(database.db), id: row!.id };
    },
    false,
    '',
  ],
  [
    'Redis lease',
    async () => {
      redis ??= new Redis(process.env.REDIS_URL!);
      return { lock: new RedisRefreshLock(redis, `sb:test:lock:${randomBytes(4).toString('hex')}:`), id: 'connection-1' };
    },
    redisNeed.skip,
    redisNeed.reason,
  ],
];

for (const [label, make, skip, reason] of locks) {
  describe.skipIf(skip)(`refresh lock: ${label}${reason ? ` (${reason})` : ''}`, () => {
    it('admits one holder at a time, and the next after release', async () => {
      const { lock, id } = await make();
      const first = await lock.tryAcquire(id, 30_000);
      expect(first).toBeTypeOf('function');
      expect(await lock.tryAcquire(id, 30_000)).toBeUndefined();
      await first!();
      const second = await lock.tryAcquire(id, 30_000);
      expect(second).toBeTypeOf('function');
      await second!();
    });

    it('lets a lease that its holder never released lapse', async () => {
      const { lock, id } = await make();
      expect(await lock.tryAcquire(id, 50)).toBeTypeOf('function');
      await new Promise((r) => setTimeout(r, 120));
      const next = await lock.tryAcquire(id, 30_000);
      expect(next).toBeTypeOf('function');
      await next!();
    });

    it('a stale holder releasing late does not free the next holder\'s lease', async () => {
      const { lock, id } = await make();
      const stale = await lock.tryAcquire(id, 50);
      await new Promise((r) => setTimeout(r, 120));
      const current = await lock.tryAcquire(id, 30_000);
      await stale!();
      expect(await lock.tryAcquire(id, 30_000)).toBeUndefined();
      await current!();
    });
  });
}
