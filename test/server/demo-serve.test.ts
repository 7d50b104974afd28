import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE } from '../../demo/index.ts';
import { processStorage } from '../helpers/db.ts';
import { authorizeAtDemo } from '../helpers/demo-browser.ts';
import { startServerProcess, type ServerProcess } from '../helpers/process.ts';

/** `switchboard serve` with its demo services, as `npm start` runs it: listed, connectable at once, no port fights. */
let storage: Awaited<ReturnType<typeof processStorage>>;
let second: Awaited<ReturnType<typeof processStorage>>;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  storage = await processStorage('sb-demo-a-');
  second = await processStorage('sb-demo-b-');
  const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
  writeFileSync(file, 'organizations:\n  - slug: acme\n    name: Acme\n    plan: team\n    members:\n      - { email: olivia@acme.test, role: owner, password: olivia-password }\n');
  a = await startServerProcess({ ...storage.env, SWITCHBOARD_DEMO: 'on' }, ['--config', file]);
  b = await startServerProcess({ ...second.env, SWITCHBOARD_DEMO: 'on' });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await storage?.drop();
  await second?.drop();
});

describe('serve with the demo services', () => {
  it('lists the three demo services in the directory, and a second Switchboard gets other ports', async () => {
    const urlsOf = async (server: ServerProcess) => {
      const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'olivia@acme.test', password: 'olivia-password' }) });
      return login;
    };
    expect((await urlsOf(a)).status).toBe(200);
    const started = (s: ServerProcess) => (s.logs.find((l) => l.msg === 'demo services started')?.demos ?? []) as Array<{ slug: string; url: string }>;
    expect(started(a).map((d) => d.slug).sort()).toEqual(['demo-chat', 'demo-drive', 'demo-tracker']);
    const portsA = new Set(started(a).map((d) => new URL(d.url).port));
    const portsB = started(b).map((d) => new URL(d.url).port);
    expect(portsB).toHaveLength(3);
    for (const port of portsB) expect(portsA.has(port)).toBe(false);
  });

  it('a new person connects the demo tracker at once, through the running server', async () => {
    const login = await fetch(`${a.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'olivia@acme.test', password: 'olivia-password' }) });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const listing = (await (await fetch(`${a.url}/api/v1/connectors/demo-tracker`, { headers: { cookie } })).json()) as { connector: { mcpUrl: string; auth: { kind: string }; capabilities: unknown } };
    expect(listing.connector.auth.kind).toBe('oauth');
    // Counted from the tracker's own tool annotations: four reads; create, update status and delete.
    expect(listing.connector.capabilities).toMatchObject({ status: 'known', readOnly: 4, writeDelete: 3, other: 0, total: 7 });
    const tracker = (a.logs.find((l) => l.msg === 'demo services started')?.demos as Array<{ slug: string; url: string }>).find((d) => d.slug === 'demo-tracker')!;
    expect(listing.connector.mcpUrl).toBe(tracker.url);
    const start = await fetch(`${a.url}/api/v1/connections/demo-tracker`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(start.status).toBe(200);
    const { authorizationUrl } = (await start.json()) as { authorizationUrl: string };
    expect(new URL(authorizationUrl).origin).toBe(new URL(tracker.url).origin);
    const callback = await authorizeAtDemo(authorizationUrl, DEMO_PEOPLE[0]!, { callbackPrefix: a.url });
    const done = await fetch(callback, { headers: { cookie }, redirect: 'manual' });
    expect(done.status).toBe(302);
    const connections = (await (await fetch(`${a.url}/api/v1/connections`, { headers: { cookie } })).json()) as { connections: Array<{ connector: string; status: string }> };
    expect(connections.connections).toEqual([expect.objectContaining({ connector: 'demo-tracker', status: 'connected' })]);
  });
});
