import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { call, say, streamingModel, type ScriptedStep } from '../helpers/chat-client.ts';
import { ROOT } from '../helpers/process.ts';
import { browserCheck, launchBrowser, openPage, screenshot, signIn, startBrowserApp, type BrowserApp, type PageProblems } from './harness.ts';

/**
 * Interactive connectors (MCP Apps) in the chat, with two example servers from npm run over HTTP as they ship
 * (`@modelcontextprotocol/server-budget-allocator`, `@modelcontextprotocol/server-basic-vanillajs`), added as
 * connectors without sign-in: the app renders in a sandboxed frame on the sandbox origin, gets the tool's input
 * and result, and a button in it calls a tool that goes through the gateway (audited as the chat's) and back into
 * the app; full screen and back; the app's requests to open a link or put a message in the box; and an owner
 * switching the connector's interactive UI off (the text result stays).
 */
const check = browserCheck();

const MIA = { email: 'mia@acme.test', password: 'mia-password-1', token: 'sbp_browser_mia_apps_1' };
const OLIVIA_TOKEN = 'sbp_browser_olivia_apps_1';

interface Example {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Runs an example MCP App server's dist/index.js on a free port (its PORT variable), as `npx` would. */
async function startExample(pkg: string): Promise<Example> {
  const entry = path.join(ROOT, 'node_modules', pkg, 'dist/index.js');
  const port = await freePort();
  const child = spawn(process.execPath, [entry], { env: { PATH: process.env.PATH, PORT: String(port), NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${pkg} did not start in 20 s:\n${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (/listening on/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${pkg} exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

let budget: Example;
let clock: Example;
let app: BrowserApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: PageProblems;
const script: Parameters<typeof streamingModel>[0] = { current: (): ScriptedStep => [say('Nothing scripted.')], delayMs: 2 };
const model = streamingModel(script);
type Request = Parameters<typeof script.current>[0];
const lastIsUser = (request: Request) => request.prompt.at(-1)?.role === 'user';

async function asOwner<T = any>(route: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${app.url}/api/v1${route}`, { method, headers: { authorization: `Bearer ${OLIVIA_TOKEN}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
async function asMia<T = any>(route: string): Promise<T> {
  const res = await fetch(`${app.url}/api/v1${route}`, { headers: { authorization: `Bearer ${MIA.token}` } });
  expect(res.status, route).toBe(200);
  return (await res.json()) as T;
}

/** The last answer as the server stored it (stored when its stream ends, a moment after the page shows it). */
async function storedAnswer(): Promise<Array<Record<string, any>>> {
  const route = `/chat/conversations/${conversationId()}`;
  await expect.poll(async () => (await asMia<{ messages: unknown[] }>(route)).messages.length).toBeGreaterThanOrEqual(2);
  return (await asMia<{ messages: Array<{ parts: Array<Record<string, any>> }> }>(route)).messages.at(-1)!.parts;
}

async function ask(text: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
  if (!(await page.getByRole('heading', { level: 1, name: 'New chat' }).isVisible())) await page.getByRole('button', { name: 'New chat' }).click();
  await page.getByRole('heading', { level: 1, name: 'New chat' }).waitFor();
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
}
const conversationId = () => /\/chat\/([0-9a-f-]{36})/.exec(page.url())![1]!;
const lastAnswer = () => page.locator('.msg-assistant').last();
/** The app's own document: the inner frame of the sandbox page. */
const appIn = (outer: string): FrameLocator => page.frameLocator(outer).frameLocator('iframe');

describe.skipIf(check.skip)(`interactive connectors (MCP Apps) ${check.reason}`, () => {
  beforeAll(async () => {
    [budget, clock] = await Promise.all([startExample('@modelcontextprotocol/server-budget-allocator'), startExample('@modelcontextprotocol/server-basic-vanillajs')]);
    const bootstrap = `organizations:
  - slug: acme
    name: Acme Corp
    plan: team
    members:
      - { email: olivia@acme.test, name: Olivia Owens, role: primary_owner, password: olivia-password-1, tokens: [${OLIVIA_TOKEN}] }
      - { email: mia@acme.test, name: Mia Moreno, role: member, password: mia-password-1, tokens: [${MIA.token}] }
connectors:
  - { slug: budget, name: Budget Allocator, url: "${budget.url}", auth: none, enabledFor: [acme] }
  - { slug: clock, name: Server Clock, url: "${clock.url}", auth: none, enabledFor: [acme] }
`;
    [app, browser] = await Promise.all([startBrowserApp(bootstrap, {}, { chatModel: model }), launchBrowser()]);
    ({ context, page, problems } = await openPage(browser));
    await signIn(page, app.url, MIA.email, MIA.password);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    await Promise.all([budget?.stop(), clock?.stop()]);
  });

  it('(4) renders the budget allocator in a sandboxed frame on the sandbox origin, with the tool result, inline (at most 500 px) and full screen', async () => {
    script.current = (request) => (lastIsUser(request) ? [call('call-budget', 'budget__get-budget-data', {})] : [say('Here is the budget allocator: move the sliders to try another split.')]);
    await ask('Help me split our budget across departments');
    await lastAnswer().getByText(/^Here is the budget allocator/).waitFor();
    const frame = page.locator('iframe[title="Budget Allocator: Get Budget Data"]');
    await frame.waitFor();
    // On the sandbox origin, never Switchboard's own.
    await expect.poll(() => frame.getAttribute('src')).toBeTruthy();
    const src = new URL((await frame.getAttribute('src'))!);
    expect(src.origin).toBe(new URL(app.server.sandboxUrl!).origin);
    expect(src.origin).not.toBe(new URL(app.url).origin);
    expect(src.pathname).toBe('/sandbox.html');
    expect(await frame.getAttribute('sandbox')).toBe('allow-scripts allow-same-origin allow-forms');

    // The app got the tool's result: the budgets it offers are the ones the tool returned.
    const part = (await storedAnswer()).find((p) => p['type'] === 'tool-budget__get-budget-data')!;
    expect(part['toolMetadata']).toMatchObject({ connector: 'budget', resourceUri: 'ui://budget/budget-allocator/mcp-app.html' });
    const presets = (part['output'] as { structuredContent: { config: { presetBudgets: number[] } } }).structuredContent.config.presetBudgets;
    const view = appIn('iframe[title="Budget Allocator: Get Budget Data"]');
    await view.getByRole('heading', { name: 'Budget Allocator' }).waitFor();
    await expect.poll(() => view.locator('#budget-selector option').count()).toBe(presets.length);
    expect((await view.locator('#budget-selector option').allTextContents()).map((t) => Number(t.replace(/[^\d]/g, '')))).toEqual(presets);
    // Inline: as tall as the app asks, never more than 500 px.
    await expect.poll(async () => (await frame.boundingBox())!.height).toBeGreaterThan(100);
    expect((await frame.boundingBox())!.height).toBeLessThanOrEqual(500);
    await page.getByRole('button', { name: 'Send' }).waitFor();
    await frame.scrollIntoViewIfNeeded();
    await screenshot(page, 'chat-app-light');

    // Full screen, and back with Escape.
    await page.getByRole('button', { name: 'Full screen' }).click();
    await page.getByRole('button', { name: 'Exit full screen' }).waitFor();
    await expect.poll(async () => (await frame.boundingBox())!.height).toBeGreaterThan(600);
    await view.getByRole('heading', { name: 'Budget Allocator' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Full screen' }).waitFor();
    await expect.poll(async () => (await frame.boundingBox())!.height).toBeLessThanOrEqual(500);
  });

  it("(4) a button in the app calls a tool through the gateway, and the result goes back into the app", async () => {
    script.current = (request) => (lastIsUser(request) ? [call('call-time', 'clock__get-time', {})] : [say('That is the server’s time. Press the button in the app for a fresh reading.')]);
    await ask('What time is it on the server?');
    await lastAnswer().getByText(/^That is the server’s time/).waitFor();
    const outer = 'iframe[title="Server Clock: Get Time"]';
    const view = appIn(outer);
    const shown = view.locator('#server-time');
    // The model's call's result, as the app shows it.
    const first = ((await storedAnswer()).find((p) => p['type'] === 'tool-clock__get-time')!['output'] as { structuredContent: { time: string } }).structuredContent.time;
    await expect.poll(() => shown.textContent()).toBe(first);

    const audited = async () => (await asOwner<{ events: Array<{ tool: string; outcome: string; surface: string; connector: string }> }>('/orgs/acme/audit?kind=tool_call&connector=clock')).body.events.filter((e) => e.tool === 'get-time');
    await expect.poll(async () => (await audited()).length).toBe(1);
    await view.getByRole('button', { name: 'Get Server Time' }).click();
    // A new reading came back from the server through the gateway…
    await expect.poll(() => shown.textContent()).not.toBe(first);
    const second = (await shown.textContent())!;
    expect(Date.parse(second)).toBeGreaterThanOrEqual(Date.parse(first));
    // …as a call of the chat, under Mia's name, in the audit log.
    await expect.poll(async () => (await audited()).length).toBe(2);
    expect((await audited()).every((e) => e.outcome === 'ok' && e.surface === 'chat')).toBe(true);

    // The app may put a message in the box (the person still sends it) …
    await view.getByRole('button', { name: 'Send Message' }).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe(await view.locator('#message-text').inputValue());
    await page.getByRole('textbox', { name: 'Message' }).fill('');
    // … and ask to open a link, which the person confirms or not.
    await view.getByRole('button', { name: 'Open Link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Open this link?' });
    await dialog.waitFor();
    expect(await dialog.locator('code').textContent()).toBe(await view.locator('#link-url').inputValue());
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(context.pages()).toHaveLength(1);
  });

  it("with the connector's interactive UI switched off by an owner: the text result, and no frame", async () => {
    const before = conversationId();
    expect((await asOwner('/orgs/acme/connectors/clock/ui', 'PUT', { enabled: false })).status).toBe(200);
    try {
      script.current = (request) => (lastIsUser(request) ? [call('call-time-text', 'clock__get-time', {})] : [say('Done.')]);
      await ask('What time is it on the server now?');
      await lastAnswer().getByText('Done.').waitFor();
      const step = lastAnswer().locator('.tool-step');
      expect(await step.locator('.tool-step-state').textContent()).toBe('Done');
      await step.locator('summary').click();
      expect(await step.locator('.tool-io').nth(1).textContent()).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(await lastAnswer().locator('iframe').count()).toBe(0);
      // An app shown before the switch is not loaded any more either: its text result stays.
      await page.goto(`${app.url}/chat/${before}`);
      await page.locator('.app-unavailable').waitFor();
      expect(await page.locator('iframe').count()).toBe(0);
    } finally {
      await asOwner('/orgs/acme/connectors/clock/ui', 'PUT', { enabled: true });
    }
  });

  it('showed no script errors or refused resources (CSP) on any page', () => {
    expect(problems.list).toEqual([]);
  });
});
