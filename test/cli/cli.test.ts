import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStorage, usingPostgres } from '../helpers/db.ts';
import { cli, startServerProcess } from '../helpers/process.ts';

let env: Record<string, string | undefined>;
let drop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ env, drop } = await processStorage('sb-cli-'));
});
afterAll(async () => {
  await drop?.();
});

async function ok(args: string[], input?: string): Promise<string> {
  const result = await cli(args, env, input);
  expect(result.stderr, `switchboard ${args.join(' ')} failed`).not.toMatch(/^switchboard: /m);
  expect(result.code).toBe(0);
  return result.stdout;
}

describe('switchboard CLI', () => {
  it('prints help for every command', async () => {
    const top = await ok(['--help']);
    for (const command of ['serve', 'migrate', 'users', 'orgs', 'tokens']) expect(top).toContain(command);
    expect(await ok(['users', '--help'])).toMatch(/create.*\n.*list/s);
    expect(await ok(['orgs', '--help'])).toMatch(/add-member/);
    expect(await ok(['tokens', '--help'])).toMatch(/revoke/);
    expect(await ok(['tokens', 'create', '--help'])).toMatch(/--user <email>/);
  });

  // A dozen CLI processes, each starting Node and opening the database: slow on a loaded 2-core machine.
  it('migrates, creates people and organizations, issues a token the server accepts, and revokes it', { timeout: 150_000 }, async () => {
    expect(await ok(['migrate'])).toMatch(/Applied 0001_foundation|up to date/);
    expect(await ok(['migrate'])).toMatch(/up to date \(\d{4}_\w+\)/);
    expect(await ok(['users', 'create', 'pat@acme.test', '--name', 'Pat', '--password-stdin'], 'pat-password-1\n')).toMatch(/^Created pat@acme\.test/);
    await ok(['users', 'create', 'sam@acme.test']);
    expect(await ok(['orgs', 'create', 'acme', '--name', 'Acme Corp', '--plan', 'team', '--owner', 'pat@acme.test'])).toMatch(/Created organization acme \(Acme Corp, team plan\)/);
    expect(await ok(['orgs', 'add-member', 'acme', 'sam@acme.test', '--role', 'owner'])).toMatch(/Added sam@acme\.test to acme as owner/);

    const users = JSON.parse(await ok(['users', 'list', '--json'])) as { users: Array<{ email: string; password: string }> };
    expect(users.users.map((u) => [u.email, u.password])).toEqual([
      ['pat@acme.test', 'yes'],
      ['sam@acme.test', 'no'],
    ]);
    expect(JSON.parse(await ok(['orgs', 'list', '--json']))).toMatchObject({ organizations: [{ slug: 'acme', plan: 'team', parent: null }] });

    const token = (await ok(['tokens', 'create', '--user', 'pat@acme.test', '--name', 'laptop'])).trim();
    expect(token).toMatch(/^sbp_[A-Za-z0-9_-]{40}$/);
    const listed = JSON.parse(await ok(['tokens', 'list', '--user', 'pat@acme.test', '--json'])) as { tokens: Array<{ id: string; hint: string; source: string }> };
    expect(listed.tokens).toEqual([expect.objectContaining({ hint: `sbp_…${token.slice(-4)}`, source: 'cli' })]);
    expect(JSON.stringify(listed)).not.toContain(token);

    let server = await startServerProcess(env);
    try {
      const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ user: { email: 'pat@acme.test', name: 'Pat' }, organizations: [{ organization: { slug: 'acme' }, role: 'primary_owner' }] });
      if (!usingPostgres) {
        // The embedded database belongs to the running server: the CLI says so instead of corrupting it.
        const busy = await cli(['users', 'list'], env);
        expect(busy.code).toBe(1);
        expect(busy.stderr).toMatch(/in use by another Switchboard process .* stop that process first, or set DATABASE_URL/);
        await server.stop();
      }
      expect(await ok(['tokens', 'revoke', listed.tokens[0]!.id])).toMatch(/^Revoked sbp_…/);
      if (!usingPostgres) server = await startServerProcess(env);
      const after = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(after.status).toBe(401);
    } finally {
      await server.stop();
    }
  });

  it('rotates the data key and the secret key; the server then starts only with the new key', async () => {
    expect(await ok(['keys', 'rotate-data-key'])).toMatch(/^Data key \d+ is active; \d+ secret\(s\) re-sealed; 1 old key\(s\) dropped\.$/m);
    const newKey = Buffer.alloc(32, 9).toString('base64');
    const rotated = await ok(['keys', 'rotate-secret'], `${newKey}\n`);
    expect(rotated).toMatch(/Re-wrapped 1 data key\(s\) under the new secret key/);
    const refused = await startServerProcess(env).then(
      (s) => s.stop().then(() => undefined),
      (e: { stderr: string }) => e,
    );
    expect(refused?.stderr).toMatch(/secret key does not match/);
    const server = await startServerProcess({ ...env, SWITCHBOARD_SECRET_KEY: newKey });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.stop();
    const bad = await cli(['keys', 'rotate-secret'], { ...env, SWITCHBOARD_SECRET_KEY: newKey }, 'not a key\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/openssl rand -base64 32/);
  });

  it('explains mistakes and exits non-zero', async () => {
    const dupe = await cli(['users', 'create', 'PAT@acme.test'], env);
    expect(dupe.code).toBe(1);
    expect(dupe.stderr).toMatch(/already exists/);
    const badPlan = await cli(['orgs', 'create', 'x', '--name', 'X', '--plan', 'gold'], env);
    expect(badPlan.code).not.toBe(0);
    expect(badPlan.stderr).toMatch(/Allowed choices are free, pro, team, enterprise/);
    const primary = await cli(['orgs', 'add-member', 'acme', 'sam@acme.test', '--role', 'primary_owner'], env);
    expect(primary.code).toBe(1);
    expect(primary.stderr).toMatch(/already a member/);
    const noUser = await cli(['tokens', 'create', '--user', 'ghost@acme.test', '--name', 'x'], env);
    expect(noUser.stderr).toMatch(/No account has the email ghost@acme\.test/);
    const badEnv = await cli(['users', 'list'], { ...env, PORT: 'abc' });
    expect(badEnv.code).toBe(1);
    expect(badEnv.stderr).toMatch(/environment: PORT: must be a port number/);
  });
});
