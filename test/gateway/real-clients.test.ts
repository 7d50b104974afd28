import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { idHash } from '../../src/mcp-auth/adapter.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { enableConnector } from '../../src/policy/store.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { processStorage } from '../helpers/db.ts';
import { readVisits, writeBrowserLauncher, type BrowserVisit } from '../helpers/fake-browser.ts';
import { ROOT, runNode } from '../helpers/process.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

/**
 * Real, unmodified MCP clients against a real Switchboard (docs/clients.md describes these set-ups for people):
 *
 * - the MCP Inspector CLI 2.12 with a personal access token, in both protocol eras, and choosing the organization;
 * - mcp-remote 0.15.1 (the stdio bridge Claude Desktop uses) signing in through Switchboard's own OAuth server end to
 *   end: discovery, dynamic registration, PKCE, sign-in, consent, token, refresh, revocation;
 * - the Inspector CLI signing in through the same OAuth server over the 2026-07-28 era.
 *
 * Both clients "open the browser" with the `open` package, which on Linux runs its bundled xdg-open (not the one on
 * PATH); with no desktop session that script runs `$BROWSER <url>`. BROWSER points at test/helpers/fake-browser.ts,
 * which does the person's part over HTTP: the sign-in form, the consent form, then the client's loopback callback.
 */

const INSPECTOR = path.join(ROOT, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js');
const MCP_REMOTE = path.join(ROOT, 'node_modules/mcp-remote/dist/proxy.js');
const OLIVIA = { email: 'olivia@acme.test', password: 'olivia-password-1', token: 'sbp_test_olivia_clients_1' };
/** Olivia's tools in her default organization (acme): beta's, namespaced. The tracker is enabled but not connected. */
const ACME_TOOLS = ['beta__echo', 'beta__erase_everything', 'beta__hang', 'beta__huge', 'beta__progress_then_hang'];
const GLOBEX_TOOLS = ['gamma__echo', 'gamma__erase_everything', 'gamma__hang', 'gamma__huge', 'gamma__progress_then_hang'];
/**
 * Variables by which xdg-open would find a real desktop (and open a real browser) on a developer's machine. Without
 * XDG_RUNTIME_DIR, dbus-send cannot find the session bus either (xdg-open asks it whether GNOME is running).
 */
const DESKTOP_VARIABLES = ['DISPLAY', 'WAYLAND_DISPLAY', 'XDG_CURRENT_DESKTOP', 'XDG_RUNTIME_DIR', 'DBUS_SESSION_BUS_ADDRESS', 'DESKTOP_SESSION', 'DESKTOP', 'KDE_FULL_SESSION', 'GNOME_DESKTOP_SESSION_ID', 'MATE_DESKTOP_SESSION_ID', 'LXQT_SESSION_CONFIG'];

let storage: Awaited<ReturnType<typeof processStorage>>;
let server: RunningServer;
let beta: Awaited<ReturnType<typeof startTestUpstream>>;
let gamma: Awaited<ReturnType<typeof startTestUpstream>>;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'sb-real-clients-'));
  storage = await processStorage('sb-real-clients-');
  beta = await startTestUpstream('beta');
  gamma = await startTestUpstream('gamma');
  const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
  // Olivia belongs to two organizations: acme (first by slug, so her default) and globex.
  writeFileSync(
    file,
    [
      'organizations:',
      '  - { slug: acme, name: Acme, plan: team, members: [{ email: olivia@acme.test, role: owner, password: olivia-password-1, tokens: [sbp_test_olivia_clients_1] }] }',
      '  - { slug: globex, name: Globex, plan: team, members: [{ email: olivia@acme.test, role: member }] }',
      '',
    ].join('\n'),
  );
  server = await startServer(loadConfig({ env: { ...storage.env, PORT: '0', SWITCHBOARD_DEMO: 'off', LOG_LEVEL: 'silent', SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' }, configFile: file }), { logger: createLogger('silent') });
  const db = server.services.database.db;
  await upsertListing(db, { slug: 'beta', name: 'Beta', tagline: 'Echo', description: 'Enabled in acme.', category: 'other', mcpUrl: beta.url, authKind: 'none', source: 'import', origin: 'test:beta' });
  await upsertListing(db, { slug: 'gamma', name: 'Gamma', tagline: 'Echo', description: 'Enabled in globex only.', category: 'other', mcpUrl: gamma.url, authKind: 'none', source: 'import', origin: 'test:gamma' });
  // Enabled in acme but never connected by Olivia: none of its tools may show (and nothing listens there).
  await upsertListing(db, { slug: 'tracker', name: 'Tracker', tagline: 'Issues', description: 'Needs a connection.', category: 'productivity', mcpUrl: 'http://127.0.0.1:9/mcp', authKind: 'oauth', source: 'import', origin: 'test:tracker' });
  await enableConnector(db, OPERATOR, 'acme', 'beta');
  await enableConnector(db, OPERATOR, 'acme', 'tracker');
  await enableConnector(db, OPERATOR, 'globex', 'gamma');
});
afterAll(async () => {
  await server?.close();
  await beta?.close();
  await gamma?.close();
  await storage?.drop();
  for (const dir of [scratch, storage?.env.SWITCHBOARD_DATA_DIR]) if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `mcp-inspector --cli ARGS` with the tests' Node and its own HOME (catalog, OAuth state). Secrets stay in memory:
 * never the developer's keychain.
 */
function inspector(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const home = mkdtempSync(path.join(scratch, 'inspector-home-'));
  return runNode([INSPECTOR, '--cli', ...args], { cwd: home, env: { ...process.env, HOME: home, MCP_INSPECTOR_SECRET_STORE: 'memory', ...env } });
}

function result<T>(run: Run): T {
  if (run.code !== 0) throw new Error(`the inspector exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { result: T }).result;
}

type ToolList = { tools: Array<{ name: string }> };
type ToolResult = { content: Array<{ type: string; text: string }>; isError?: boolean };
const names = (list: ToolList) => list.tools.map((t) => t.name).sort();

/** The environment of a client whose "browser" is the stand-in, signing in as Olivia; the stand-in logs to `visits`. */
function browserEnv(dir: string): { env: NodeJS.ProcessEnv; visits: string; decision: string } {
  const visits = path.join(dir, 'visits.log');
  const decision = path.join(dir, 'decision');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    BROWSER: writeBrowserLauncher(dir),
    FAKE_BROWSER_EMAIL: OLIVIA.email,
    FAKE_BROWSER_PASSWORD: OLIVIA.password,
    FAKE_BROWSER_LOG: visits,
    FAKE_BROWSER_DECISION_FILE: decision,
  };
  for (const name of DESKTOP_VARIABLES) delete env[name];
  return { env, visits, decision };
}

const api = (p: string, init: RequestInit = {}) => fetch(`${server.url}/api/v1${p}`, { ...init, headers: { authorization: `Bearer ${OLIVIA.token}` } });
type McpClientRow = { clientId: string; name: string; lastUsedAt: string | null };
const mcpClients = async () => ((await (await api('/me/clients')).json()) as { clients: McpClientRow[] }).clients;

/** A plain 2025-11-25 tools/list on /mcp with this bearer token. */
const listWith = (token: string) =>
  fetch(`${server.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });

/** The stand-in browser logs a visit after the client answered its callback, so the client may be faster: wait a little. */
async function visitsSoon(file: string, count: number): Promise<BrowserVisit[]> {
  for (let waited = 0; ; waited += 50) {
    const found = readVisits(file);
    if (found.length >= count || waited > 5_000) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe('MCP Inspector CLI with a personal access token', () => {
  for (const [era, version] of [['legacy', '2025-11-25'], ['modern', '2026-07-28']] as const) {
    it(`negotiates ${version}, lists exactly the person's tools and calls one (--protocol-era ${era})`, async () => {
      const common = [`${server.url}/mcp`, '--transport', 'http', '--protocol-era', era, '--format', 'json', '--stored-auth-only', '--header', `Authorization: Bearer ${OLIVIA.token}`];
      const [init, list, call] = await Promise.all([
        inspector([...common, '--method', 'initialize']),
        inspector([...common, '--method', 'tools/list']),
        inspector([...common, '--method', 'tools/call', '--tool-name', 'beta__echo', '--tool-args-json', JSON.stringify({ text: `hello ${era}` })]),
      ]);
      expect(result<{ protocolVersion: string; serverInfo: { name: string } }>(init)).toMatchObject({ protocolVersion: version, serverInfo: { name: 'switchboard' } });
      expect(names(result<ToolList>(list))).toEqual(ACME_TOOLS);
      const answer = result<ToolResult>(call);
      expect(answer.isError ?? false).toBe(false);
      expect(answer.content).toEqual([{ type: 'text', text: `beta: hello ${era}` }]);
    });
  }

  it('chooses the organization with the X-Switchboard-Org header or ?org=, and refuses one the person is not in', async () => {
    const auth = ['--transport', 'http', '--format', 'json', '--stored-auth-only', '--header', `Authorization: Bearer ${OLIVIA.token}`, '--method', 'tools/list'];
    const [byHeader, byQuery, foreign, none] = await Promise.all([
      inspector([`${server.url}/mcp`, ...auth, '--header', 'X-Switchboard-Org: globex']),
      inspector([`${server.url}/mcp?org=globex`, ...auth]),
      inspector([`${server.url}/mcp`, ...auth, '--header', 'X-Switchboard-Org: initech']),
      inspector([`${server.url}/mcp`, '--transport', 'http', '--format', 'json', '--stored-auth-only', '--method', 'tools/list']),
    ]);
    expect(names(result<ToolList>(byHeader))).toEqual(GLOBEX_TOOLS);
    expect(names(result<ToolList>(byQuery))).toEqual(GLOBEX_TOOLS);
    // 403 and 401 are both "auth_required" (exit 3) to the Inspector; the message says what to do.
    expect(foreign.code).toBe(3);
    expect(foreign.stderr).toContain('"status":403');
    expect(foreign.stderr).toMatch(/You are not a member of an organization .{0,4}initech/);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('"code":"auth_required"');
  });
});

/** A JSON-RPC peer over a child's stdio (newline-delimited, as MCP's stdio transport frames it). */
class StdioPeer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting = new Map<number, (message: JsonRpcResponse) => void>();
  #buffer = '';
  #next = 1;
  stderr = '';
  constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    child.stdout.on('data', (d: Buffer) => {
      this.#buffer += d.toString();
      let newline: number;
      while ((newline = this.#buffer.indexOf('\n')) >= 0) {
        const line = this.#buffer.slice(0, newline).trim();
        this.#buffer = this.#buffer.slice(newline + 1);
        if (!line) continue;
        const message = JSON.parse(line) as JsonRpcResponse;
        if (typeof message.id === 'number') this.#waiting.get(message.id)?.(message);
      }
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
  }
  request(method: string, params?: Record<string, unknown>, timeoutMs = 20_000): Promise<JsonRpcResponse> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} within ${timeoutMs} ms; mcp-remote's stderr:\n${this.stderr}`)), timeoutMs);
      this.#waiting.set(id, (message) => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        resolve(message);
      });
      this.#child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) })}\n`);
    });
  }
  notify(method: string): void {
    this.#child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`);
  }
  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGTERM');
    await exited;
  }
}

interface JsonRpcResponse {
  id?: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

describe("real clients through Switchboard's own OAuth", () => {
  it.skipIf(process.platform !== 'linux')('mcp-remote: signs in (login + consent), serves the person\'s tools, refreshes and restarts without the browser, and is cut off at once when revoked', async () => {
    const dir = mkdtempSync(path.join(scratch, 'mcp-remote-'));
    const { env, visits, decision } = browserEnv(dir);
    const configDir = path.join(dir, 'mcp-auth');
    // How Claude Desktop runs it: `mcp-remote https://HOST/mcp`, speaking MCP over its stdin and stdout.
    const launch = () => new StdioPeer(spawn(process.execPath, [MCP_REMOTE, `${server.url}/mcp`], { cwd: dir, env: { ...env, MCP_REMOTE_CONFIG_DIR: configDir }, stdio: ['pipe', 'pipe', 'pipe'] }));
    const initialize = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'claude-desktop-stand-in', version: '1' } };
    let peer = launch();
    const stored = <T>(suffix: string): T => {
      const folder = path.join(configDir, 'mcp-remote-v1');
      return JSON.parse(readFileSync(path.join(folder, readdirSync(folder).find((f) => f.endsWith(suffix))!), 'utf8')) as T;
    };
    try {
      // What Claude Desktop sends first. mcp-remote signs in before it answers.
      const init = await peer.request('initialize', initialize, 40_000);
      expect(init.result).toMatchObject({ protocolVersion: '2025-11-25', serverInfo: { name: 'switchboard' } });
      peer.notify('notifications/initialized');
      const list = await peer.request('tools/list');
      expect(names(list.result as ToolList)).toEqual(ACME_TOOLS);
      const call = await peer.request('tools/call', { name: 'beta__echo', arguments: { text: 'via mcp-remote' } });
      expect(call.result).toMatchObject({ content: [{ type: 'text', text: 'beta: via mcp-remote' }] });

      // The browser was opened once: Switchboard's sign-in page, its consent page, then mcp-remote's callback.
      const [first, ...more] = await visitsSoon(visits, 1);
      expect(more).toEqual([]);
      expect(first!.error).toBeUndefined();
      const opened = new URL(first!.opened);
      expect(opened.origin + opened.pathname).toBe(`${server.url}/oauth/auth`);
      expect(opened.searchParams.get('resource')).toBe(`${server.url}/mcp`);
      expect(opened.searchParams.get('code_challenge_method')).toBe('S256');
      expect(first!.pages.map((p) => p.kind)).toEqual(['login', 'consent']);
      const consent = first!.pages[1]!.html;
      expect(consent).toContain('Allow MCP CLI Proxy to use Switchboard as you?');
      expect(consent).toContain(`Signed in as <strong>${OLIVIA.email}</strong>`);
      const redirect = new URL(opened.searchParams.get('redirect_uri')!);
      expect(consent).toContain(`<code>${redirect.host}</code>`);
      const callback = new URL(first!.callback!.url);
      expect(callback.origin + callback.pathname).toBe(redirect.href);
      expect(callback.searchParams.get('iss')).toBe(`${server.url}/oauth`);
      expect(first!.callback!.status).toBe(200);

      // What mcp-remote stored: a client it registered (DCR) and an access token whose audience is {PUBLIC_URL}/mcp.
      const { client_id: clientId } = stored<{ client_id: string }>('_client_info.json');
      const tokens = stored<{ access_token: string; refresh_token: string }>('_tokens.json');
      const db = server.services.database.db;
      const hash = idHash(tokens.access_token);
      expect(await db.selectFrom('mcp_auth_models').select(['payload', 'client_id']).where('model', '=', 'AccessToken').where('id_hash', '=', hash).executeTakeFirstOrThrow()).toMatchObject({ client_id: clientId, payload: { aud: `${server.url}/mcp` } });
      // It is in Olivia's list of MCP clients, used just now.
      expect(await mcpClients()).toEqual([expect.objectContaining({ clientId, name: 'MCP CLI Proxy', lastUsedAt: expect.any(String) })]);

      // An hour later its access token has expired: it refreshes by itself (no browser) and gets rotated tokens.
      await db
        .updateTable('mcp_auth_models')
        .where('model', '=', 'AccessToken')
        .where('id_hash', '=', hash)
        .set({ payload: sql`jsonb_set(payload, '{exp}', ${Math.floor(Date.now() / 1000) - 10}::text::jsonb)` as never })
        .execute();
      // The endpoint takes a token it accepted on trust for a few seconds; rewriting the row behind its back needs this.
      server.services.credentialsRevoked?.();
      expect((await listWith(tokens.access_token)).status).toBe(401);
      const later = await peer.request('tools/call', { name: 'beta__echo', arguments: { text: 'after refresh' } });
      expect(later.result).toMatchObject({ content: [{ type: 'text', text: 'beta: after refresh' }] });
      expect(readVisits(visits)).toHaveLength(1);
      const refreshed = stored<{ access_token: string; refresh_token: string }>('_tokens.json');
      expect(refreshed.access_token).not.toBe(tokens.access_token);
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      expect((await listWith(refreshed.access_token)).status).toBe(200);

      // Claude Desktop restarts: the new mcp-remote uses the stored tokens, no browser.
      await peer.close();
      peer = launch();
      expect((await peer.request('initialize', initialize, 40_000)).result).toMatchObject({ serverInfo: { name: 'switchboard' } });
      peer.notify('notifications/initialized');
      expect((await peer.request('tools/call', { name: 'beta__echo', arguments: { text: 'after restart' } })).result).toMatchObject({ content: [{ type: 'text', text: 'beta: after restart' }] });
      expect(readVisits(visits)).toHaveLength(1);

      // Olivia revokes it: the token it holds is refused at once...
      expect((await api(`/me/clients/${encodeURIComponent(clientId)}`, { method: 'DELETE' })).status).toBe(200);
      const refused = await listWith(refreshed.access_token);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect(await mcpClients()).toEqual([]);
      // ...and mcp-remote's next call needs a new sign-in: the browser opens again, and this time she denies.
      writeFileSync(decision, 'deny');
      const echoes = beta.calls.echo;
      const denied = await peer.request('tools/call', { name: 'beta__echo', arguments: { text: 'after revoke' } }, 40_000);
      expect(denied.error?.message).toMatch(/access_denied/);
      const second = (await visitsSoon(visits, 2))[1]!;
      expect(second.pages.map((p) => p.kind)).toEqual(['login', 'consent']);
      expect(new URL(second.callback!.url).searchParams.get('error')).toBe('access_denied');
      expect(beta.calls.echo).toBe(echoes);
      expect(await mcpClients()).toEqual([]);
    } finally {
      await peer.close();
    }
  });

  it.skipIf(process.platform !== 'linux')('the Inspector CLI (2026-07-28): signs in through the browser and calls a tool', async () => {
    const dir = mkdtempSync(path.join(scratch, 'inspector-oauth-'));
    const { env, visits } = browserEnv(dir);
    const callbackUrl = `http://127.0.0.1:${await freePort()}/oauth/callback`;
    // The CLI opens the browser only on a TTY or when MCP_AUTO_OPEN_ENABLED=true (and never under VITEST otherwise).
    const run = await inspector(
      [`${server.url}/mcp`, '--transport', 'http', '--protocol-era', 'modern', '--format', 'json', '--callback-url', callbackUrl, '--method', 'tools/call', '--tool-name', 'beta__echo', '--tool-args-json', '{"text":"signed in"}'],
      { ...env, MCP_AUTO_OPEN_ENABLED: 'true' },
    );
    expect(result<ToolResult>(run).content).toEqual([{ type: 'text', text: 'beta: signed in' }]);
    const [only, ...more] = await visitsSoon(visits, 1);
    expect(more).toEqual([]);
    expect(only!.pages.map((p) => p.kind)).toEqual(['login', 'consent']);
    expect(only!.pages[1]!.html).toContain('Allow MCP Inspector to use Switchboard as you?');
    expect(new URL(only!.opened).searchParams.get('resource')).toBe(`${server.url}/mcp`);
    expect(only!.callback!.url.startsWith(`${callbackUrl}?code=`)).toBe(true);
    const clients = await mcpClients();
    expect(clients).toContainEqual(expect.objectContaining({ name: 'MCP Inspector', lastUsedAt: expect.any(String) }));
    // Clean up after ourselves: her list is as it was.
    for (const client of clients.filter((c) => c.name === 'MCP Inspector')) await api(`/me/clients/${encodeURIComponent(client.clientId)}`, { method: 'DELETE' });
  });
});
