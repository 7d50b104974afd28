import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { OPERATOR } from '../../src/identity/actor.ts';
import { enableConnector } from '../../src/policy/store.ts';
import { apiGet, apiWith, connectTracker, DEMO_PEOPLE, mcp, resultText } from './api-helpers.ts';
import { browserCheck, horizontalOverflow, launchBrowser, openPage, screenshot, signIn, startBrowserApp, type BrowserApp, type PageProblems } from './harness.ts';

/**
 * Settings, as a member uses them: her connected service (diagnosed, reconnected through the real OAuth popup,
 * disconnected), her own tool permissions taking effect at the gateway, a personal access token shown once and
 * then refused once revoked, the commands to connect AI apps with her real endpoint, an AI app she allowed and then
 * revoked, and her tool access mode with its figures. Each change is checked outside the browser, through the REST
 * API or the MCP endpoint, as a client would see it.
 */
const check = browserCheck();

// The page's clipboard, read in the page (see harness.ts on DOM names in functions given to page.evaluate).
declare const navigator: { clipboard: { readText(): Promise<string> } };

const MIA_TOKEN = 'sbp_test_mia_settings_1';
const OLIVIA_TOKEN = 'sbp_test_olivia_settings_1';
const BOOTSTRAP = `organizations:
  - slug: acme
    name: Acme Corp
    plan: team
    members:
      - { email: olivia@acme.test, name: Olivia Owens, role: primary_owner, password: olivia-password-1, tokens: [${OLIVIA_TOKEN}] }
      - { email: mia@acme.test, name: Mia Moreno, role: member, password: mia-password-1, tokens: [${MIA_TOKEN}] }
`;
/** Where the test's AI app wants the browser back after Switchboard's consent page (nothing listens: the page intercepts it). */
const APP_REDIRECT = 'http://127.0.0.1:47011/callback';

let app: BrowserApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: PageProblems;
/** The AI app Mia allows in the apps test. */
let agent: { clientId: string; accessToken: string } | undefined;

const toast = (text: string | RegExp) => page.getByRole('status').filter({ hasText: text });
const settingsTab = (name: string) => page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name, exact: true });
const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
const auditOf = async (action: string) =>
  (await apiGet<{ events: Array<{ action: string; userId: string; connector: string | null }> }>(app, OLIVIA_TOKEN, `/orgs/acme/audit?action=${action}&limit=500`)).events;

describe.skipIf(check.skip)(`settings: connections, permissions, tokens, AI apps, tool access ${check.reason}`, () => {
  beforeAll(async () => {
    [app, browser] = await Promise.all([startBrowserApp(BOOTSTRAP), launchBrowser()]);
    // The organization has the demo tracker, and Mia connected it (as the tracker's bob): where her settings start.
    await enableConnector(app.server.services.database.db, OPERATOR, 'acme', 'demo-tracker', app.server.services.policyChanges);
    await connectTracker(app, 'mia@acme.test', DEMO_PEOPLE[1]!);
    ({ context, page, problems } = await openPage(browser));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    await signIn(page, app.url, 'mia@acme.test', 'mia-password-1');
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  it('lists her connected service with what she granted, and diagnoses it step by step as the API does', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    expect(await settingsTab('Connections').getAttribute('aria-current')).toBe('page');
    const { connections } = await apiGet<{ connections: Array<{ connector: string; status: string; scope: string }> }>(app, MIA_TOKEN, '/connections');
    expect(connections.map((c) => [c.connector, c.status])).toEqual([['demo-tracker', 'connected']]);
    const row = page.getByRole('list', { name: 'Connected services' }).getByRole('listitem').filter({ hasText: 'Demo Tracker' });
    await row.getByText(/Connected since/).waitFor();
    const granted = await row.getByLabel('Permissions you granted Demo Tracker').locator('code').allTextContents();
    expect(granted.length).toBeGreaterThan(0);
    expect(connections[0]!.scope.split(' ')).toEqual(expect.arrayContaining(granted));

    await row.getByRole('button', { name: 'Diagnose' }).click();
    const diagnosis = page.getByRole('region', { name: 'Diagnosis of Demo Tracker' });
    await diagnosis.getByText('Every step to Demo Tracker works').waitFor();
    const expected = (await apiWith<{ ok: boolean; url: string; steps: Array<{ status: string; detail: string }> }>(app, MIA_TOKEN, 'POST', '/connectors/demo-tracker/diagnose')).body;
    expect(expected.ok).toBe(true);
    const titles = await diagnosis.locator('.step-title').allTextContents();
    expect(titles).toHaveLength(expected.steps.length);
    ['Address and egress', 'Network connection', 'MCP handshake', 'Sign-in discovery'].forEach((name, i) => expect(titles[i]).toMatch(new RegExp(`^${name} ok, \\d+ ms$`)));
    expect(await diagnosis.locator('.step-detail').allTextContents()).toEqual(expected.steps.map((s) => s.detail));
    expect(await diagnosis.textContent()).toContain(expected.url);
    await diagnosis.getByRole('button', { name: 'Hide' }).click();
    await diagnosis.waitFor({ state: 'detached' });
  });

  it('narrows a tool permission: the API decides with her reason, and the gateway stops listing the tool and refuses it by name', async () => {
    await settingsTab('Tool permissions').click();
    await page.waitForURL(`${app.url}/settings/permissions`);
    expect(await page.getByLabel('Connector').inputValue()).toBe('demo-tracker');
    const tools = page.getByRole('list', { name: 'Tools of Demo Tracker' });
    // Before: nothing restricts it, for her, at the gateway.
    const before = (await mcp(app, MIA_TOKEN, 'tools/list')).answer!.result!.tools!.map((t) => t.name);
    expect(before).toEqual(expect.arrayContaining(['demo-tracker__create_issue', 'demo-tracker__list_issues']));
    const createRow = tools.getByRole('listitem').filter({ hasText: 'create_issue' });
    await createRow.getByText('No rule restricts it.').waitFor();

    await tools.getByLabel('Your rule for create_issue').selectOption('block');
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save rules' }).click();
    await toast('Your rules for Demo Tracker are saved').waitFor();
    await createRow.getByText('You blocked create_issue in Demo Tracker for yourself').waitFor();
    expect(await createRow.locator('.badge').textContent()).toBe('Block');

    // The API has her rule and decides with it.
    expect((await apiGet<{ rules: { tools: Record<string, string>; categories: Record<string, string>; disabled: boolean } }>(app, MIA_TOKEN, '/me/connectors/demo-tracker/policy')).rules).toMatchObject({ tools: { create_issue: 'block' }, categories: {}, disabled: false });
    const decisions = await apiGet<{ tools: Array<{ name: string; decision: string; reason: string }> }>(app, MIA_TOKEN, '/orgs/acme/connectors/demo-tracker/decisions');
    const decided = decisions.tools.find((t) => t.name === 'create_issue')!;
    expect(decided.decision).toBe('block');
    // The gateway: no longer listed, and refused by name with the same reason.
    const after = (await mcp(app, MIA_TOKEN, 'tools/list')).answer!.result!.tools!.map((t) => t.name);
    expect(after).not.toContain('demo-tracker__create_issue');
    expect(after).toContain('demo-tracker__list_issues');
    const call = await mcp(app, MIA_TOKEN, 'tools/call', { name: 'demo-tracker__create_issue', arguments: { project: 'WEB', title: 'Should not exist' } });
    // Refused (as an error result or a JSON-RPC error, depending on the path the call takes), and not run.
    // Her rule's own sentence is what the API gives for it, what the gateway refuses the call with, and what the chat shows.
    expect(decided.reason).toBe('You blocked create_issue in Demo Tracker for yourself. Change it in your tool permissions for Demo Tracker.');
    expect(resultText(call.answer) || call.answer?.error?.message).toBe(decided.reason);

    // It stays after a reload.
    await page.reload();
    expect(await page.getByRole('list', { name: 'Tools of Demo Tracker' }).getByLabel('Your rule for create_issue').inputValue()).toBe('block');
  });

  it('creates a personal access token shown once with a copy button, which works until she revokes it', async () => {
    await settingsTab('Access tokens').click();
    await page.getByLabel('Token name').fill('Release script');
    await page.getByLabel('Expires after').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByRole('region', { name: 'Your new token' });
    await shown.waitFor();
    const secret = (await shown.locator('code.secret').textContent())!.trim();
    expect(secret).toMatch(/^sbp_[A-Za-z0-9_-]{8,}$/);
    expect(await shown.textContent()).toContain('shown only this once');
    await shown.getByRole('button', { name: 'Copy the new token' }).click();
    await page.getByRole('status').filter({ hasText: 'Copied to the clipboard' }).waitFor();
    expect(await clipboard()).toBe(secret);

    // It is a real token: it authenticates as her.
    const me = await apiWith<{ user: { email: string } }>(app, secret, 'GET', '/me');
    expect([me.status, me.body.user.email]).toEqual([200, 'mia@acme.test']);
    const listed = (await apiGet<{ tokens: Array<{ id: string; name: string; hint: string; expiresAt: string | null; revokedAt: string | null }> }>(app, MIA_TOKEN, '/me/tokens')).tokens.find((t) => t.name === 'Release script')!;
    expect(new Date(listed.expiresAt!).getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const row = page.getByRole('list', { name: 'Your tokens' }).getByRole('listitem').filter({ hasText: 'Release script' });
    await row.getByText(listed.hint).waitFor();
    expect(await row.textContent()).toMatch(/never used.*expires/);

    // Once dismissed, the secret is nowhere on the page.
    await shown.getByRole('button', { name: 'I have stored it' }).click();
    await shown.waitFor({ state: 'detached' });
    expect(await page.locator('main').textContent()).not.toContain(secret);

    // Revoking asks first; Cancel keeps it working.
    await row.getByRole('button', { name: 'Revoke' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “Release script”?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await apiWith(app, secret, 'GET', '/me')).status).toBe(200);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await toast('“Release script” is revoked').waitFor();
    await row.getByText(/^Revoked /).waitFor();
    const refused = await apiWith<{ error: { code: string } }>(app, secret, 'GET', '/me');
    expect([refused.status, refused.body.error.code]).toEqual([401, 'unauthorized']);
  });

  it('shows how to connect Claude Code, Claude Desktop and Cursor with her real endpoint, copyable, and lists the app she allows', async () => {
    await settingsTab('AI apps').click();
    const endpoint = await apiGet<{ url: string }>(app, MIA_TOKEN, '/me/mcp-endpoint');
    expect(endpoint.url).toBe(`${app.url}/mcp`);
    expect(await page.getByTestId('endpoint-url').textContent()).toBe(endpoint.url);
    await page.getByRole('button', { name: 'Copy your endpoint URL' }).click();
    await expect.poll(clipboard).toBe(endpoint.url);

    const panel = page.getByRole('tabpanel');
    const code = async () => (await panel.locator('pre').first().textContent())!;
    expect(await page.getByRole('tab', { name: 'Claude Code' }).getAttribute('aria-selected')).toBe('true');
    expect(await code()).toBe(`claude mcp add --transport http switchboard ${endpoint.url}`);
    await panel.getByRole('button', { name: 'Copy the Claude Code command' }).click();
    await expect.poll(clipboard).toBe(`claude mcp add --transport http switchboard ${endpoint.url}`);

    // The arrow keys move between the apps.
    await page.getByRole('tab', { name: 'Claude Code' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Claude Desktop' }).getAttribute('aria-selected')).toBe('true');
    const desktop = JSON.parse(await code()) as { mcpServers: { switchboard: { command: string; args: string[] } } };
    expect(desktop.mcpServers.switchboard.command).toBe('npx');
    expect(desktop.mcpServers.switchboard.args.slice(0, 3)).toEqual(['-y', 'mcp-remote', endpoint.url]);
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('Cursor');
    expect(JSON.parse(await code())).toEqual({ mcpServers: { switchboard: { url: endpoint.url } } });

    // A mode for this app goes into the address, and that address is one the endpoint honours.
    await page.getByLabel('Tools the app loads').selectOption('on_demand');
    expect(JSON.parse(await code())).toEqual({ mcpServers: { switchboard: { url: `${endpoint.url}?tools=on_demand` } } });
    const res = await fetch(`${endpoint.url}?tools=on_demand`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MIA_TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    const listedOnDemand = (await res.text()).split('\n').find((l) => l.startsWith('data: '))!;
    expect(listedOnDemand).toContain('"search_tools"');
    expect(listedOnDemand).not.toContain('demo-tracker__list_issues');
    await page.getByLabel('Tools the app loads').selectOption('');

    // An AI app (as Claude Code does) registers and sends her to Switchboard's consent page; she allows it.
    const registered = await fetch(`${app.url}/oauth/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Test Agent', redirect_uris: [APP_REDIRECT], application_type: 'native', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }),
    });
    const clientId = ((await registered.json()) as { client_id: string }).client_id;
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${app.url}/oauth/auth`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: clientId, redirect_uri: APP_REDIRECT, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', scope: 'mcp offline_access', resource: endpoint.url, state: 'st', prompt: 'consent' })) authorize.searchParams.set(k, v);
    await page.route(`${APP_REDIRECT}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Back in the app</title><p>Back in the app</p>' }));
    await page.goto(authorize.href);
    await page.getByText('Test Agent').first().waitFor();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(APP_REDIRECT));
    const code_ = new URL(page.url()).searchParams.get('code')!;
    const tokens = (await (
      await fetch(`${app.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code: code_, redirect_uri: APP_REDIRECT, client_id: clientId, code_verifier: verifier }) })
    ).json()) as { access_token: string };
    agent = { clientId, accessToken: tokens.access_token };
    expect((await mcp(app, agent.accessToken, 'tools/list')).status).toBe(200);

    await page.goto(`${app.url}/settings/apps`);
    const apps = page.getByRole('list', { name: 'Apps you authorized' });
    const row = apps.getByRole('listitem').filter({ hasText: 'Test Agent' });
    await row.getByText(clientId).waitFor();
    expect((await apiGet<{ clients: Array<{ clientId: string; name: string }> }>(app, MIA_TOKEN, '/me/clients')).clients).toEqual([expect.objectContaining({ clientId, name: 'Test Agent' })]);
  });

  it('switches her tool access mode, shows the figures of each mode from the API, sets a mode per app and pins a tool', async () => {
    await page.goto(`${app.url}/settings/tool-access`);
    const access = await apiGet<{ mode: string; figures: { connectors: number; always: { tools: number; tokens: number }; onDemand: { tools: number; tokens: number }; auto: { reason: string } } }>(app, MIA_TOKEN, '/me/tool-access?org=acme');
    expect(access.mode).toBe('auto');
    const f = access.figures;
    const stat = (label: string) => page.locator('.figures .stat').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd').textContent();
    await page.getByText(f.auto.reason).waitFor();
    expect(await stat('Connectors')).toBe(f.connectors.toLocaleString('en-US'));
    expect(await stat('Tools')).toBe(f.always.tools.toLocaleString('en-US'));
    expect(await stat('Tokens, all loaded')).toBe(f.always.tokens.toLocaleString('en-US'));
    expect(await stat('Tokens, on demand')).toBe(f.onDemand.tokens.toLocaleString('en-US'));
    // Her one connector, without the tool she blocked: 6 of the tracker's 7.
    expect([f.connectors, f.always.tools]).toEqual([1, 6]);
    expect(await page.getByText(`Every tool you may use: ${f.always.tools} tools, ${f.always.tokens.toLocaleString('en-US')} tokens.`).count()).toBe(1);
    await page.getByText(/from 10 connectors on/).waitFor();
    expect(await page.getByRole('radio', { name: /^Auto/ }).isChecked()).toBe(true);

    await page.getByRole('radio', { name: /^On demand/ }).check();
    await toast('On demand is your default now').waitFor();
    expect((await apiGet<{ mode: string; resolvesTo: string }>(app, MIA_TOKEN, '/me/tool-access')).mode).toBe('on_demand');
    await page.reload();
    await page.getByRole('radio', { name: /^On demand/ }).waitFor();
    expect(await page.getByRole('radio', { name: /^On demand/ }).isChecked()).toBe(true);
    await page.getByText('Your apps get On demand now.').waitFor();

    // The app she allowed gets its own mode.
    await page.getByLabel('Mode for Test Agent').selectOption('always');
    await toast('Test Agent: Always available').waitFor();
    expect((await apiGet<{ clients: Array<{ kind: string; id: string; mode: string }> }>(app, MIA_TOKEN, '/me/tool-access')).clients).toEqual([expect.objectContaining({ kind: 'oauth', id: agent!.clientId, mode: 'always' })]);

    // A pinned tool stays listed in On demand: the gateway shows it with Switchboard's own three.
    await page.getByRole('region', { name: 'Pinned tools' }).getByLabel('Connector').selectOption('demo-tracker');
    await page.getByRole('region', { name: 'Pinned tools' }).getByLabel('Tool').selectOption('list_issues');
    await page.getByRole('button', { name: 'Pin tool' }).click();
    await toast('Demo Tracker: list_issues is pinned').waitFor();
    await page.getByRole('list', { name: 'Pinned by you' }).getByText('Demo Tracker: list_issues').waitFor();
    expect((await apiGet<{ pinned: unknown[] }>(app, MIA_TOKEN, '/me/tool-access')).pinned).toEqual([{ connector: 'demo-tracker', tool: 'list_issues' }]);
    const onDemand = (await mcp(app, MIA_TOKEN, 'tools/list')).answer!.result!.tools!.map((t) => t.name);
    expect(onDemand).toEqual(['search_tools', 'call_tool', 'suggest_connectors', 'demo-tracker__list_issues']);
  });

  it('revokes the AI app she allowed after asking: its token is refused at once', async () => {
    await page.goto(`${app.url}/settings/apps`);
    const row = page.getByRole('list', { name: 'Apps you authorized' }).getByRole('listitem').filter({ hasText: 'Test Agent' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog', { name: 'Revoke Test Agent?' }).getByRole('button', { name: 'Revoke access' }).click();
    await toast('Test Agent is revoked').waitFor();
    await page.getByText('No app yet: they appear here after you sign in from them and press Allow.').waitFor();
    expect((await mcp(app, agent!.accessToken, 'tools/list')).status).toBe(401);
    expect((await apiGet<{ clients: unknown[] }>(app, MIA_TOKEN, '/me/clients')).clients).toEqual([]);
  });

  it('reconnects the service through the real OAuth popup (the tracker’s own pages)', async () => {
    const connectedBefore = (await auditOf('connected')).length;
    await page.goto(`${app.url}/settings`);
    const row = page.getByRole('list', { name: 'Connected services' }).getByRole('listitem').filter({ hasText: 'Demo Tracker' });
    const [popup] = await Promise.all([page.waitForEvent('popup'), row.getByRole('button', { name: 'Reconnect' }).click()]);
    await popup.getByRole('heading', { name: /Sign in to connect/ }).waitFor();
    await popup.getByLabel('Email').fill(DEMO_PEOPLE[1]!.email);
    await popup.getByLabel('Password').fill(DEMO_PEOPLE[1]!.password);
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await popup.getByRole('heading', { name: /wants to use your .* account/ }).waitFor();
    await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);
    await toast('Demo Tracker is connected again').waitFor();
    await row.getByText(/Connected since/).waitFor();
    // A new authorization was stored: the log has one more "connected" for her.
    const mia = (await apiGet<{ user: { id: string } }>(app, MIA_TOKEN, '/me')).user.id;
    const connected = await auditOf('connected');
    expect(connected.length).toBe(connectedBefore + 1);
    expect(connected[0]).toMatchObject({ userId: mia, connector: 'demo-tracker' });
  });

  it('looks right in light and dark, and on a 360 px phone (screenshots)', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const view = await openPage(browser, { colorScheme: scheme });
      try {
        await signIn(view.page, app.url, 'mia@acme.test', 'mia-password-1');
        await view.page.goto(`${app.url}/settings`);
        const row = view.page.getByRole('list', { name: 'Connected services' }).getByRole('listitem').filter({ hasText: 'Demo Tracker' });
        await row.getByRole('button', { name: 'Diagnose' }).click();
        await view.page.getByText('Every step to Demo Tracker works').waitFor();
        await screenshot(view.page, `settings-${scheme}`);
        await view.page.goto(`${app.url}/settings/permissions`);
        await view.page.getByText('You blocked create_issue in Demo Tracker for yourself').waitFor();
        await view.page.getByText('By kind of action').evaluate((el) => (el as unknown as { scrollIntoView(options: { block: string }): void }).scrollIntoView({ block: 'start' }));
        await screenshot(view.page, `settings-permissions-${scheme}`);
        expect(view.problems.list).toEqual([]);
      } finally {
        await view.context.close();
      }
    }
    const light = await openPage(browser);
    try {
      await signIn(light.page, app.url, 'mia@acme.test', 'mia-password-1');
      await light.page.goto(`${app.url}/settings/tool-access`);
      await light.page.getByRole('radio', { name: /^On demand/ }).waitFor();
      await screenshot(light.page, 'settings-tool-access-light');
      await light.page.goto(`${app.url}/settings/apps`);
      await light.page.getByRole('tabpanel').locator('pre').waitFor();
      await screenshot(light.page, 'settings-apps-light');
    } finally {
      await light.context.close();
    }
    const phone = await openPage(browser, { width: 360, height: 740 });
    try {
      await signIn(phone.page, app.url, 'mia@acme.test', 'mia-password-1');
      for (const path of ['/settings', '/settings/permissions', '/settings/tool-access', '/settings/apps', '/settings/tokens']) {
        await phone.page.goto(`${app.url}${path}`);
        await phone.page.getByRole('heading', { level: 2 }).first().waitFor();
        // Several sections may be loading at once: wait until none is.
        await expect.poll(() => phone.page.locator('.loading-line').count(), { timeout: 10_000 }).toBe(0);
        expect(await horizontalOverflow(phone.page), path).toBe(0);
      }
      await phone.page.goto(`${app.url}/settings/apps`);
      await phone.page.getByRole('tabpanel').locator('pre').waitFor();
      await screenshot(phone.page, 'settings-mobile-light');
      expect(phone.problems.list).toEqual([]);
    } finally {
      await phone.context.close();
    }
  });

  it('disconnects after asking, and the service is gone from her settings and the API', async () => {
    await page.goto(`${app.url}/settings`);
    const row = page.getByRole('list', { name: 'Connected services' }).getByRole('listitem').filter({ hasText: 'Demo Tracker' });
    await row.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect Demo Tracker?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await apiGet<{ connections: unknown[] }>(app, MIA_TOKEN, '/connections')).connections).toHaveLength(1);
    await row.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await toast('Demo Tracker is disconnected').getByText(/revoked at the service/).waitFor();
    await page.getByText('You have not connected any service yet.').waitFor();
    expect((await apiGet<{ connections: unknown[] }>(app, MIA_TOKEN, '/connections')).connections).toEqual([]);
  });

  it('showed no script errors or refused resources (CSP) on any page', () => {
    expect(problems.list).toEqual([]);
  });
});
