import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, startDemoService, startDemoServices } from '../../demo/index.ts';
import { callTool, connectAs, InMemoryOAuthClient } from '../helpers/demo-oauth.ts';
import { childEnv, ROOT } from '../helpers/process.ts';

const ALICE = { email: 'alice@demo.test', password: 'alice-demo-password' };
const folders: string[] = [];

afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('starting demo services', () => {
  it('starts all three on OS-assigned ports, each with its listing', async () => {
    const handles = await startDemoServices({ port: 0 });
    try {
      expect(handles.map((h) => h.listing.slug)).toEqual(['demo-tracker', 'demo-chat', 'demo-drive']);
      expect(new Set(handles.map((h) => h.port)).size).toBe(3);
      for (const handle of handles) {
        expect(handle.url).toBe(`http://127.0.0.1:${handle.port}/mcp`);
        expect(handle.issuer).toBe(`http://127.0.0.1:${handle.port}`);
        expect(handle.scopes).toEqual({ read: `${handle.name}.read`, write: `${handle.name}.write` });
        expect(handle.listing).toMatchObject({ name: expect.any(String), tagline: expect.any(String), description: expect.any(String), category: expect.any(String) });
        expect(handle.listing.useCases.length).toBeGreaterThan(0);
        expect(handle.instructions.length).toBeGreaterThan(0);
      }
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  it('falls back to a free port when the preferred one is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const chat = await startDemoService('chat', { port: taken });
      expect(chat.port).not.toBe(taken);
      expect((await fetch(`${chat.issuer}/.well-known/oauth-protected-resource/mcp`)).status).toBe(200);
      await chat.close();
    } finally {
      blocker.close();
    }
  });

  it('refuses a token another demo service issued', async () => {
    const [tracker, drive] = await Promise.all([startDemoService('tracker', { port: 0 }), startDemoService('drive', { port: 0 })]);
    try {
      const alice = await connectAs(tracker.url, ALICE);
      const res = await fetch(drive.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${alice.oauth.tokens()?.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect(res.status).toBe(401);
      await alice.client.close();
    } finally {
      await Promise.all([tracker.close(), drive.close()]);
    }
  });
});

describe('with a data folder', () => {
  it('keeps clients, tokens and data across a restart, on the same port', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'switchboard-demo-'));
    folders.push(dataDir);
    const first = await startDemoService('tracker', { port: 0, dataDir });
    const oauth = new InMemoryOAuthClient();
    const before = await connectAs(first.url, ALICE, { oauth });
    expect((await callTool(before.client, 'create_issue', { project: 'PAY', title: 'Kept across restarts' })).data.issue).toMatchObject({ key: 'PAY-4' });
    await before.client.close();
    await first.close();
    for (const file of ['oauth.json', 'data.json', 'service.json']) expect(existsSync(path.join(dataDir, 'tracker', file))).toBe(true);

    const second = await startDemoService('tracker', { dataDir });
    try {
      // fetch's connection pool may still hold keep-alive sockets to the stopped server on this same origin; a
      // stale socket fails (or is retried) and is dropped, so a few GETs leave only fresh connections.
      for (let i = 0; i < 5; i++) await fetch(`${second.issuer}/.well-known/oauth-protected-resource`).catch(() => undefined);
      expect(second.url).toBe(first.url);
      const after = await connectAs(second.url, ALICE, { oauth });
      expect(after.visit).toBeUndefined();
      expect((await callTool(after.client, 'get_issue', { key: 'PAY-4' })).data.issue).toMatchObject({ title: 'Kept across restarts' });
      await second.expireAccessTokens(ALICE.email);
      expect((await callTool(after.client, 'list_projects')).isError).toBe(false);
      expect(second.stats.tokenRequests).toEqual({ refresh_token: 1 });
      await after.client.close();
    } finally {
      await second.close();
    }
  });
});

describe('switchboard demo', () => {
  it('runs one service in the foreground, prints its MCP URL and the demo accounts, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'src/cli/main.ts'), 'demo', 'drive', '--port', '0'], { cwd: ROOT, env: childEnv({}), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const match = /MCP URL: (\S+)/.exec(stdout);
        if (match?.[1] && stdout.includes('Ctrl-C')) resolve(match[1]);
      });
      void exited.then(() => reject(new Error(`switchboard demo exited early\n${stderr}`)));
    });
    for (const person of DEMO_PEOPLE) {
      expect(stdout).toContain(person.email);
      expect(stdout).toContain(person.password);
    }
    const metadata = (await (await fetch(new URL('/.well-known/oauth-protected-resource/mcp', url))).json()) as { resource: string };
    expect(metadata.resource).toBe(url);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
