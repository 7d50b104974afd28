import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ALICE, browserCheck, launchBrowser, openPage, startBrowserApp, type BrowserApp, type PageProblems } from './harness.ts';

/**
 * Journey 1, first part: a new member signs in, finds their way between organizations, browses and searches the
 * directory, opens a connector, connects the demo tracker through the real OAuth popup (the tracker's own sign-in
 * and consent pages), sees it connected, disconnects, and follows a prefilled "add custom connector" link.
 */
const check = browserCheck();

const BOOTSTRAP = `organizations:
  - slug: acme
    name: Acme Corp
    plan: team
    members:
      - { email: olivia@acme.test, name: Olivia Owens, role: primary_owner, password: olivia-password-1 }
      - { email: mia@acme.test, name: Mia Moreno, role: member, password: mia-password-1 }
  - slug: mias-lab
    name: Mia's Lab
    plan: free
    members:
      - { email: mia@acme.test, role: primary_owner }
`;

let app: BrowserApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: PageProblems;

/** The API as the signed-in page sees it (same cookies). */
async function apiGet<T>(path: string): Promise<T> {
  const res = await page.request.get(`${app.url}/api/v1${path}`);
  expect(res.status(), `GET ${path}`).toBe(200);
  return (await res.json()) as T;
}

const cardNames = () => page.getByRole('list', { name: 'Connectors' }).getByRole('heading', { level: 2 }).allTextContents();

describe.skipIf(check.skip)(`journey: sign in, directory, connect ${check.reason}`, () => {
  beforeAll(async () => {
    [app, browser] = await Promise.all([startBrowserApp(BOOTSTRAP), launchBrowser()]);
    ({ context, page, problems } = await openPage(browser));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  it('refuses a wrong password with the reason and reference, then signs in and lands on the directory', async () => {
    // A signed-out visit to a page asks for sign-in in place, and comes back to that page afterwards.
    await page.goto(`${app.url}/directory?q=tracker`);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill('mia@acme.test');
    await page.getByLabel('Password').fill('not-her-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Wrong email or password/);
    expect(await alert.textContent()).toMatch(/Reference req_[A-Za-z0-9_-]{12}/);

    await page.getByLabel('Password').fill('mia-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Directory' }).waitFor();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/directory?q=tracker');
    expect(await page.getByLabel('Search connectors').inputValue()).toBe('tracker');
    // The shell says who is signed in.
    expect(await page.locator('.sidebar-account').textContent()).toContain('Mia Moreno');
  });

  it('switches organization from the shell, and the choice sticks across a reload', async () => {
    await page.goto(`${app.url}/directory`);
    const switcher = page.getByLabel('Organization');
    await switcher.waitFor();
    const options = await switcher.locator('option').allTextContents();
    expect(options).toEqual(['Acme Corp', "Mia's Lab"]);
    expect(await switcher.inputValue()).toBe('acme');
    expect(await page.locator('.org-role').textContent()).toBe('Member · Team plan');
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Chat', 'Directory', 'Settings']);

    await switcher.selectOption({ label: "Mia's Lab" });
    expect(await page.locator('.org-role').textContent()).toBe('Primary owner · Free plan');
    // Owners of the chosen organization get the admin console in the navigation.
    await nav.getByRole('link', { name: 'Admin' }).waitFor();
    await page.reload();
    await page.getByLabel('Organization').waitFor();
    expect(await page.getByLabel('Organization').inputValue()).toBe('mias-lab');
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Chat', 'Directory', 'Settings', 'Admin']);

    await page.getByLabel('Organization').selectOption('acme');
    await nav.getByRole('link', { name: 'Admin' }).waitFor({ state: 'detached' });
  });

  it('browses by category and searches with the server ranking', async () => {
    await page.goto(`${app.url}/directory`);
    const all = await apiGet<{ connectors: Array<{ name: string; category: string }>; total: number }>('/connectors?limit=500');
    await page.getByRole('list', { name: 'Connectors' }).waitFor();
    expect(await cardNames()).toEqual(all.connectors.map((c) => c.name));
    expect(await page.locator('.result-count').textContent()).toBe(`${all.total} connectors`);
    expect(all.connectors.map((c) => c.name)).toEqual(expect.arrayContaining(['Demo Tracker', 'Demo Chat', 'Demo Drive']));

    await page.getByRole('button', { name: 'Files', exact: true }).click();
    await page.waitForURL(/category=files/);
    const files = all.connectors.filter((c) => c.category === 'files').map((c) => c.name);
    await expect.poll(cardNames).toEqual(files);
    expect(await page.getByRole('button', { name: 'Files', exact: true }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'All', exact: true }).click();
    await page.waitForURL((url) => !url.search.includes('category'));

    await page.getByLabel('Search connectors').fill('issues');
    await page.waitForURL(/q=issues/);
    const ranked = await apiGet<{ connectors: Array<{ name: string }> }>('/connectors?q=issues&limit=500');
    expect(ranked.connectors.length).toBeGreaterThan(0);
    expect(ranked.connectors.length).toBeLessThan(all.connectors.length);
    await expect.poll(cardNames).toEqual(ranked.connectors.map((c) => c.name));
    expect(await cardNames()).toContain('Demo Tracker');

    await page.getByLabel('Search connectors').fill('zzqx nothing like this');
    await page.getByText(/No connector matches “zzqx nothing like this”/).waitFor();
    expect(await page.getByRole('link', { name: 'Add it by its URL' }).getAttribute('href')).toBe('/connectors/add?name=zzqx%20nothing%20like%20this');
  });

  it('shows a page per connector: description, use cases, capabilities, availability, sign-in kind', async () => {
    await page.goto(`${app.url}/directory?q=tracker`);
    await page.getByRole('list', { name: 'Connectors' }).getByRole('link', { name: /Demo Tracker/ }).click();
    await page.waitForURL(`${app.url}/connectors/demo-tracker`);
    const { connector } = await apiGet<{ connector: { name: string; tagline: string; description: string; useCases: string[]; capabilities: { readOnly: number; writeDelete: number; other: number } } }>(
      '/connectors/demo-tracker',
    );
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(connector.name);
    const main = page.locator('main');
    await main.getByText(connector.tagline).waitFor();
    await main.getByText(connector.description).waitFor();
    expect(connector.useCases.length).toBeGreaterThan(0);
    for (const useCase of connector.useCases) await main.getByText(useCase, { exact: true }).waitFor();
    const stat = async (label: string) => page.locator('.stat', { hasText: label }).locator('dd').textContent();
    expect(await stat('Read-only')).toBe(String(connector.capabilities.readOnly));
    expect(await stat('Write / delete')).toBe(String(connector.capabilities.writeDelete));
    expect(await stat('Other')).toBe(String(connector.capabilities.other));
    await main.getByText('Sign in with the service (OAuth)').waitFor();
    await main.getByText('Switchboard chat and MCP clients (Claude, Cursor, …)').waitFor();
    expect(await page.locator('.connect-panel').textContent()).toContain('Not connected');
    // A member sees that the organization has not turned it on, and that an owner can.
    expect(await page.locator('.org-status').textContent()).toContain('Not turned on for Acme Corp yet');
  });

  it('connects the demo tracker through the real OAuth popup: a declined consent is explained, then it connects', async () => {
    await page.goto(`${app.url}/connectors/demo-tracker`);
    await page.getByText('Not connected').waitFor();

    // First try: the person declines at the tracker's consent page.
    let [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Connect' }).click()]);
    await popup.getByRole('heading', { name: /Sign in to connect/ }).waitFor();
    expect(new URL(popup.url()).origin).not.toBe(app.url);
    await popup.getByLabel('Email').fill(ALICE.email);
    await popup.getByLabel('Password').fill(ALICE.password);
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await popup.getByRole('heading', { name: /wants to use your .* account/ }).waitFor();
    await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Deny' }).click()]);
    const refusal = page.locator('.connect-panel').getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/Could not connect Demo Tracker/);
    expect(await refusal.textContent()).toMatch(/declined the authorization/);
    expect(await refusal.textContent()).toMatch(/Reference req_[A-Za-z0-9_-]{12}/);

    // Second try: already signed in at the tracker, the popup goes straight to consent.
    [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Connect' }).click()]);
    await popup.getByRole('heading', { name: /wants to use your .* account/ }).waitFor();
    expect(await popup.locator('input[name="scope"]').count()).toBeGreaterThan(0);
    await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);

    await page.locator('.connect-panel').getByText(/Connected since/).waitFor();
    await page.getByRole('status').filter({ hasText: 'Demo Tracker is connected' }).waitFor();
    expect(await page.locator('.connect-panel').getByRole('alert').count()).toBe(0);
    const { connections } = await apiGet<{ connections: Array<{ connector: string; status: string; scope: string }> }>('/connections');
    expect(connections).toEqual([expect.objectContaining({ connector: 'demo-tracker', status: 'connected' })]);
    expect(connections[0]!.scope).toContain('tracker.read');

    // The directory shows it connected too: first among your connections, and with the badge on its card.
    await page.getByRole('link', { name: 'Directory', exact: true }).first().click();
    await page.getByRole('list', { name: 'Connectors' }).getByRole('link', { name: /Demo Tracker/ }).getByText('Connected').waitFor();
    const yours = page.getByRole('list', { name: 'Your connections' });
    await yours.getByRole('link', { name: 'Demo Tracker', exact: true }).waitFor();
    expect(await yours.getByRole('listitem').count()).toBe(1);
  });

  it('disconnects after asking, and says the tokens were revoked', async () => {
    await page.goto(`${app.url}/connectors/demo-tracker`);
    await page.locator('.connect-panel').getByText(/Connected since/).waitFor();
    await page.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect Demo Tracker?' });
    await dialog.waitFor();
    // Cancel changes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await apiGet<{ connections: unknown[] }>('/connections')).connections).toHaveLength(1);

    await page.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('status').filter({ hasText: 'Demo Tracker is disconnected' }).getByText(/revoked at the service/).waitFor();
    await page.locator('.connect-panel').getByText('Not connected').waitFor();
    expect((await apiGet<{ connections: unknown[] }>('/connections')).connections).toEqual([]);
  });

  it('opens a prefilled "add custom connector" link as a confirmation, and adds only when confirmed', async () => {
    const drive = (await apiGet<{ connector: { mcpUrl: string } }>('/connectors/demo-drive')).connector.mcpUrl;
    const link = `${app.url}/connectors/add?name=${encodeURIComponent('Team Files')}&url=${encodeURIComponent(drive)}`;
    await page.goto(link);
    const confirm = page.getByRole('region', { name: 'Add this connector to Acme Corp?' });
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('A link filled in these details');
    expect(await confirm.locator('dd').allTextContents()).toEqual(['Team Files', drive, 'Acme Corp', 'Members of Acme Corp only']);
    // Nothing has been added by opening the link.
    const names = async () => (await apiGet<{ connectors: Array<{ name: string }> }>('/connectors?limit=500')).connectors.map((c) => c.name);
    expect(await names()).not.toContain('Team Files');

    // In Acme (Team plan) only owners add custom connectors: the refusal says so, with its reference.
    await confirm.getByRole('button', { name: 'Add to Acme Corp' }).click();
    const refusal = confirm.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/The connector was not added/);
    expect(await refusal.textContent()).toMatch(/owner/i);
    expect(await refusal.textContent()).toMatch(/Reference req_[A-Za-z0-9_-]{12}/);
    expect(await names()).not.toContain('Team Files');

    // In her own organization she may: switching organization changes where it goes.
    await page.getByLabel('Organization').selectOption('mias-lab');
    const mine = page.getByRole('region', { name: "Add this connector to Mia's Lab?" });
    await mine.getByRole('button', { name: "Add to Mia's Lab" }).click();
    await page.waitForURL(/\/connectors\/(?!add)[a-z0-9-]+$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Team Files');
    expect(await page.locator('.connector-hero .badges').textContent()).toContain('Custom');
    await page.getByRole('status').filter({ hasText: "Team Files was added to Mia's Lab" }).waitFor();
    expect(await names()).toContain('Team Files');
    expect(await page.locator('.org-status').textContent()).toContain("On for Mia's Lab");
  });

  it('showed no script errors or refused resources (CSP) on any page', () => {
    expect(problems.list).toEqual([]);
  });
});
