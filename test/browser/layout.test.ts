import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PEOPLE } from '../../demo/index.ts';
import { authorizeAtDemo } from '../helpers/demo-browser.ts';
import { browserCheck, horizontalOverflow, launchBrowser, openPage, screenshot, signIn, startBrowserApp, type BrowserApp } from './harness.ts';

/**
 * What every page must be, whoever uses it: single sign-on offered when the server has it (and its failure
 * explained), no sideways scrolling at 360 px, the keyboard reaching navigation and search with a visible focus,
 * both themes; and the screenshots of sign-in, directory and a connector page, light and dark.
 */
const check = browserCheck();

// What the functions given to page.evaluate use of the DOM (they run in the page; see harness.ts).
interface PageElement {
  id: string;
  tagName: string;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
}
declare const document: { activeElement: PageElement | null; body: PageElement; documentElement: PageElement };
declare function getComputedStyle(element: PageElement): { outlineStyle: string; outlineWidth: string; backgroundColor: string };
declare const localStorage: { getItem(key: string): string | null };

const BOOTSTRAP = `auth:
  sso:
    issuer: http://127.0.0.1:9/unreachable
    clientId: switchboard
    name: Acme SSO
organizations:
  - slug: acme
    name: Acme Corp
    plan: team
    members:
      - { email: olivia@acme.test, name: Olivia Owens, role: primary_owner, password: olivia-password-1 }
`;

let app: BrowserApp;
let browser: Browser;
const OLIVIA = { email: 'olivia@acme.test', password: 'olivia-password-1' };

async function focusedDescription(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return undefined;
    const style = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(),
      text: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(),
      id: el.id,
      inMainNav: Boolean(el.closest('nav[aria-label="Main"]')),
      outline: { style: style.outlineStyle, width: parseFloat(style.outlineWidth) },
    };
  });
}

describe.skipIf(check.skip)(`layout, keyboard, themes and screenshots ${check.reason}`, () => {
  beforeAll(async () => {
    [app, browser] = await Promise.all([startBrowserApp(BOOTSTRAP), launchBrowser()]);
    // Olivia has the tracker connected (the real OAuth flow, done here without a browser) for the connector page's picture.
    const db = app.server.services.database.db;
    const olivia = await db.selectFrom('users').select('id').where('email', '=', OLIVIA.email).executeTakeFirstOrThrow();
    const { authorizationUrl } = await app.server.services.connections.startOAuth(olivia.id, 'demo-tracker');
    const callback = await authorizeAtDemo(authorizationUrl, DEMO_PEOPLE[0]!, { callbackPrefix: app.url });
    await app.server.services.connections.finishOAuth(callback.searchParams);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('offers the single sign-on the server reports, and explains its failure on a readable page with the reference', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await page.goto(`${app.url}/sign-in`);
      const sso = page.getByRole('link', { name: 'Continue with Acme SSO' });
      await sso.waitFor();
      expect(await sso.getAttribute('href')).toBe('/api/v1/auth/sso?returnTo=%2Fdirectory');
      await sso.click();
      // The identity provider cannot be reached: the browser gets a page, not JSON, saying so.
      await page.getByRole('heading', { level: 1, name: 'That did not work' }).waitFor();
      const text = await page.locator('main').textContent();
      expect(text).toContain('The single sign-on provider at http://127.0.0.1:9/unreachable could not be reached');
      expect(text).toMatch(/Reference req_[A-Za-z0-9_-]{12}/);
      expect(problems.list).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('never scrolls sideways at 360 px: sign-in, directory, connector page', async () => {
    const { context, page, problems } = await openPage(browser, { width: 360, height: 740 });
    try {
      await page.goto(`${app.url}/sign-in`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await horizontalOverflow(page)).toBe(0);
      await signIn(page, app.url, OLIVIA.email, OLIVIA.password);
      await page.getByRole('list', { name: 'Connectors' }).waitFor();
      expect(await horizontalOverflow(page)).toBe(0);
      // The main navigation stays in view as a row of tabs.
      for (const name of ['Chat', 'Directory', 'Settings', 'Admin']) expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).isVisible()).toBe(true);
      await page.getByLabel('Search connectors').fill('tracker');
      await page.waitForURL(/q=tracker/);
      await page.getByRole('list', { name: 'Connectors' }).getByRole('link', { name: /Demo Tracker/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Demo Tracker' }).waitFor();
      await page.getByText(/Connected since/).waitFor();
      expect(await horizontalOverflow(page)).toBe(0);
      await page.goto(`${app.url}/directory`);
      await page.getByRole('list', { name: 'Connectors' }).waitFor();
      await screenshot(page, 'directory-mobile-light');
      expect(problems.list).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('reaches the skip link, the main navigation and the search box with the Tab key, each with a visible focus ring', async () => {
    const { context, page } = await openPage(browser);
    try {
      await signIn(page, app.url, OLIVIA.email, OLIVIA.password);
      await page.goto(`${app.url}/directory`);
      await page.getByRole('list', { name: 'Connectors' }).waitFor();
      const seen: NonNullable<Awaited<ReturnType<typeof focusedDescription>>>[] = [];
      for (let i = 0; i < 30; i++) {
        await page.keyboard.press('Tab');
        const focused = await focusedDescription(page);
        if (focused) seen.push(focused);
        if (focused?.id === 'directory-search') break;
      }
      expect(seen[0]?.text).toBe('Skip to content');
      const navLinks = seen.filter((f) => f.inMainNav);
      expect(navLinks.map((f) => f.text)).toEqual(['Chat', 'Directory', 'Settings', 'Admin']);
      const search = seen.find((f) => f.id === 'directory-search');
      expect(search, 'Tab reaches the search box').toBeDefined();
      for (const f of [...navLinks, search!]) {
        expect(f.outline.style, `focus ring on ${f.text || f.id}`).not.toBe('none');
        expect(f.outline.width, `focus ring on ${f.text || f.id}`).toBeGreaterThanOrEqual(2);
      }
      // And the skip link does what it says.
      await page.goto(`${app.url}/directory`);
      await page.getByRole('list', { name: 'Connectors' }).waitFor();
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    } finally {
      await context.close();
    }
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`renders sign-in, directory and a connector page in the ${scheme} theme (screenshots)`, async () => {
      const { context, page, problems } = await openPage(browser, { colorScheme: scheme });
      try {
        await page.goto(`${app.url}/sign-in`);
        await page.getByRole('link', { name: 'Continue with Acme SSO' }).waitFor();
        // The theme follows the system: the page background is dark in dark mode, light otherwise.
        const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const [r, g, b] = background.match(/\d+/g)!.map(Number) as [number, number, number];
        if (scheme === 'dark') expect(r + g + b).toBeLessThan(120);
        else expect(r + g + b).toBeGreaterThan(600);
        await screenshot(page, `sign-in-${scheme}`);

        await signIn(page, app.url, OLIVIA.email, OLIVIA.password);
        await page.getByRole('list', { name: 'Connectors' }).waitFor();
        await page.getByRole('list', { name: 'Connectors' }).getByRole('link', { name: /Demo Tracker/ }).getByText('Connected').waitFor();
        await page.getByRole('list', { name: 'Your connections' }).getByRole('link', { name: 'Demo Tracker' }).waitFor();
        await screenshot(page, `directory-${scheme}`);

        await page.getByRole('list', { name: 'Your connections' }).getByRole('link', { name: 'Demo Tracker' }).click();
        await page.getByText(/Connected since/).waitFor();
        await screenshot(page, `connector-${scheme}`);
        expect(problems.list).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }

  it('shows a prefilled add link as a confirmation (screenshot)', async () => {
    const { context, page, problems } = await openPage(browser);
    try {
      await signIn(page, app.url, OLIVIA.email, OLIVIA.password);
      await page.goto(`${app.url}/connectors/add?name=Linear&url=${encodeURIComponent('https://mcp.linear.app/mcp')}`);
      const confirm = page.getByRole('region', { name: 'Add this connector to Acme Corp?' });
      await confirm.getByRole('button', { name: 'Add to Acme Corp' }).waitFor();
      expect(await confirm.textContent()).toContain('Add it only if you trust mcp.linear.app');
      expect(await horizontalOverflow(page)).toBe(0);
      await screenshot(page, 'add-connector-light');
      expect(problems.list).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('keeps the theme the person picks with the toggle, over the system setting', async () => {
    const { context, page } = await openPage(browser, { colorScheme: 'light' });
    try {
      await page.goto(`${app.url}/sign-in`);
      await page.getByRole('button', { name: 'Switch to dark theme' }).click();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      await page.reload();
      await page.getByRole('button', { name: 'Switch to light theme' }).waitFor();
      expect(await page.evaluate(() => [document.documentElement.dataset.theme, localStorage.getItem('switchboard.theme')])).toEqual(['dark', 'dark']);
    } finally {
      await context.close();
    }
  });
});
