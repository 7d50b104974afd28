/**
 * The upstream of bench/tools-list.ts, run as its own process: ONE process serving 50 distinct MCP servers, one per
 * path (`/c/bench-<app>/mcp`), each with 20 tools of a made-up but realistic SaaS connector — names in the style real MCP
 * servers use (`list_issues`, `create_pull_request`), a title, a description of one to three sentences, a JSON
 * Schema with typed, described properties (ids, enums, arrays, dates, nested objects), and annotations
 * (read-only, destructive). SDK v2 `createMcpHandler` behind `node:http`, both eras, no auth, the connector's own
 * list in one page. Prints `{"url": <origin>, "connectors": [{slug, name, url, description}]}` as one line once
 * it listens. BENCH_CONNECTORS_COUNT and BENCH_TOOLS_PER_CONNECTOR change the 50 × 20.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, fromJsonSchema, McpServer } from '@modelcontextprotocol/server';

const COUNT = Number(process.env.BENCH_CONNECTORS_COUNT ?? 50);
const PER = Number(process.env.BENCH_TOOLS_PER_CONNECTOR ?? 20);

/** [slug, display name, what it is, four kinds of record]. */
const APPS: Array<[string, string, string, [string, string, string, string]]> = [
  ['github', 'GitHub', 'code hosting', ['issue', 'pull_request', 'repository', 'release']],
  ['gitlab', 'GitLab', 'DevOps platform', ['merge_request', 'pipeline', 'project', 'issue']],
  ['jira', 'Jira', 'issue tracking', ['issue', 'sprint', 'board', 'comment']],
  ['linear', 'Linear', 'issue tracking', ['issue', 'cycle', 'project', 'team']],
  ['asana', 'Asana', 'work management', ['task', 'project', 'section', 'portfolio']],
  ['trello', 'Trello', 'kanban boards', ['card', 'board', 'list', 'checklist']],
  ['notion', 'Notion', 'docs and wikis', ['page', 'database', 'block', 'comment']],
  ['confluence', 'Confluence', 'team wiki', ['page', 'space', 'attachment', 'comment']],
  ['slack', 'Slack', 'team chat', ['message', 'channel', 'user', 'reminder']],
  ['teams', 'Microsoft Teams', 'team chat and meetings', ['message', 'channel', 'meeting', 'team']],
  ['gmail', 'Gmail', 'email', ['message', 'draft', 'label', 'thread']],
  ['outlook', 'Outlook', 'email and calendar', ['message', 'event', 'contact', 'folder']],
  ['gcal', 'Google Calendar', 'calendar', ['event', 'calendar', 'attendee', 'reminder']],
  ['gdrive', 'Google Drive', 'file storage', ['file', 'folder', 'permission', 'revision']],
  ['dropbox', 'Dropbox', 'file storage', ['file', 'folder', 'shared_link', 'revision']],
  ['box', 'Box', 'content management', ['file', 'folder', 'collaboration', 'task']],
  ['onedrive', 'OneDrive', 'file storage', ['file', 'folder', 'permission', 'version']],
  ['salesforce', 'Salesforce', 'CRM', ['account', 'opportunity', 'lead', 'case']],
  ['hubspot', 'HubSpot', 'CRM and marketing', ['contact', 'deal', 'company', 'ticket']],
  ['zendesk', 'Zendesk', 'customer support', ['ticket', 'user', 'organization', 'macro']],
  ['intercom', 'Intercom', 'customer messaging', ['conversation', 'contact', 'article', 'tag']],
  ['freshdesk', 'Freshdesk', 'help desk', ['ticket', 'contact', 'agent', 'canned_response']],
  ['stripe', 'Stripe', 'payments', ['customer', 'invoice', 'subscription', 'refund']],
  ['shopify', 'Shopify', 'e-commerce', ['order', 'product', 'customer', 'fulfillment']],
  ['quickbooks', 'QuickBooks', 'accounting', ['invoice', 'bill', 'customer', 'payment']],
  ['xero', 'Xero', 'accounting', ['invoice', 'contact', 'bank_transaction', 'account']],
  ['airtable', 'Airtable', 'spreadsheet database', ['record', 'table', 'base', 'view']],
  ['monday', 'monday.com', 'work management', ['item', 'board', 'group', 'update']],
  ['clickup', 'ClickUp', 'productivity', ['task', 'list', 'space', 'goal']],
  ['figma', 'Figma', 'design', ['file', 'comment', 'component', 'project']],
  ['miro', 'Miro', 'whiteboard', ['board', 'sticky_note', 'frame', 'connector']],
  ['zoom', 'Zoom', 'video meetings', ['meeting', 'recording', 'webinar', 'participant']],
  ['calendly', 'Calendly', 'scheduling', ['event_type', 'scheduled_event', 'invitee', 'routing_form']],
  ['docusign', 'DocuSign', 'e-signature', ['envelope', 'template', 'recipient', 'document']],
  ['mailchimp', 'Mailchimp', 'email marketing', ['campaign', 'audience', 'member', 'template']],
  ['sendgrid', 'SendGrid', 'email delivery', ['message', 'template', 'contact', 'suppression']],
  ['twilio', 'Twilio', 'messaging and voice', ['message', 'call', 'phone_number', 'conversation']],
  ['pagerduty', 'PagerDuty', 'incident response', ['incident', 'service', 'schedule', 'escalation_policy']],
  ['datadog', 'Datadog', 'monitoring', ['monitor', 'dashboard', 'metric', 'event']],
  ['sentry', 'Sentry', 'error tracking', ['issue', 'event', 'project', 'release']],
  ['grafana', 'Grafana', 'observability dashboards', ['dashboard', 'alert_rule', 'datasource', 'annotation']],
  ['s3', 'Amazon S3', 'object storage', ['object', 'bucket', 'lifecycle_rule', 'presigned_url']],
  ['cloudflare', 'Cloudflare', 'edge network', ['dns_record', 'zone', 'worker', 'firewall_rule']],
  ['vercel', 'Vercel', 'frontend hosting', ['deployment', 'project', 'domain', 'env_var']],
  ['snowflake', 'Snowflake', 'data warehouse', ['query', 'warehouse', 'table', 'stage']],
  ['bigquery', 'BigQuery', 'data warehouse', ['query', 'dataset', 'table', 'job']],
  ['workday', 'Workday', 'HR and finance', ['worker', 'time_off_request', 'position', 'expense_report']],
  ['greenhouse', 'Greenhouse', 'recruiting', ['candidate', 'application', 'job', 'interview']],
  ['bamboohr', 'BambooHR', 'HR', ['employee', 'time_off_request', 'report', 'benefit']],
  ['sheets', 'Google Sheets', 'spreadsheets', ['spreadsheet', 'sheet', 'range', 'named_range']],
];

type Schema = Record<string, unknown>;
const words = (s: string) => s.replace(/_/g, ' ');
const plural = (s: string) => (s.endsWith('y') && !/[aeiou]y$/.test(s) ? `${s.slice(0, -1)}ies` : s.endsWith('s') || s.endsWith('x') || s.endsWith('ch') ? `${s}es` : `${s}s`);

function recordFields(kind: string, app: string): Record<string, Schema> {
  const w = words(kind);
  return {
    title: { type: 'string', description: `Short title of the ${w}, as shown in ${app} lists.`, maxLength: 255 },
    description: { type: 'string', description: `Longer text of the ${w}. Markdown is supported; mentions use @handle.` },
    status: { type: 'string', enum: ['open', 'in_progress', 'blocked', 'done', 'archived'], description: `Workflow state of the ${w}.` },
    owner: { type: 'string', description: `Email address or ${app} user id of the person responsible.` },
    labels: { type: 'array', items: { type: 'string' }, description: 'Labels to attach; unknown labels are created.', maxItems: 20 },
    due_date: { type: 'string', format: 'date', description: 'Due date, YYYY-MM-DD, in the workspace time zone.' },
    priority: { type: 'string', enum: ['low', 'medium', 'high', 'urgent'], description: 'Priority; defaults to medium.' },
    custom_fields: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, description: `Values of workspace-defined custom fields, by field key.` },
  };
}

function toolsOf(slug: string, app: string, what: string, kinds: string[]) {
  const tools: Array<{ name: string; title: string; description: string; inputSchema: Schema; annotations: Record<string, boolean> }> = [];
  const parent = { workspace_id: { type: 'string', description: `The ${app} workspace (or organization) id; defaults to the connected account's primary workspace.` } };
  const paging = {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 25, description: 'Maximum number of results to return (1-100).' },
    cursor: { type: 'string', description: 'Pagination cursor from the previous response; omit for the first page.' },
  };
  for (const kind of kinds) {
    const w = words(kind);
    const id = { [`${kind}_id`]: { type: 'string', description: `The ${w}'s id, as returned by list_${plural(kind)} or search_${plural(kind)}.` } };
    const fields = recordFields(kind, app);
    tools.push(
      {
        name: `list_${plural(kind)}`,
        title: `List ${plural(w)}`,
        description: `List ${plural(w)} in ${app} (${what}), newest first. Filter by status, owner or label; results are paginated, pass the returned cursor to get the next page.`,
        inputSchema: { type: 'object', properties: { ...parent, status: fields.status, owner: fields.owner, label: { type: 'string', description: 'Only records carrying this label.' }, sort: { type: 'string', enum: ['created', 'updated', 'due_date', 'priority'], default: 'updated' }, ...paging } },
        annotations: { readOnlyHint: true, openWorldHint: true },
      },
      {
        name: `get_${kind}`,
        title: `Get ${w}`,
        description: `Get one ${w} from ${app} by id, with its full details, custom fields and the ids of related records.`,
        inputSchema: { type: 'object', properties: { ...id, include: { type: 'array', items: { type: 'string', enum: ['comments', 'history', 'attachments', 'links'] }, description: 'Related data to include in the response.' } }, required: [`${kind}_id`] },
        annotations: { readOnlyHint: true, openWorldHint: true },
      },
      {
        name: `create_${kind}`,
        title: `Create ${w}`,
        description: `Create a new ${w} in ${app}. Returns the created ${w} with its id and a link to open it in ${app}.`,
        inputSchema: { type: 'object', properties: { ...parent, ...fields, notify: { type: 'boolean', default: true, description: 'Notify the owner and watchers.' } }, required: ['title'] },
        annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
      },
      {
        name: `update_${kind}`,
        title: `Update ${w}`,
        description: `Update fields of an existing ${w} in ${app}. Only the fields given are changed; pass null to clear a field.`,
        inputSchema: { type: 'object', properties: { ...id, ...fields }, required: [`${kind}_id`] },
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      },
    );
    // The fifth tool of each kind of record alternates, so names and schemas vary like real servers'.
    const i = kinds.indexOf(kind);
    if (i % 2 === 0) {
      tools.push({
        name: `search_${plural(kind)}`,
        title: `Search ${plural(w)}`,
        description: `Full-text search over ${plural(w)} in ${app}: titles, descriptions and comments. Supports quoted phrases and field filters such as owner:me or label:bug.`,
        inputSchema: { type: 'object', properties: { query: { type: 'string', minLength: 1, description: 'The search text.' }, ...parent, created_after: { type: 'string', format: 'date-time', description: 'Only records created after this instant (ISO 8601).' }, ...paging }, required: ['query'] },
        annotations: { readOnlyHint: true, openWorldHint: true },
      });
    } else {
      tools.push({
        name: `delete_${kind}`,
        title: `Delete ${w}`,
        description: `Permanently delete a ${w} from ${app}. This cannot be undone; archived records can be restored instead.`,
        inputSchema: { type: 'object', properties: { ...id, reason: { type: 'string', description: 'Why it is deleted (kept in the audit trail).' } }, required: [`${kind}_id`] },
        annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
      });
    }
  }
  return tools.slice(0, PER);
}

const catalog = Array.from({ length: COUNT }, (_, i) => {
  const [slug, name, what, kinds] = APPS[i % APPS.length]!;
  const suffix = i < APPS.length ? '' : `-${Math.floor(i / APPS.length) + 1}`;
  // `bench-` keeps clear of the directory's seeded listings (a seeded `github` needs OAuth and would shadow this one).
  return { slug: `bench-${slug}${suffix}`, name: `${name}${suffix ? ` ${suffix.slice(1)}` : ''}`, what, tools: toolsOf(slug, name, what, kinds) };
});

const handlers = new Map(
  catalog.map((c) => [
    c.slug,
    createMcpHandler(() => {
      const server = new McpServer({ name: `bench-${c.slug}`, version: '1.0.0' });
      for (const t of c.tools) {
        server.registerTool(t.name, { title: t.title, description: t.description, inputSchema: fromJsonSchema(t.inputSchema as Parameters<typeof fromJsonSchema>[0]), annotations: t.annotations }, async (args) => ({
          content: [{ type: 'text', text: `${c.name} ${t.name}: ${JSON.stringify(args)}` }],
        }));
      }
      return server;
    }),
  ]),
);

const http = createServer(async (req, res) => {
  const slug = /^\/c\/([^/]+)\/mcp$/.exec(new URL(req.url ?? '/', 'http://x').pathname)?.[1];
  const handler = slug ? handlers.get(slug) : undefined;
  if (!handler) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, ...(body.length ? { body } : {}) });
  const response = await handler.fetch(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) {
    for await (const chunk of response.body) res.write(chunk);
  }
  res.end();
});
http.keepAliveTimeout = 60_000;
http.listen(0, '127.0.0.1', () => {
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const connectors = catalog.map((c) => ({ slug: c.slug, name: c.name, url: `${origin}/c/${c.slug}/mcp`, description: `${c.name}: ${c.what}. ${c.tools.length} tools.` }));
  process.stdout.write(`${JSON.stringify({ url: origin, connectors, tools: catalog.reduce((a, c) => a + c.tools.length, 0) })}\n`);
});
const stop = () => {
  http.closeAllConnections();
  http.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
