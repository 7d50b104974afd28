import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { apiGet, apiWith, connectTracker, DEMO_PEOPLE, mcp, resultText } from './api-helpers.ts';
import { browserCheck, horizontalOverflow, launchBrowser, openPage, screenshot, signIn, startBrowserApp, type BrowserApp, type PageProblems } from './harness.ts';

/**
 * The admin console, as an owner uses it: members and a role change, "Add to your team" for a directory connector,
 * a custom connector with its own OAuth client added and deleted, write tools blocked for the tracker (then refused
 * for a member), a per-tool rule and a pinned tool, interactive views off, a verified domain (its TXT record
 * published in a stand-in DNS) and the enterprise restriction, the egress allow-list, and the audit log that lists
 * all of it, filtered by action and person. A member sees no Admin entry and is refused at /admin addresses.
 * Every change is checked through the REST API (or the MCP endpoint), as a client would see it.
 */
const check = browserCheck();

const OLIVIA_TOKEN = 'sbp_test_olivia_admin_1';
const MIA_TOKEN = 'sbp_test_mia_admin_1';
const BOOTSTRAP = `organizations:
  - slug: acme
    name: Acme Corp
    plan: team
    members:
      - { email: olivia@acme.test, name: Olivia Owens, role: primary_owner, password: olivia-password-1, tokens: [${OLIVIA_TOKEN}] }
      - { email: mia@acme.test, name: Mia Moreno, role: member, password: mia-password-1, tokens: [${MIA_TOKEN}] }
      - { email: max@acme.test, name: Max Mustermann, role: member, password: max-password-1 }
`;

let app: BrowserApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: PageProblems;
/** The stand-in for the domain's DNS: the TXT records an owner has published, by domain. */
const published = new Map<string, string>();

interface AuditPage {
  events: Array<{ action: string | null; kind: string; userId: string | null; details: unknown }>;
}

const toast = (text: string | RegExp) => page.getByRole('status').filter({ hasText: text });
/** Closes the notices of earlier changes (they cover the right of the window for a few seconds), as a person would. */
async function dismissToasts(): Promise<void> {
  const buttons = page.getByRole('region', { name: 'Notifications' }).getByRole('button', { name: /^Dismiss: / });
  // A notice may also go by itself meanwhile: then there is nothing to click.
  for (let n = await buttons.count(); n > 0; n = await buttons.count()) await buttons.first().click({ timeout: 2000 }).catch(() => undefined);
}
const adminTab = (name: string) => page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name, exact: true });
/** Scrolls the page so that this element is at the top of the window (for a screenshot of what is below it). */
const scrollToTop = (locator: Locator) => locator.evaluate((el) => (el as unknown as { scrollIntoView(options: { block: string }): void }).scrollIntoView({ block: 'start' }));
const members = async () => (await apiGet<{ members: Array<{ userId: string; email: string; name: string; role: string }> }>(app, OLIVIA_TOKEN, '/orgs/acme/members')).members;
const idOf = async (email: string) => (await members()).find((m) => m.email === email)!.userId;

describe.skipIf(check.skip)(`admin console ${check.reason}`, () => {
  beforeAll(async () => {
    [app, browser] = await Promise.all([startBrowserApp(BOOTSTRAP), launchBrowser()]);
    // DNS is the world outside: the owner "publishes" the record the page shows; verification looks it up here.
    app.server.services.resolveTxt = async (hostname) => {
      const record = published.get(hostname);
      if (!record) throw Object.assign(new Error(`queryTxt ENODATA ${hostname}`), { code: 'ENODATA' });
      return [['v=spf1 -all'], [record]];
    };
    // Mia has the tracker connected (as the tracker's bob), so the gateway has her tools to decide on.
    await connectTracker(app, 'mia@acme.test', DEMO_PEOPLE[1]!);
    ({ context, page, problems } = await openPage(browser));
    await signIn(page, app.url, 'olivia@acme.test', 'olivia-password-1');
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  it('lists the members as the API does, and changes a role', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { level: 1, name: 'Admin' }).waitFor();
    expect(await adminTab('Members').getAttribute('aria-current')).toBe('page');
    const list = page.getByRole('list', { name: 'Members' });
    await list.getByRole('listitem').first().waitFor();
    const expected = await members();
    expect(await list.locator('.row-title').allTextContents()).toEqual(expected.map((m) => (m.email === 'olivia@acme.test' ? `${m.name} (you)` : m.name)));
    // The primary owner's role is not for changing here; the others' is.
    const olivia = list.getByRole('listitem').filter({ hasText: 'Olivia Owens' });
    expect(await olivia.getByText('Primary owner').isVisible()).toBe(true);
    expect(await olivia.getByRole('combobox').count()).toBe(0);

    await page.getByLabel('Role of Max Mustermann').selectOption('owner');
    await toast('Max Mustermann is an owner now').waitFor();
    expect((await members()).find((m) => m.email === 'max@acme.test')!.role).toBe('owner');
    await page.reload();
    expect(await page.getByLabel('Role of Max Mustermann').inputValue()).toBe('owner');
  });

  it('adds a directory connector to the team', async () => {
    await adminTab('Connectors').click();
    await page.getByText('Nothing yet: add connectors from the directory below.').waitFor();
    await page.getByLabel('Search the directory').fill('demo tracker');
    await page.getByRole('button', { name: 'Add Demo Tracker to your team' }).click();
    await toast('Demo Tracker is on for Acme Corp').waitFor();
    const on = page.getByRole('list', { name: 'Connectors on for Acme Corp' });
    await on.getByRole('listitem').filter({ hasText: 'Demo Tracker' }).getByText(/on since .* by olivia@acme\.test/).waitFor();
    const { connectors } = await apiGet<{ connectors: Array<{ connector: string; enabledBy: { email: string } | null }> }>(app, MIA_TOKEN, '/orgs/acme/connectors');
    expect(connectors).toEqual([expect.objectContaining({ connector: 'demo-tracker', enabledBy: expect.objectContaining({ email: 'olivia@acme.test' }) })]);
    // It is no longer offered for adding.
    expect(await page.getByRole('button', { name: 'Add Demo Tracker to your team' }).count()).toBe(0);
  });

  it('adds a custom connector with its own OAuth client, then deletes it after asking', async () => {
    const drive = (await apiGet<{ connector: { mcpUrl: string } }>(app, OLIVIA_TOKEN, '/connectors/demo-drive')).connector.mcpUrl;
    const form = page.getByRole('region', { name: 'Add a custom connector' });
    await form.getByLabel('Server URL').fill(drive);
    await form.getByLabel('Name (optional)').fill('Team Drive');
    await form.getByText('OAuth client (optional)').click();
    await form.getByLabel('OAuth client ID').fill('acme-drive-client');
    await form.getByLabel('OAuth client secret').fill('s3cret-value-for-drive');
    await form.getByRole('button', { name: 'Add to Acme Corp' }).click();
    await toast('Team Drive was added to Acme Corp').waitFor();
    const row = page.getByRole('list', { name: 'Connectors on for Acme Corp' }).getByRole('listitem').filter({ hasText: 'Team Drive' });
    await row.getByText('Custom', { exact: true }).waitFor();
    // The form is empty again, the secret gone from the page.
    expect(await form.getByLabel('Server URL').inputValue()).toBe('');
    expect(await page.locator('main').innerHTML()).not.toContain('s3cret-value-for-drive');

    const acme = (await apiGet<{ organizations: Array<{ organization: { id: string; slug: string } }> }>(app, OLIVIA_TOKEN, '/me')).organizations.find((m) => m.organization.slug === 'acme')!.organization.id;
    const listed = (await apiGet<{ connectors: Array<{ slug: string; name: string; custom: boolean; ownerOrgId: string | null; mcpUrl: string; auth: { kind: string } }> }>(app, MIA_TOKEN, '/connectors?limit=500')).connectors.find((c) => c.name === 'Team Drive')!;
    expect(listed).toMatchObject({ custom: true, ownerOrgId: acme, mcpUrl: drive, auth: { kind: 'oauth' } });
    // Its OAuth client is stored for the connector, the secret sealed (never in clear).
    const db = app.server.services.database.db;
    const client = await db.selectFrom('connector_oauth_clients').selectAll().where('connector_slug', '=', listed.slug).executeTakeFirstOrThrow();
    expect(client.client_id).toBe('acme-drive-client');
    expect(client.client_secret_enc).toBeTruthy();
    expect(JSON.stringify(client)).not.toContain('s3cret-value-for-drive');

    await row.getByRole('button', { name: 'Delete Team Drive' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Team Drive?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await apiGet<{ connectors: Array<{ name: string }> }>(app, MIA_TOKEN, '/connectors?limit=500')).connectors.map((c) => c.name)).toContain('Team Drive');
    await row.getByRole('button', { name: 'Delete Team Drive' }).click();
    await dialog.getByRole('button', { name: 'Delete connector' }).click();
    await toast('Team Drive was deleted').waitFor();
    await row.waitFor({ state: 'detached' });
    expect((await apiGet<{ connectors: Array<{ name: string }> }>(app, MIA_TOKEN, '/connectors?limit=500')).connectors.map((c) => c.name)).not.toContain('Team Drive');
    expect(await db.selectFrom('connector_oauth_clients').select('client_id').where('connector_slug', '=', listed.slug).executeTakeFirst()).toBeUndefined();
  });

  it('blocks write tools in the tracker by kind: a member is then refused them, with the reason', async () => {
    const writes = (await apiGet<{ connector: { tools: Array<{ name: string; class: string }> } }>(app, MIA_TOKEN, '/connectors/demo-tracker')).connector.tools.filter((t) => t.class === 'write-delete').map((t) => t.name);
    expect(writes).toEqual(expect.arrayContaining(['create_issue', 'delete_issue']));
    // Before: Mia may use them.
    const before = (await mcp(app, MIA_TOKEN, 'tools/list')).answer!.result!.tools!.map((t) => t.name);
    expect(before).toContain('demo-tracker__create_issue');

    await adminTab('Rules').click();
    expect(await page.getByLabel('Connector').inputValue()).toBe('demo-tracker');
    await page.getByRole('group', { name: 'Write and delete: rule for Acme Corp' }).getByRole('radio', { name: 'Block' }).check();
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save rules' }).click();
    await toast("Demo Tracker's rules are saved").waitFor();
    expect((await apiGet<{ rules: { categories: Record<string, string> } }>(app, MIA_TOKEN, '/orgs/acme/connectors/demo-tracker/policy')).rules.categories).toEqual({ write: 'block' });

    // As Mia: the API decides block for every write tool, with the owners' reason; the gateway no longer lists them.
    const decisions = await apiGet<{ tools: Array<{ name: string; decision: string; source: string; reason: string }> }>(app, MIA_TOKEN, '/orgs/acme/connectors/demo-tracker/decisions');
    for (const name of writes) {
      expect(decisions.tools.find((t) => t.name === name)).toMatchObject({ decision: 'block', source: 'org-category', reason: `Acme Corp's owners block write and delete actions in Demo Tracker. Ask an owner if you need ${name}.` });
    }
    expect(decisions.tools.find((t) => t.name === 'list_issues')!.decision).toBe('allow');
    const after = (await mcp(app, MIA_TOKEN, 'tools/list')).answer!.result!.tools!.map((t) => t.name);
    for (const name of writes) expect(after).not.toContain(`demo-tracker__${name}`);
    expect(after).toContain('demo-tracker__list_issues');
    const call = await mcp(app, MIA_TOKEN, 'tools/call', { name: 'demo-tracker__create_issue', arguments: { project: 'WEB', title: 'Not allowed' } });
    // Called by name anyway: refused with the owners' own reason.
    expect(resultText(call.answer) || call.answer?.error?.message).toBe("Acme Corp's owners block write and delete actions in Demo Tracker. Ask an owner if you need create_issue.");
  });

  it('sets a rule for one tool and keeps another loaded for everyone', async () => {
    const tools = page.getByRole('list', { name: 'Tools of Demo Tracker' });
    expect(await tools.getByLabel('Rule for create_issue').locator('option:checked').textContent()).toBe('Like its kind (Block)');
    await tools.getByLabel('Rule for list_issues').selectOption('ask');
    await dismissToasts();
    await tools.getByLabel('Keep loaded for search_issues').check();
    const save = page.getByRole('button', { name: 'Save rules' });
    await save.click();
    // Saved: nothing is left unsaved, and the notice says so (an earlier one with the same words may still be shown).
    await page.getByText('Unsaved changes').waitFor({ state: 'hidden' });
    expect(await save.isDisabled()).toBe(true);
    await toast("Demo Tracker's rules are saved").first().waitFor();
    expect((await apiGet<{ rules: { tools: Record<string, string> } }>(app, MIA_TOKEN, '/orgs/acme/connectors/demo-tracker/policy')).rules.tools).toEqual({ list_issues: 'ask' });
    expect((await apiGet<{ pinned: unknown[] }>(app, MIA_TOKEN, '/orgs/acme/tool-access')).pinned).toEqual([{ connector: 'demo-tracker', tool: 'search_issues' }]);
    const decisions = await apiGet<{ tools: Array<{ name: string; decision: string; reason: string }> }>(app, MIA_TOKEN, '/orgs/acme/connectors/demo-tracker/decisions');
    expect(decisions.tools.find((t) => t.name === 'list_issues')).toMatchObject({ decision: 'ask', reason: "Acme Corp's owners require your approval each time list_issues in Demo Tracker runs." });
  });

  it("switches the tracker's interactive views off", async () => {
    const ui = page.getByRole('switch', { name: "Show Demo Tracker's interactive views" });
    expect(await ui.getAttribute('aria-checked')).toBe('true');
    await ui.click();
    await toast("Demo Tracker's interactive views are off").waitFor();
    expect(await ui.getAttribute('aria-checked')).toBe('false');
    expect((await apiGet<{ ui: { enabled: boolean } }>(app, MIA_TOKEN, '/orgs/acme/connectors/demo-tracker/ui')).ui.enabled).toBe(false);
  });

  it('verifies a domain by its TXT record, then turns the enterprise restriction on', async () => {
    await adminTab('Domains').click();
    const restrict = page.getByRole('switch', { name: 'Restrict identities on verified domains' });
    expect(await restrict.isDisabled()).toBe(true);
    await page.getByText('Verify a domain first: there is nothing to restrict yet.').waitFor();

    await page.getByLabel('Domain', { exact: true }).fill('acme.test');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await toast('acme.test is added').waitFor();
    const row = page.getByRole('list', { name: 'Domains' }).getByRole('listitem').filter({ hasText: 'acme.test' });
    await row.getByText('Not verified').waitFor();
    const record = (await row.locator('pre').textContent())!;
    const { domains } = await apiGet<{ domains: Array<{ domain: string; verified: boolean; txtRecord: string }> }>(app, OLIVIA_TOKEN, '/orgs/acme/domains');
    expect(domains).toEqual([expect.objectContaining({ domain: 'acme.test', verified: false, txtRecord: record })]);
    expect(record).toMatch(/^switchboard-verification=/);

    // Verifying before the record is published explains what is missing, with the reference.
    await row.getByRole('button', { name: 'Verify acme.test' }).click();
    const refusal = row.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('acme.test is not verified yet');
    expect(await refusal.textContent()).toContain(`Publish the TXT record "${record}" at acme.test`);
    expect(await refusal.textContent()).toMatch(/Reference req_[A-Za-z0-9_-]{12}/);

    published.set('acme.test', record);
    await row.getByRole('button', { name: 'Verify acme.test' }).click();
    await toast('acme.test is verified').waitFor();
    await row.getByText('Verified', { exact: true }).waitFor();
    await row.getByText(/by its DNS record/).waitFor();
    expect((await apiGet<{ domains: Array<{ verified: boolean; method: string }> }>(app, OLIVIA_TOKEN, '/orgs/acme/domains')).domains).toEqual([expect.objectContaining({ verified: true, method: 'dns' })]);

    expect(await restrict.isDisabled()).toBe(false);
    await restrict.click();
    const dialog = page.getByRole('dialog', { name: 'Turn the restriction on?' });
    expect(await dialog.textContent()).toContain('acme.test');
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    await toast('The enterprise restriction is on').waitFor();
    expect(await restrict.getAttribute('aria-checked')).toBe('true');
    expect(await apiGet(app, MIA_TOKEN, '/orgs/acme/enterprise')).toEqual({ restrictVerifiedDomains: true, eligible: true });
  });

  it('adds an address range to the egress allow-list (a wrong one is refused with the reason), then removes it after asking', async () => {
    await adminTab('Network').click();
    await page.getByText('No range: custom connectors reach public addresses only.').waitFor();
    const field = page.getByLabel('Address range (CIDR)');
    await field.fill('10.20.0.0/33');
    await page.getByRole('button', { name: 'Allow range' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'The range was not added' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/The egress allow-list is not valid/);
    expect(await refusal.textContent()).toMatch(/Reference req_[A-Za-z0-9_-]{12}/);
    expect((await apiGet<{ allow: string[] }>(app, MIA_TOKEN, '/orgs/acme/egress')).allow).toEqual([]);

    await field.fill('10.20.0.0/16');
    await page.getByRole('button', { name: 'Allow range' }).click();
    await toast('10.20.0.0/16 is allowed').waitFor();
    const list = page.getByRole('list', { name: 'Allowed address ranges' });
    await list.getByText('10.20.0.0/16').waitFor();
    expect((await apiGet<{ allow: string[] }>(app, MIA_TOKEN, '/orgs/acme/egress')).allow).toEqual(['10.20.0.0/16']);

    await list.getByRole('button', { name: 'Remove 10.20.0.0/16' }).click();
    await page.getByRole('dialog', { name: 'Stop allowing 10.20.0.0/16?' }).getByRole('button', { name: 'Remove range' }).click();
    await toast('10.20.0.0/16 is no longer allowed').waitFor();
    await page.getByText('No range: custom connectors reach public addresses only.').waitFor();
    expect((await apiGet<{ allow: string[] }>(app, MIA_TOKEN, '/orgs/acme/egress')).allow).toEqual([]);
  });

  it('lists every change in the audit log, and filters it by action and by person as the API does', async () => {
    await adminTab('Audit log').click();
    const table = page.getByRole('region', { name: 'Audit events' });
    await table.waitFor();
    const all = await apiGet<AuditPage>(app, OLIVIA_TOKEN, '/orgs/acme/audit?limit=50');
    const rows = table.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(all.events.length);
    const text = (await table.textContent())!;
    for (const line of [
      "Changed Max Mustermann's role from member to owner",
      'Turned on Demo Tracker',
      `Added the custom connector Team Drive`,
      'Deleted the custom connector Team Drive',
      "Set Demo Tracker's rules: write: block",
      "Set Demo Tracker's rules: write: block, list_issues: ask",
      'Set the pinned tools: demo-tracker: search_issues',
      "Switched Demo Tracker's interactive views off",
      'Added the domain acme.test',
      'Verified the domain acme.test by DNS',
      'Turned the enterprise restriction on',
      'Set the egress allow-list: 10.20.0.0/16 (was empty)',
      'Set the egress allow-list: empty (was 10.20.0.0/16)',
      'Connected Demo Tracker',
    ]) {
      expect(text).toContain(line);
    }
    // Newest first, with the reference of the request that made it.
    expect(await rows.first().locator('td').nth(2).textContent()).toBe('Set the egress allow-list: empty (was 10.20.0.0/16)');
    expect(await rows.first().locator('td').nth(3).textContent()).toMatch(/^req_[A-Za-z0-9_-]{12}$/);

    // By action: only the role change.
    await page.getByLabel('Action').selectOption({ label: 'Role changed' });
    await page.waitForURL(/action=role_changed/);
    const roles = await apiGet<AuditPage>(app, OLIVIA_TOKEN, '/orgs/acme/audit?action=role_changed');
    expect(roles.events).toHaveLength(1);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("Changed Max Mustermann's role from member to owner");
    expect(await rows.first().locator('td').nth(1).textContent()).toBe('Olivia Owens');

    // By person: what Mia did (her connection) and what the operator did about her (adding her), nothing of Olivia's.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.waitForURL((url) => !url.search.includes('action='));
    await page.getByLabel('Person').selectOption({ label: 'Mia Moreno' });
    await page.waitForURL(/user=/);
    const mias = await apiGet<AuditPage>(app, OLIVIA_TOKEN, `/orgs/acme/audit?user=${await idOf('mia@acme.test')}`);
    expect(mias.events.length).toBeGreaterThan(0);
    await expect.poll(() => rows.count()).toBe(mias.events.length);
    const who = await rows.locator('td:nth-child(2)').allTextContents();
    expect(who).toContain('Mia Moreno');
    expect(who.every((w) => w === 'Mia Moreno' || w === 'The operator')).toBe(true);
    expect(await rows.filter({ hasText: 'The operator' }).textContent()).toContain('Added Mia Moreno as member');
    // Both filters together, and the export link carries them.
    await page.getByLabel('Action').selectOption({ label: 'Connected' });
    await page.waitForURL(/action=connected/);
    await expect.poll(() => rows.count()).toBe(mias.events.filter((e) => e.action === 'connected').length);
    const exportHref = (await page.getByRole('link', { name: /Export JSON lines/ }).getAttribute('href'))!;
    expect(exportHref).toMatch(/^\/api\/v1\/orgs\/acme\/audit\/export\?/);
    expect(new URL(exportHref, app.url).searchParams.get('action')).toBe('connected');
    const exported = await page.request.get(new URL(exportHref, app.url).href);
    expect(exported.status()).toBe(200);
    expect((await exported.text()).trim().split('\n').length).toBe(mias.events.filter((e) => e.action === 'connected').length);
  });

  it('shows a member no Admin entry, and refuses her the /admin addresses with the reason', async () => {
    const member = await openPage(browser);
    try {
      await signIn(member.page, app.url, 'mia@acme.test', 'mia-password-1');
      expect(await member.page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['Chat', 'Directory', 'Settings']);
      for (const path of ['/admin', '/admin/rules?connector=demo-tracker', '/admin/audit']) {
        await member.page.goto(`${app.url}${path}`);
        await member.page.getByRole('heading', { level: 1, name: 'Admin' }).waitFor();
        expect(await member.page.locator('main').textContent()).toContain('Only owners of Acme Corp can open this page. Ask an owner if you need something changed.');
        expect(await member.page.getByRole('navigation', { name: 'Admin' }).count()).toBe(0);
      }
      // And the API refuses her the same way, whatever the page.
      const refused = await apiWith<{ error: { code: string; message: string } }>(app, MIA_TOKEN, 'GET', '/orgs/acme/audit');
      expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden']);
      expect((await apiWith(app, MIA_TOKEN, 'PUT', '/orgs/acme/connectors/demo-tracker/policy', { categories: {} })).status).toBe(403);
      expect(member.problems.list).toEqual([]);
    } finally {
      await member.context.close();
    }
  });

  it('looks right in light and dark, and on a 360 px phone (screenshots)', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const view = await openPage(browser, { colorScheme: scheme });
      try {
        await signIn(view.page, app.url, 'olivia@acme.test', 'olivia-password-1');
        await view.page.goto(`${app.url}/admin/rules?connector=demo-tracker`);
        await view.page.getByRole('list', { name: 'Tools of Demo Tracker' }).waitFor();
        await screenshot(view.page, `admin-rules-${scheme}`);
        await scrollToTop(view.page.getByText('Tool by tool'));
        await screenshot(view.page, `admin-tools-${scheme}`);
        await view.page.goto(`${app.url}/admin`);
        await view.page.getByRole('list', { name: 'Members' }).waitFor();
        await screenshot(view.page, `admin-${scheme}`);
        expect(view.problems.list).toEqual([]);
      } finally {
        await view.context.close();
      }
    }
    const light = await openPage(browser);
    try {
      await signIn(light.page, app.url, 'olivia@acme.test', 'olivia-password-1');
      // A second domain, not verified yet: the picture shows the record to publish.
      expect((await apiWith(app, OLIVIA_TOKEN, 'POST', '/orgs/acme/domains', { domain: 'labs.acme.test' })).status).toBe(201);
      for (const [path, name, ready] of [
        ['/admin/connectors', 'admin-connectors-light', 'Connectors on for Acme Corp'],
        ['/admin/domains', 'admin-domains-light', 'Domains'],
        ['/admin/audit', 'admin-audit-light', 'Audit events'],
      ] as const) {
        await light.page.goto(`${app.url}${path}`);
        await (name === 'admin-audit-light' ? light.page.getByRole('region', { name: ready }) : light.page.getByRole('list', { name: ready })).waitFor();
        await screenshot(light.page, name);
      }
    } finally {
      await light.context.close();
    }
    const phone = await openPage(browser, { width: 360, height: 740 });
    try {
      await signIn(phone.page, app.url, 'olivia@acme.test', 'olivia-password-1');
      for (const path of ['/admin', '/admin/connectors', '/admin/rules', '/admin/domains', '/admin/network', '/admin/audit']) {
        await phone.page.goto(`${app.url}${path}`);
        await phone.page.getByRole('heading', { level: 2 }).first().waitFor();
        // Several sections may be loading at once: wait until none is.
        await expect.poll(() => phone.page.locator('.loading-line').count(), { timeout: 10_000 }).toBe(0);
        expect(await horizontalOverflow(phone.page), path).toBe(0);
      }
      await phone.page.goto(`${app.url}/admin`);
      await phone.page.getByRole('list', { name: 'Members' }).waitFor();
      await screenshot(phone.page, 'admin-mobile-light');
      expect(phone.problems.list).toEqual([]);
    } finally {
      await phone.context.close();
    }
  });

  it('showed no script errors or refused resources (CSP) on any page', () => {
    expect(problems.list).toEqual([]);
  });
});
