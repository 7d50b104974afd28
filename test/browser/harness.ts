import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startServer, type RunningServer, type StartOptions } from '../../src/server/start.ts';
import { processStorage } from '../helpers/db.ts';
import { ROOT } from '../helpers/process.ts';

// Functions given to page.evaluate run in the page: these name the little of the DOM they use (the project is
// type-checked without the DOM's lib, which is for the web app only).
declare const document: { fonts: { ready: Promise<unknown> }; documentElement: { scrollWidth: number; clientWidth: number } };

/**
 * Browser tests: Debian's Chromium (never a downloaded browser) driven by playwright-core, against a real
 * Switchboard started in this process with its real demo services. One server and one browser per test file.
 */
export const CHROMIUM = '/usr/bin/chromium';
/** Exactly these switches (playwright-core adds the pipe it talks over and its own profile folder). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const REQUIRE_BROWSER = process.env.REQUIRE_BROWSER === '1';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
export const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');

/** Without Chromium the browser tests are skipped with the reason; REQUIRE_BROWSER=1 (CI) makes that a failure. */
export function browserCheck(): { skip: boolean; reason: string } {
  if (existsSync(CHROMIUM)) return { skip: false, reason: '' };
  if (REQUIRE_BROWSER) throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium; .ci/run does).`);
  return { skip: true, reason: `skipped: ${CHROMIUM} is missing (apt-get install -y chromium); set REQUIRE_BROWSER=1 to fail instead` };
}

export interface BrowserApp {
  server: RunningServer;
  url: string;
  close(): Promise<void>;
}

/**
 * A real Switchboard on a free port with the demo services on, the given bootstrap file, and loopback egress allowed.
 * `options.chatModel`: the chat's model (the AI SDK's scripted mock, test/helpers/chat-client.ts).
 */
export async function startBrowserApp(bootstrap: string, env: Record<string, string> = {}, options: Pick<StartOptions, 'chatModel' | 'chatContextTokens'> = {}): Promise<BrowserApp> {
  const storage = await processStorage('sb-browser-');
  const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
  writeFileSync(file, bootstrap);
  const config = loadConfig({ env: { ...storage.env, PORT: '0', LOG_LEVEL: 'silent', SWITCHBOARD_DEMO: 'on', SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32', ...env }, configFile: file });
  let server: RunningServer;
  try {
    server = await startServer(config, { logger: createLogger('silent'), ...options });
  } catch (err) {
    await storage.drop();
    throw err;
  }
  if (!server.services.web) throw new Error('the web app is not built (web/dist): the browser tests build it in their global setup (test/browser/global-setup.ts)');
  return {
    server,
    url: server.url,
    close: async () => {
      await server.close();
      await storage.drop();
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export interface PageProblems {
  /** Console errors, uncaught exceptions and CSP refusals seen so far: a page a person uses shows none. */
  list: string[];
}

/** A new context (its own cookies and storage) and page; problems the page reports are collected for assertions. */
export async function openPage(browser: Browser, options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: PageProblems = { list: [] };
  const watch = (p: Page) => {
    p.on('console', (message) => {
      // The browser logs a failed request (e.g. an expected 401 while checking the session) as an error too.
      if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.list.push(`${p.url()}: ${message.text()}`);
    });
    p.on('pageerror', (error) => problems.list.push(`${p.url()}: ${error.message}`));
  };
  watch(page);
  context.on('page', watch);
  return { context, page, problems };
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Directory' }).waitFor();
}

/**
 * Saves a screenshot to test-artifacts/screenshots/ (git-ignored); with UPDATE_SCREENSHOTS=1 it is also copied to
 * docs/screenshots/, where the user guide shows it.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(ARTIFACTS, 'screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  // Settle: fonts, transitions and the caret must not make two runs differ.
  await page.evaluate(() => document.fonts.ready);
  // No hover effect from wherever the last click left the pointer.
  await page.mouse.move(0, 0);
  await page.screenshot({ path: file, fullPage: false, animations: 'disabled', caret: 'hide' });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(SCREENSHOTS, { recursive: true });
    copyFileSync(file, path.join(SCREENSHOTS, `${name}.png`));
  }
  return file;
}

/** The demo people's tracker account (demo/shared/people.ts), typed in the tracker's own sign-in page. */
export const ALICE = { email: 'alice@demo.test', password: 'alice-demo-password' };

/** Whether the document can scroll sideways (content wider than the viewport). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
