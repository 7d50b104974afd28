import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { upsertListing } from '../../src/directory/store.ts';
import { call, offered, say, streamingModel, toolResultsIn, type ScriptedStep } from '../helpers/chat-client.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';
import { browserCheck, horizontalOverflow, launchBrowser, openPage, screenshot, signIn, startBrowserApp, type BrowserApp, type PageProblems } from './harness.ts';

/**
 * The chat, as a person uses it, against a real Switchboard with its real demo services and a scripted model (the
 * AI SDK's MockLanguageModelV3, streaming word by word): a new member connects the tracker through the real OAuth
 * popup and has an issue created after approving the card; the owner blocks write tools and the next attempt is
 * refused with the policy's reason; two connected apps fit and the chat offers both; a token revoked at the tracker
 * brings the Connect card, and after reconnecting in the popup the same call runs again. Also: the connectors menu,
 * rename and delete, no model configured, and the screenshots (light, dark, 360 px).
 */
const check = browserCheck();

const MIA = { email: 'mia@acme.test', password: 'mia-password-1', token: 'sbp_browser_mia_chat_1' };
const OLIVIA_TOKEN = 'sbp_browser_olivia_chat_1';
// Mia's account at the demo tracker (demo/shared/people.ts): she types it in the tracker's own sign-in page.
const BOB = { email: 'bob@demo.test', password: 'bob-demo-password' };

const BOOTSTRAP = `organizations:
  - slug: acme
    name: Acme Corp
    plan: team
    members:
      - { email: olivia@acme.test, name: Olivia Owens, role: primary_owner, password: olivia-password-1, tokens: [${OLIVIA_TOKEN}] }
      - { email: mia@acme.test, name: Mia Moreno, role: member, password: mia-password-1, tokens: [${MIA.token}] }
`;

type Request = Parameters<Parameters<typeof streamingModel>[0]['current']>[0];
const lastIsUser = (request: Request) => request.prompt.at(-1)?.role === 'user';
/** The text of the last tool result the model read (its content parts' text). */
function lastResult(request: Request, toolName?: string): string {
  const results = toolResultsIn(request).filter((r) => !toolName || r.toolName === toolName);
  const raw = results.at(-1)?.text ?? '';
  try {
    const parts = JSON.parse(raw) as Array<{ text?: string }>;
    return Array.isArray(parts) ? parts.map((p) => p.text ?? '').join('\n') : raw;
  } catch {
    return raw;
  }
}

let app: BrowserApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: PageProblems;
let hub: Awaited<ReturnType<typeof startTestUpstream>>;
const script: Parameters<typeof streamingModel>[0] = { current: (): ScriptedStep => [say('Nothing scripted.')], delayMs: 4 };
const model = streamingModel(script);

/** The REST API as a person (their personal access token). */
async function api<T = any>(token: string, path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${app.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}
const asOwner = <T = any>(path: string, method = 'GET', body?: unknown) => api<T>(OLIVIA_TOKEN, path, method, body);

/** Calls a tool through /mcp as Mia, with a real MCP client: what exists at the connector for her. */
async function mcpCall(name: string, args: Record<string, unknown>): Promise<{ isError: boolean; text: string }> {
  const client = new Client({ name: 'check', version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${app.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${MIA.token}` } } }));
  try {
    const result = await client.callTool({ name, arguments: args });
    const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
    return { isError: result.isError === true, text: content.map((c) => c.text ?? '').join('\n') };
  } finally {
    await client.close();
  }
}

const tracker = () => app.server.demos.find((d) => d.name === 'tracker')!;
/** The policy's own sentence for a tool, as the decisions API says it to Mia. */
async function reasonFor(connector: string, tool: string): Promise<string> {
  const { body } = await api<{ tools: Array<{ name: string; reason: string }> }>(MIA.token, `/orgs/acme/connectors/${connector}/decisions`);
  return body.tools.find((t) => t.name === tool)!.reason;
}

/** Toasts fade by themselves; screenshots are taken without them. */
async function dismissToasts(p: Page = page): Promise<void> {
  for (const button of await p.getByRole('region', { name: 'Notifications' }).getByRole('button', { name: /^Dismiss/ }).all()) await button.click();
}

/** The answer has ended: the Send button is back (Stop while it is written). */
const answered = (p: Page = page) => p.getByRole('button', { name: 'Send' }).waitFor();

async function newChat(p: Page = page): Promise<void> {
  await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
  const newButton = p.getByRole('button', { name: 'New chat' });
  if (!(await p.getByRole('heading', { level: 1, name: 'New chat' }).isVisible())) await newButton.click();
  await p.getByRole('heading', { level: 1, name: 'New chat' }).waitFor();
}

async function ask(text: string, p: Page = page): Promise<void> {
  // The previous answer has ended (while one is written, the button is Stop and Enter sends nothing).
  await p.getByRole('button', { name: 'Send' }).waitFor();
  const box = p.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await p.locator('.msg-user', { hasText: text }).last().waitFor();
}

const conversationId = (p: Page = page) => /\/chat\/([0-9a-f-]{36})/.exec(p.url())?.[1];
const lastAnswer = (p: Page = page): Locator => p.locator('.msg-assistant').last();

describe.skipIf(check.skip)(`the chat ${check.reason}`, () => {
  beforeAll(async () => {
    hub = await startTestUpstream('issue-hub', {
      tools: [
        { name: 'create_issue', title: 'Create an issue', description: 'Create an issue in a project you can see. You are its reporter; the new issue is open.', params: { project: 'The project key', title: 'The issue title' } },
        { name: 'list_issues', title: 'List issues in a project', description: 'List the issues of one project, optionally only those with a given status.', params: { project: 'The project key' } },
      ],
    });
    [app, browser] = await Promise.all([startBrowserApp(BOOTSTRAP, {}, { chatModel: model }), launchBrowser()]);
    // A second issue tracker in the directory (no sign-in: usable by every member once an owner turns it on).
    await upsertListing(app.server.services.database.db, { slug: 'issue-hub', name: 'Issue Hub', tagline: 'Issues', description: 'Another issue tracker: projects and issues.', category: 'productivity', mcpUrl: hub.url, authKind: 'none', source: 'import', origin: 'test:issue-hub' });
    // The owner turns the tracker on for Acme, and asks for approval of every write.
    expect((await asOwner('/orgs/acme/connectors/demo-tracker', 'PUT')).status).toBe(200);
    expect((await asOwner('/orgs/acme/connectors/demo-tracker/policy', 'PUT', { categories: { write: 'ask' } })).status).toBe(200);
    ({ context, page, problems } = await openPage(browser));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    await hub?.close();
  });

  it('(1) a new member signs in, connects the tracker in the real OAuth popup, asks for an issue, approves the card, and the issue exists', async () => {
    await signIn(page, app.url, MIA.email, MIA.password);
    // The directory, then the tracker's page.
    await page.getByLabel('Search connectors').fill('tracker');
    await page.getByRole('list', { name: 'Connectors' }).getByRole('link', { name: /Demo Tracker/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Demo Tracker' }).waitFor();
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Connect' }).click()]);
    await popup.getByRole('heading', { name: /Sign in to connect/ }).waitFor();
    await popup.getByLabel('Email').fill(BOB.email);
    await popup.getByLabel('Password').fill(BOB.password);
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await popup.getByRole('heading', { name: /wants to use your .* account/ }).waitFor();
    await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);
    await page.locator('.connect-panel').getByText(/Connected since/).waitFor();

    // The chat: the model asks to create the issue; the owners' rule asks Mia first.
    const title = 'Login bug: the sign-in form rejects valid passwords';
    script.current = (request) => {
      if (lastIsUser(request)) return [call('call-create', 'demo-tracker__create_issue', { project: 'WEB', title, description: 'Reported from the chat.' })];
      const created = /Created (WEB-\d+)/.exec(lastResult(request))?.[1];
      return [say(created ? `Done: I created **${created}** in the Website project, titled “${title}”. It is open and you are its reporter.` : `That did not work: ${lastResult(request)}`)];
    };
    const before = tracker().stats.toolCalls['create_issue'] ?? 0;
    await newChat();
    await ask('Create a new issue for the login bug');
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);

    const card = page.getByRole('region', { name: 'Allow Demo Tracker to run “Create an issue”?' });
    await card.waitFor();
    // What will run, and why it asks: the policy's own sentence.
    expect(await card.locator('dd').allTextContents()).toEqual(['WEB', title, 'Reported from the chat.']);
    expect(await card.locator('.chat-card-reason').textContent()).toBe(await reasonFor('demo-tracker', 'create_issue'));
    // Allow always cannot lift the owners' rule: the button is off and the card says why.
    expect(await card.getByRole('button', { name: 'Allow always' }).isDisabled()).toBe(true);
    expect(await card.locator('.chat-card-note').textContent()).toMatch(/^Allow always cannot change your organization's rules/);
    await expect.poll(() => page.locator('.tool-step-state').first().textContent()).toBe('Waiting for your approval');
    expect(tracker().stats.toolCalls['create_issue'] ?? 0).toBe(before);
    await answered();
    await dismissToasts();
    await screenshot(page, 'chat-approval-light');

    await card.getByRole('button', { name: 'Allow once' }).click();
    const answer = lastAnswer();
    await answer.getByText(/^Done: I created WEB-\d+/).waitFor();
    const created = /WEB-\d+/.exec((await answer.locator('.md').last().textContent()) ?? '')![0];
    await page.getByRole('region', { name: 'Allowed: Create an issue' }).waitFor();
    expect(await answer.locator('.tool-step-state').textContent()).toBe('Done');
    // The step opens to show its connector, input and result.
    await answer.locator('.tool-step summary').click();
    expect(await answer.locator('.tool-step-connector').textContent()).toBe('Demo Tracker');
    expect(await answer.locator('.tool-io').first().textContent()).toContain('"project": "WEB"');
    expect(await answer.locator('.tool-io').nth(1).textContent()).toContain(`Created ${created} [open] ${title}`);

    // The issue exists in the tracker, in Mia's (Bob's) account: read back through /mcp.
    expect(tracker().stats.toolCalls['create_issue']).toBe(before + 1);
    const read = await mcpCall('demo-tracker__get_issue', { key: created });
    expect(read.isError).toBe(false);
    expect(read.text.split('\n')[0]).toBe(`${created} [open] ${title}`);
    // The conversation got its name from the first message, in the list.
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /Create a new issue for the login bug/ }).waitFor();
  });

  it('(2) the owner blocks write tools for the tracker: the next write attempt is refused with the reason shown', async () => {
    expect((await asOwner('/orgs/acme/connectors/demo-tracker/policy', 'PUT', { categories: { write: 'block' } })).status).toBe(200);
    const before = tracker().stats.toolCalls['create_issue'] ?? 0;
    script.current = (request) =>
      lastIsUser(request) ? [call('call-blocked', 'demo-tracker__create_issue', { project: 'WEB', title: 'Outage on the status page' })] : [say(`I could not create it: ${lastResult(request)}`)];
    await newChat();
    await ask('Create an issue about the outage');
    const refusal = page.getByRole('region', { name: 'Not allowed' });
    await refusal.waitFor();
    const reason = await reasonFor('demo-tracker', 'create_issue');
    expect(reason).toMatch(/block/);
    expect(await refusal.locator('.chat-card-reason').textContent()).toBe(reason);
    const reference = (await refusal.locator('.notice-ref code').textContent())!;
    expect(reference).toMatch(/^req_[A-Za-z0-9_-]{12}$/);
    await lastAnswer().getByText(/^I could not create it/).waitFor();
    expect(await lastAnswer().locator('.tool-step-state').textContent()).toBe('Refused');
    // Nothing reached the tracker; the audit log has the refusal under the reference shown.
    expect(tracker().stats.toolCalls['create_issue'] ?? 0).toBe(before);
    await expect
      .poll(async () => (await asOwner<{ events: Array<{ requestId: string; outcome: string; tool: string }> }>('/orgs/acme/audit?kind=tool_call&outcome=refused')).body.events.find((e) => e.requestId === reference)?.tool)
      .toBe('create_issue');
    expect((await asOwner('/orgs/acme/connectors/demo-tracker/policy', 'PUT', {})).status).toBe(200);
  });

  it('(3) two connected apps both fit a request: the chat offers both, and the one picked answers', async () => {
    expect((await asOwner('/orgs/acme/connectors/issue-hub', 'PUT')).status).toBe(200);
    try {
      const asked = model.doStreamCalls.length;
      script.current = (request) => {
        if (!lastIsUser(request)) return [say(`Filed: ${lastResult(request)}`)];
        const create = offered(request).find((name) => name.endsWith('__create_issue'))!;
        return [call('call-picked', create, { project: 'WEB', title: 'Login bug' })];
      };
      await newChat();
      await ask('Create a new issue for the login bug');
      const chips = page.getByRole('group', { name: 'Apps that could do this' });
      await chips.waitFor();
      expect(await chips.getByRole('button').count()).toBe(2);
      await chips.getByRole('button', { name: 'Use Demo Tracker' }).waitFor();
      await chips.getByRole('button', { name: 'Use Issue Hub' }).waitFor();
      expect(await lastAnswer().locator('.md').textContent()).toMatch(/^Both (Demo Tracker|Issue Hub) and (Demo Tracker|Issue Hub) could do this\. Which one should I use\?$/);
      // The model was not asked: the person picks first.
      expect(model.doStreamCalls.length).toBe(asked);
      await answered();
      await dismissToasts();
      await screenshot(page, 'chat-choice-light');

      await chips.getByRole('button', { name: 'Use Issue Hub' }).click();
      await lastAnswer().getByText(/^Filed: issue-hub\/create_issue/).waitFor();
      expect(await chips.count()).toBe(0);
      expect(await lastAnswer().locator('.tool-step-connector').textContent()).toBe('Issue Hub');
      // Only the app picked was offered, and it did the work.
      expect(offered(model.doStreamCalls[asked]!).every((name) => name.startsWith('issue-hub__'))).toBe(true);
      expect(hub.calls['create_issue']).toBe(1);
    } finally {
      await asOwner('/orgs/acme/connectors/issue-hub', 'DELETE');
    }
  });

  it('(5) a token revoked at the tracker shows the Connect card; after reconnecting in the popup the same call runs again', async () => {
    const input = { project: 'WEB', status: 'open' };
    script.current = (request) => {
      if (lastIsUser(request)) return [call('call-revoked', 'demo-tracker__list_issues', input)];
      const keys = [...new Set(lastResult(request).match(/WEB-\d+/g) ?? [])];
      return [say(`Open in Website: ${keys.join(', ')}.`)];
    };
    // Bob's grant is revoked at the tracker (as when a person removes the app there).
    await tracker().revokeGrants(BOB.email);
    const calls = tracker().stats.toolCalls['list_issues'] ?? 0;
    await newChat();
    await ask('Which website issues are open?');
    const card = page.getByRole('region', { name: 'Reconnect Demo Tracker to continue' });
    await card.waitFor();
    expect(await card.textContent()).toMatch(/stopped working/);
    expect(await card.locator('.notice-ref code').textContent()).toMatch(/^req_/);
    expect(await lastAnswer().locator('.tool-step-state').textContent()).toBe('Needs connecting');
    const id = conversationId()!;

    const [popup] = await Promise.all([page.waitForEvent('popup'), card.getByRole('button', { name: 'Reconnect Demo Tracker' }).click()]);
    // The tracker may remember Bob's sign-in; either way its consent page comes.
    const consent = popup.getByRole('heading', { name: /wants to use your .* account/ });
    const signInHeading = popup.getByRole('heading', { name: /Sign in to connect/ });
    await Promise.race([consent.waitFor(), signInHeading.waitFor()]);
    if (await signInHeading.isVisible()) {
      await popup.getByLabel('Email').fill(BOB.email);
      await popup.getByLabel('Password').fill(BOB.password);
      await popup.getByRole('button', { name: 'Sign in' }).click();
    }
    await consent.waitFor();
    await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);

    await page.getByRole('region', { name: 'Demo Tracker is connected' }).waitFor();
    await lastAnswer().getByText(/^Open in Website: WEB-\d+/).waitFor();
    expect(await lastAnswer().locator('.tool-step-state').textContent()).toBe('Done');
    // The same call (same id, same input) ran once more, and reached the tracker.
    expect(tracker().stats.toolCalls['list_issues']).toBe(calls + 1);
    // Stored when the stream ends, a moment after the page shows it.
    await expect.poll(async () => JSON.stringify((await api(MIA.token, `/chat/conversations/${id}`)).body.messages.at(-1)?.parts ?? [])).toContain('"status":"connected"');
    const stored = await api<{ messages: Array<{ role: string; parts: Array<Record<string, any>> }> }>(MIA.token, `/chat/conversations/${id}`);
    const parts = stored.body.messages.at(-1)!.parts;
    expect(parts.filter((p) => p['type'] === 'tool-demo-tracker__list_issues')).toEqual([expect.objectContaining({ toolCallId: 'call-revoked', input, state: 'output-available' })]);
    expect(parts.find((p) => p['type'] === 'data-connect')!['data']).toMatchObject({ toolCallId: 'call-revoked', status: 'connected' });
    // The answer names exactly the open issues the tracker holds for Mia.
    const open = await mcpCall('demo-tracker__list_issues', input);
    expect(open.isError).toBe(false);
    expect(await lastAnswer().locator('.md').last().textContent()).toBe(`Open in Website: ${[...new Set(open.text.match(/WEB-\d+/g))].join(', ')}.`);
  });

  it('the + menu and "/" open the connectors menu: per-conversation switches, tool access mode, and the way to manage connectors', async () => {
    await newChat();
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.click();
    await box.press('/');
    const menu = page.getByRole('dialog', { name: 'Connectors' });
    await menu.waitFor();
    const tracker = menu.getByRole('switch', { name: 'Demo Tracker' });
    await tracker.waitFor();
    expect(await box.inputValue()).toBe('');
    expect(await tracker.getAttribute('aria-checked')).toBe('true');
    // Focus moved into the menu; the figures behind Auto are shown.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }).document.activeElement.getAttribute('role'))).toBe('switch');
    const settingsNow = (await api<{ toolAccess: { definitionTokens: number; budgetTokens: number; reason: string } }>(MIA.token, `/chat/conversations/${(await api<{ conversations: Array<{ id: string }> }>(MIA.token, '/chat/conversations')).body.conversations[0]!.id}/settings`)).body.toolAccess;
    await menu.getByText(`Tool definitions: ${settingsNow.definitionTokens.toLocaleString('en-US')} of ${settingsNow.budgetTokens.toLocaleString('en-US')} tokens`).waitFor();
    await menu.getByText(settingsNow.reason, { exact: false }).waitFor();
    await menu.getByText(/Keep fewer than 10 on: from 10, Auto finds tools on demand/).waitFor();
    await dismissToasts();
    await screenshot(page, 'chat-menu-light');

    await tracker.click();
    await expect.poll(() => tracker.getAttribute('aria-checked')).toBe('false');
    await menu.getByRole('radio', { name: /On demand/ }).click();
    await expect.poll(() => menu.getByRole('radio', { name: /On demand/ }).isChecked()).toBe(true);
    expect(await menu.getByRole('link', { name: 'Manage connectors' }).getAttribute('href')).toBe('/settings');
    // Escape closes it, and the box has the focus again.
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(await box.evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement)).toBe(true);

    // A new chat got its conversation when the menu first needed its settings; they are saved on it.
    const newest = (await api<{ conversations: Array<{ id: string; title: string }> }>(MIA.token, '/chat/conversations')).body.conversations[0]!;
    expect(newest.title).toBe('New conversation');
    const id = newest.id;
    await expect.poll(async () => (await api(MIA.token, `/chat/conversations/${id}/settings`)).body.toolAccess.override).toBe('on_demand');
    const settings = await api<{ toolAccess: { override: string }; connectors: Array<{ connector: string; on: boolean }> }>(MIA.token, `/chat/conversations/${id}/settings`);
    expect(settings.body.connectors.find((c) => c.connector === 'demo-tracker')?.on).toBe(false);
    // The + button opens it too, showing the same.
    await page.getByRole('button', { name: 'Connectors and tool access' }).click();
    await menu.getByRole('switch', { name: 'Demo Tracker' }).waitFor();
    expect(await menu.getByRole('switch', { name: 'Demo Tracker' }).getAttribute('aria-checked')).toBe('false');
    await page.keyboard.press('Escape');
  });

  it('renames and deletes a conversation; Shift+Enter makes a new line and Enter sends', async () => {
    script.current = () => [say('Here is a small **Markdown** answer:\n\n- one\n- two\n\n```json\n{ "ok": true }\n```')];
    await newChat();
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('First line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    expect(await box.inputValue()).toBe('First line\nsecond line');
    await box.press('Enter');
    await page.locator('.msg-user .msg-bubble', { hasText: 'second line' }).waitFor();
    await lastAnswer().locator('.code-block').waitFor();
    expect(await lastAnswer().locator('strong').textContent()).toBe('Markdown');
    expect(await lastAnswer().locator('.code-lang').textContent()).toBe('json');
    expect(await lastAnswer().getByRole('button', { name: 'Copy code' }).count()).toBe(1);
    const id = conversationId()!;

    await page.getByRole('button', { name: 'Rename this conversation' }).click();
    const name = page.getByRole('textbox', { name: 'Conversation name' });
    await name.fill('Markdown check');
    await name.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Markdown check' }).waitFor();
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /Markdown check/ }).waitFor();
    expect((await api(MIA.token, `/chat/conversations/${id}`)).body.conversation.title).toBe('Markdown check');

    await page.getByRole('button', { name: 'Delete this conversation' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this conversation?' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { level: 1, name: 'New chat' }).waitFor();
    expect((await api(MIA.token, `/chat/conversations/${id}`)).status).toBe(404);
    // The list reloads after the deletion: the link goes (and stays gone).
    await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /Markdown check/ }).waitFor({ state: 'detached', timeout: 5_000 });
    expect(await page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: /Markdown check/ }).count()).toBe(0);
  });

  it('screenshots: a conversation with a tool step, light and dark, and on a 360 px phone', async () => {
    script.current = (request) => {
      if (lastIsUser(request) && request.prompt.filter((m) => m.role === 'user').length === 1) return [call('call-open', 'demo-tracker__list_issues', { project: 'WEB', status: 'open' })];
      if (lastIsUser(request)) return [say('Here they are as JSON, for your script:\n\n```json\n[\n' + openIssues(request).map((i) => `  ${JSON.stringify(i)}`).join(',\n') + '\n]\n```')];
      const issues = openIssues(request);
      return [say(`There are **${issues.length} open issues** in the Website project:\n\n| Key | Title |\n| --- | --- |\n${issues.map((i) => `| ${i.key} | ${i.title} |`).join('\n')}\n\nWant me to assign one of them?`)];
    };
    await newChat();
    await ask('Which website issues are open?');
    await lastAnswer().locator('table').waitFor();
    await ask('Give me those as JSON');
    await lastAnswer().locator('.code-block').waitFor();
    await answered();
    const id = conversationId()!;
    await dismissToasts();
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await screenshot(page, 'chat-light');

    for (const options of [{ colorScheme: 'dark' as const, name: 'chat-dark' }, { colorScheme: 'light' as const, width: 360, height: 740, name: 'chat-mobile-light' }]) {
      const other = await openPage(browser, options);
      try {
        await signIn(other.page, app.url, MIA.email, MIA.password);
        await other.page.goto(`${app.url}/chat/${id}`);
        await other.page.locator('.msg-assistant table').waitFor();
        await other.page.locator('.msg-assistant .code-block').waitFor();
        if (options.width) {
          expect(await horizontalOverflow(other.page)).toBe(0);
          // The list of conversations is one button away.
          const toggle = other.page.getByRole('button', { name: 'Conversations' });
          expect(await other.page.getByRole('navigation', { name: 'Conversations' }).isVisible()).toBe(false);
          await other.page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
          await screenshot(other.page, options.name);
          await toggle.click();
          await other.page.getByRole('navigation', { name: 'Conversations' }).waitFor();
          expect(await horizontalOverflow(other.page)).toBe(0);
        } else {
          await other.page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
          await screenshot(other.page, options.name);
        }
        expect(other.problems.list).toEqual([]);
      } finally {
        await other.context.close();
      }
    }
  });

  it('showed no script errors or refused resources (CSP) on any page', () => {
    expect(problems.list).toEqual([]);
  });
});

/** The issues of the list_issues result the model read (its text: a summary line, then the JSON). */
function openIssues(request: Request): Array<{ key: string; title: string }> {
  const text = lastResult(request, 'demo-tracker__list_issues');
  try {
    return (JSON.parse(text.slice(text.indexOf('{'))) as { issues: Array<{ key: string; title: string }> }).issues.map((i) => ({ key: i.key, title: i.title }));
  } catch {
    return [];
  }
}

describe.skipIf(check.skip)(`the chat without a model ${check.reason}`, () => {
  let bare: BrowserApp;
  beforeAll(async () => {
    [bare, browser] = await Promise.all([startBrowserApp(BOOTSTRAP), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await bare?.close();
  });

  it('says how an operator configures one, sends nothing, and the rest of the app works', async () => {
    const own = await openPage(browser);
    try {
      const p = own.page;
      await signIn(p, bare.url, MIA.email, MIA.password);
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
      const banner = p.locator('.chat-banner');
      await banner.waitFor();
      const status = (await (await fetch(`${bare.url}/api/v1/chat/status`, { headers: { authorization: `Bearer ${MIA.token}` } })).json()) as { banner: string; configured: boolean };
      expect(status.configured).toBe(false);
      expect(await banner.locator('p').nth(1).textContent()).toBe(status.banner);
      expect(status.banner).toMatch(/SWITCHBOARD_CHAT_PROVIDER/);
      await p.getByRole('textbox', { name: 'Message' }).fill('Hello?');
      expect(await p.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
      await p.getByText('Sending is off until an operator configures a chat model (above).').waitFor();
      await screenshot(p, 'chat-no-model-light');
      // Everything else works: the directory and a connector page.
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Directory' }).click();
      await p.getByRole('list', { name: 'Connectors' }).getByRole('link', { name: /Demo Tracker/ }).waitFor();
      expect(own.problems.list).toEqual([]);
    } finally {
      await own.context.close();
    }
  });
});
