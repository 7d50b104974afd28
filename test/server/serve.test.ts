import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStorage } from '../helpers/db.ts';
import { ROOT, startServerProcess, type ServerProcess } from '../helpers/process.ts';

/**
 * `switchboard serve` as a real process, on PGlite in a data folder by default and on a fresh
 * PostgreSQL database when DATABASE_URL is set.
 */
let storageEnv: Record<string, string | undefined>;
let dropDatabase: (() => Promise<void>) | undefined;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'sb-serve-'));
  ({ env: storageEnv, drop: dropDatabase } = await processStorage('sb-serve-'));
});
afterAll(async () => {
  await dropDatabase?.();
});

const bootstrapFile = () => {
  const file = path.join(workDir, 'switchboard.yaml');
  writeFileSync(file, readFileSync(path.join(ROOT, 'docs/examples/bootstrap.yaml')));
  return file;
};

async function api(server: ServerProcess, route: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const res = await fetch(`${server.url}${route}`, { ...init, headers });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('switchboard serve', () => {
  it('applies the bootstrap twice into one organization, one member and a working token; data survives restarts', async () => {
    const file = bootstrapFile();
    const first = await startServerProcess(storageEnv, ['--config', file]);
    let apiToken: string;
    try {
      expect((await api(first, '/healthz')).body).toEqual({ status: 'ok' });
      expect(first.logs.find((l) => l.msg === 'Switchboard starting')?.node).toBe(process.version);
      const me = await api(first, '/api/v1/me', { token: 'sbp_test_olivia_1' });
      expect(me.status).toBe(200);
      expect(me.body.user.email).toBe('olivia@acme.test');
      expect(me.body.organizations).toEqual([expect.objectContaining({ organization: expect.objectContaining({ slug: 'acme', name: 'Acme Corp', plan: 'team' }), role: 'owner' })]);
      const login = await api(first, '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'olivia@acme.test', password: 'change-me' }) });
      expect(login.status).toBe(200);
      const created = await api(first, '/api/v1/me/tokens', { method: 'POST', token: 'sbp_test_olivia_1', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'written before restart' }) });
      expect(created.status).toBe(201);
      apiToken = created.body.token as string;
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }
    expect(first.logs.map((l) => l.msg)).toContain('shutdown complete');

    const second = await startServerProcess(storageEnv, ['--config', file]);
    try {
      const report = second.logs.find((l) => l.msg === 'bootstrap applied');
      expect(report).toMatchObject({
        organizations: { created: 0, updated: 0, unchanged: 1 },
        users: { created: 0, updated: 0, unchanged: 1 },
        memberships: { created: 0, updated: 0, unchanged: 1 },
        tokens: { created: 0, unchanged: 1 },
      });
      const members = await api(second, '/api/v1/orgs/acme/members', { token: 'sbp_test_olivia_1' });
      expect(members.body.members).toEqual([expect.objectContaining({ email: 'olivia@acme.test', role: 'owner' })]);
      const tokens = await api(second, '/api/v1/me/tokens', { token: apiToken });
      expect(tokens.status).toBe(200);
      expect(tokens.body.tokens.map((t: { name: string }) => t.name).sort()).toEqual(['Declared in the bootstrap file', 'written before restart']);
    } finally {
      expect(await second.stop()).toBe(0);
    }

    // Without the file, nothing declared is removed.
    const third = await startServerProcess(storageEnv);
    try {
      expect((await api(third, '/api/v1/me', { token: 'sbp_test_olivia_1' })).body.organizations).toHaveLength(1);
    } finally {
      await third.stop();
    }
  });

  it('refuses to start on a wrong field, naming the field, the file and the line', async () => {
    const file = path.join(workDir, 'bad.yaml');
    writeFileSync(file, readFileSync(path.join(ROOT, 'docs/examples/bootstrap.yaml'), 'utf8').replace('plan: team', 'plan: premium'));
    const err = (await startServerProcess(storageEnv, ['--config', file]).then(
      (s) => s.stop().then(() => undefined),
      (e: unknown) => e,
    )) as { code: number; stderr: string } | undefined;
    expect(err, 'the server must not start').toBeDefined();
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain(`${file}:6:11: organizations[0].plan: must be one of "free", "pro", "team", "enterprise"; got "premium"`);
  });

  it('refuses a second process on the same PGlite data folder (PGlite only, whatever DATABASE_URL says)', async () => {
    const pgliteEnv = { SWITCHBOARD_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sb-lock-')) };
    const first = await startServerProcess(pgliteEnv);
    try {
      const err = (await startServerProcess(pgliteEnv).then(
        (s) => s.stop().then(() => undefined),
        (e: unknown) => e,
      )) as { stderr: string } | undefined;
      expect(err?.stderr).toMatch(/is in use by another Switchboard process \(pid \d+\)/);
      expect((await api(first, '/healthz')).status).toBe(200);
    } finally {
      await first.stop();
    }
  });

  it('refuses a secret key that differs from the one the database was set up with', async () => {
    const keyA = Buffer.alloc(32, 1).toString('base64');
    const keyB = Buffer.alloc(32, 2).toString('base64');
    const { env, drop } = await processStorage('sb-key-');
    try {
      await (await startServerProcess({ ...env, SWITCHBOARD_SECRET_KEY: keyA })).stop();
      const err = (await startServerProcess({ ...env, SWITCHBOARD_SECRET_KEY: keyB }).then(
        (s) => s.stop().then(() => undefined),
        (e: unknown) => e,
      )) as { stderr: string } | undefined;
      expect(err?.stderr).toMatch(/secret key does not match the one this database was set up with/);
      await (await startServerProcess({ ...env, SWITCHBOARD_SECRET_KEY: keyA })).stop();
    } finally {
      await drop();
    }
  });

  it('finishes an in-flight request on SIGTERM, then exits 0 and refuses new connections', async () => {
    const server = await startServerProcess(storageEnv);
    const inflight = fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@acme.test', password: 'x'.repeat(20) }) });
    // The login request hashes a password (tens of ms), so it is still running when the signal lands.
    await new Promise((r) => setTimeout(r, 5));
    const code = server.stop('SIGTERM');
    expect((await inflight).status).toBe(401);
    expect(await code).toBe(0);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
