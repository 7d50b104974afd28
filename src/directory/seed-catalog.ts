import type { ListingInput } from './listing.ts';

type SeedEntry = Omit<ListingInput, 'source'>;

/**
 * Well-known public remote MCP servers, listed with the URL their vendor documents.
 *
 * Checked on 2026-11-24, without network access from this machine: every URL was looked up in stored
 * copies of the vendor's own documentation or repository (docs link below, or the vendor's GitHub
 * README), and cross-checked against the "Popular MCP servers" list of the Claude Code MCP docs where
 * it appears there. Where the vendor has moved to a newer endpoint (Asana v2, Atlassian v2) the newer one
 * is used. Left out because no single public URL or no vendor source could be confirmed: Zapier and
 * Workato (per-user URLs), Airtable and Exa (only third-party pages), PubMed (hosted for Claude).
 * Logos are left null rather than hot-linked from guessed addresses. Tools are not declared: the
 * capabilities show "unknown" until the gateway records a real tools/list (recordTools).
 *
 * Auth: `oauth` for servers that authorize through the MCP authorization flow; some of them (Box,
 * HubSpot) need a client registered in advance by an owner, which the connections module handles.
 */
export const SEED_CATALOG: readonly SeedEntry[] = [
  {
    slug: 'linear',
    name: 'Linear',
    tagline: 'Find, create and update Linear issues, projects and comments',
    description:
      "Linear's hosted MCP server gives the assistant access to your Linear workspace with your own permissions. It can search and read issues, projects and comments, and create or update them, for example filing a bug from a conversation or moving an issue to another state. It authorizes with OAuth 2.1 and dynamic client registration; an SSE endpoint also exists for older clients.",
    useCases: ['Create an issue for a bug described in the chat', 'Summarize the open issues of a project', 'Update the status or assignee of an issue'],
    category: 'productivity',
    docsUrl: 'https://linear.app/docs/mcp',
    mcpUrl: 'https://mcp.linear.app/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'notion',
    name: 'Notion',
    tagline: 'Search, read and update pages and databases in your Notion workspace',
    description:
      "Notion's hosted MCP server (Notion MCP) lets the assistant search your workspace, read pages and databases, and create or update content, limited to what your Notion account can see. You connect with OAuth from the client; nothing runs locally.",
    useCases: ['Find the spec for a feature across the workspace', 'Draft a meeting-notes page from the conversation', 'Add a row to a tracking database'],
    category: 'productivity',
    docsUrl: 'https://developers.notion.com/docs/mcp',
    mcpUrl: 'https://mcp.notion.com/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'atlassian',
    name: 'Atlassian',
    tagline: 'Jira, Confluence and more from the Atlassian Rovo MCP server',
    description:
      "Atlassian's cloud-hosted MCP server connects the assistant to Jira, Confluence and other Atlassian Cloud products with your existing access rights. It can summarize and search work items and pages, and create or update them from natural-language requests. It authorizes with OAuth 2.1 (API tokens are optional, if your admin allows them). Version 2 of the endpoint is the one Atlassian recommends for new setups.",
    useCases: ['Create Jira work items from meeting notes', 'Summarize a Confluence page', 'Search for issues assigned to you'],
    category: 'productivity',
    docsUrl: 'https://support.atlassian.com/atlassian-rovo-mcp-server/docs/getting-started-with-the-atlassian-remote-mcp-server/',
    mcpUrl: 'https://mcp.atlassian.com/v2/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'asana',
    name: 'Asana',
    tagline: 'Tasks, projects and goals from the Asana Work Graph',
    description:
      "Asana's MCP server (V2) gives the assistant access to the Asana Work Graph: finding and creating tasks, reading projects and their status, and producing summaries and reports. Each session is authorized with your Asana account through OAuth, and the client app must not be blocked in your workspace's Asana app management.",
    useCases: ['Find my incomplete tasks due this week', 'Create a task in a project and assign it', 'Report on the status of a project'],
    category: 'productivity',
    docsUrl: 'https://developers.asana.com/docs/using-asanas-mcp-server',
    mcpUrl: 'https://mcp.asana.com/v2/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'monday',
    name: 'monday.com',
    tagline: 'Boards, items and workflows in monday.com',
    description:
      "monday.com's hosted MCP server lets the assistant manage projects, boards and workflows in your monday.com account, within your permissions, so plans and statuses can be queried or changed from a conversation. It authorizes with OAuth.",
    useCases: ['List the items of a board that are stuck', 'Create an item on a board', 'Post an update on an item'],
    category: 'productivity',
    docsUrl: 'https://developer.monday.com/apps/docs/mondaycom-mcp-integration',
    mcpUrl: 'https://mcp.monday.com/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'sentry',
    name: 'Sentry',
    tagline: 'Issues, errors and stack traces from Sentry',
    description:
      "Sentry hosts a remote MCP server that brings Sentry's issue context to the assistant: searching issues and errors, reading stack traces and events, querying projects and organizations, and invoking Seer to analyse and propose fixes. It authorizes with OAuth against your Sentry organization and serves Streamable HTTP with an SSE fallback.",
    useCases: ['Show the latest unresolved errors in a project', 'Explain the stack trace of an issue', 'Find errors raised from a given file'],
    category: 'developer-tools',
    docsUrl: 'https://docs.sentry.io/product/sentry-mcp/',
    mcpUrl: 'https://mcp.sentry.dev/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'github',
    name: 'GitHub',
    tagline: 'Repositories, issues, pull requests and Actions on GitHub',
    description:
      "GitHub's remote MCP server, hosted by GitHub, exposes the same tools as the open-source GitHub MCP server: reading code and files, managing issues and pull requests, inspecting Actions runs and security alerts. It authorizes with OAuth (personal access tokens also work) and follows your GitHub permissions, including organization SSO.",
    useCases: ['Open an issue in a repository', 'Review the changes of a pull request', 'Find why the last Actions run failed'],
    category: 'developer-tools',
    docsUrl: 'https://github.com/github/github-mcp-server',
    mcpUrl: 'https://api.githubcopilot.com/mcp/',
    authKind: 'oauth',
  },
  {
    slug: 'vercel',
    name: 'Vercel',
    tagline: 'Projects, deployments and logs on Vercel',
    description:
      "Vercel's official MCP server lets the assistant analyse, debug and manage your Vercel projects and deployments, with the access of the account you authorize through OAuth.",
    useCases: ['Find why the latest deployment failed', 'List the deployments of a project'],
    category: 'developer-tools',
    docsUrl: 'https://vercel.com/docs/mcp/vercel-mcp',
    mcpUrl: 'https://mcp.vercel.com',
    authKind: 'oauth',
  },
  {
    slug: 'netlify',
    name: 'Netlify',
    tagline: 'Create, deploy and manage sites on Netlify',
    description:
      "Netlify's MCP server lets the assistant create, deploy, manage and secure websites on Netlify, acting as the Netlify account you connect with OAuth.",
    useCases: ['Deploy this project to a new Netlify site', 'Check the status of the last deploy', 'Change an environment variable of a site'],
    category: 'developer-tools',
    docsUrl: 'https://docs.netlify.com/build/build-with-ai/netlify-mcp-server/',
    mcpUrl: 'https://netlify-mcp.netlify.app/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'cloudflare-docs',
    name: 'Cloudflare Docs',
    tagline: 'Search the Cloudflare developer documentation',
    description:
      'A public remote MCP server run by Cloudflare that searches the Cloudflare developer documentation, so answers about Workers, R2, DNS and other products can cite the current docs. It needs no account and no authentication.',
    useCases: ['How do I bind an R2 bucket to a Worker?', 'Find the limits of Workers KV'],
    category: 'search',
    docsUrl: 'https://developers.cloudflare.com/agents/model-context-protocol/mcp-servers-for-cloudflare/',
    mcpUrl: 'https://docs.mcp.cloudflare.com/mcp',
    authKind: 'none',
  },
  {
    slug: 'cloudflare-bindings',
    name: 'Cloudflare Workers Bindings',
    tagline: 'Build Workers applications with storage, AI and compute primitives',
    description:
      "One of Cloudflare's managed remote MCP servers: it works with the bindings of your Cloudflare account (storage, AI and compute primitives), so the assistant can inspect and create the resources a Workers application uses. It authorizes with OAuth against your Cloudflare account.",
    useCases: ['List the storage resources of my account', 'Set up storage for a new Worker'],
    category: 'developer-tools',
    docsUrl: 'https://developers.cloudflare.com/agents/model-context-protocol/mcp-servers-for-cloudflare/',
    mcpUrl: 'https://bindings.mcp.cloudflare.com/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'hugging-face',
    name: 'Hugging Face',
    tagline: 'Models, datasets and Spaces on the Hugging Face Hub',
    description:
      "Hugging Face's hosted MCP server lets the assistant search the Hugging Face Hub for models, datasets and Spaces, read their details, and use Gradio apps as tools. You choose its tools in your Hugging Face MCP settings and connect with your Hugging Face account.",
    useCases: ['Find a small text-classification model with a permissive license', 'Compare datasets for a task'],
    category: 'developer-tools',
    docsUrl: 'https://huggingface.co/settings/mcp',
    mcpUrl: 'https://huggingface.co/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'supabase',
    name: 'Supabase',
    tagline: 'Manage Supabase projects, databases and Edge Functions',
    description:
      "Supabase's hosted MCP server connects the assistant to your Supabase projects: listing projects, inspecting and changing database schemas, running SQL, reading logs and managing Edge Functions. It authorizes with OAuth 2.1 and dynamic client registration; Supabase recommends scoping it to a project and read-only mode for production data.",
    useCases: ['Show the schema of my tables', 'Write and apply a migration', 'Read the logs of an Edge Function'],
    category: 'data',
    docsUrl: 'https://supabase.com/docs/guides/getting-started/mcp',
    mcpUrl: 'https://mcp.supabase.com/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'neon',
    name: 'Neon',
    tagline: 'Serverless Postgres projects, branches and queries on Neon',
    description:
      "Neon's hosted MCP server lets the assistant manage Neon Postgres projects and branches, inspect schemas, run SQL and prepare migrations on a branch. By default it authorizes with OAuth; a Neon API key sent as a bearer token is an alternative for headless use. It can act with write access, so Neon advises a read-only setup for production organizations.",
    useCases: ['Create a branch to test a migration', 'Run a query against a development database', 'Describe the tables of a project'],
    category: 'data',
    docsUrl: 'https://neon.com/docs/ai/neon-mcp-server',
    mcpUrl: 'https://mcp.neon.tech/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'honeycomb',
    name: 'Honeycomb',
    tagline: 'Query observability data and SLOs in Honeycomb',
    description:
      "Honeycomb's hosted MCP server lets the assistant query and explore your observability data, traces and SLOs in Honeycomb, so production behaviour can be investigated from a conversation. It authorizes with your Honeycomb account.",
    useCases: ['Which endpoints got slower since yesterday?', 'Is any SLO burning its budget?'],
    category: 'data',
    docsUrl: 'https://docs.honeycomb.io/troubleshoot/product-lifecycle/beta/mcp/',
    mcpUrl: 'https://mcp.honeycomb.io/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'stripe',
    name: 'Stripe',
    tagline: 'Work with the Stripe API and search Stripe documentation',
    description:
      "Stripe's remote MCP server gives the assistant tools for the Stripe API (customers, products, prices, payment links, invoices, refunds and more) and for searching Stripe's documentation and support articles. Clients connect with OAuth, and an administrator enables MCP access in the Stripe Dashboard separately for sandbox and live mode; sessions can be revoked from your user settings.",
    useCases: ['Create a payment link for a product', 'Look up the recent payments of a customer', 'Find how to handle a webhook in the docs'],
    category: 'finance',
    docsUrl: 'https://docs.stripe.com/mcp',
    mcpUrl: 'https://mcp.stripe.com',
    authKind: 'oauth',
  },
  {
    slug: 'paypal',
    name: 'PayPal',
    tagline: 'Invoices, orders, disputes and transactions on PayPal',
    description:
      "PayPal's hosted MCP server lets merchants use PayPal business tools from the assistant: creating and sending invoices, managing orders, refunds, disputes, shipment tracking, catalog products and subscriptions, and listing transactions. It authorizes with your PayPal account; a separate sandbox endpoint exists for testing.",
    useCases: ['Create and send an invoice', 'List the transactions of last week', 'Review open disputes'],
    category: 'finance',
    docsUrl: 'https://developer.paypal.com/ai-tools/mcp-server',
    mcpUrl: 'https://mcp.paypal.com/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'square',
    name: 'Square',
    tagline: 'Payments, orders, catalog and customers on Square',
    description:
      "Square's hosted MCP server (beta) exposes the Square API to the assistant through a discover-then-call pattern: it can look up payments, orders, catalog items, customers and invoices and make API requests on your behalf. It authorizes with OAuth and works on production data only; Square documents it as an SSE endpoint.",
    useCases: ['Summarize yesterday\'s sales', 'Look up a customer and their orders', 'Update a catalog item price'],
    category: 'finance',
    docsUrl: 'https://developer.squareup.com/docs/mcp',
    mcpUrl: 'https://mcp.squareup.com/sse',
    transport: 'sse',
    authKind: 'oauth',
  },
  {
    slug: 'ramp',
    name: 'Ramp',
    tagline: 'Search and analyse your Ramp financial data',
    description:
      "Ramp's remote MCP server lets the assistant search, access and analyse your company's Ramp data, such as transactions, spend and reimbursements, with the permissions of the Ramp user who connects.",
    useCases: ['What did the team spend on software last month?', 'Find transactions without receipts'],
    category: 'finance',
    docsUrl: 'https://docs.ramp.com/developer-api/v1/guides/ramp-mcp-remote',
    mcpUrl: 'https://ramp-mcp-remote.ramp.com/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'intercom',
    name: 'Intercom',
    tagline: 'Conversations and contacts from Intercom',
    description:
      "Intercom's MCP server gives the assistant access to your Intercom data, such as conversations and contacts, so customer questions and support history can be searched and summarized. It authorizes with your Intercom workspace through OAuth.",
    useCases: ['Summarize recent conversations about billing', 'Find the contact behind a support thread'],
    category: 'communication',
    docsUrl: 'https://developers.intercom.com/docs/guides/mcp',
    mcpUrl: 'https://mcp.intercom.com/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'hubspot',
    name: 'HubSpot',
    tagline: 'Contacts, companies, deals and tickets in HubSpot CRM',
    description:
      "HubSpot's remote MCP server (beta) connects the assistant to your HubSpot CRM data, such as contacts, companies, deals and tickets, with the permissions of the HubSpot user. It uses OAuth without dynamic client registration: an owner first creates an MCP auth app in HubSpot and registers its client id and secret.",
    useCases: ['Which deals are closing this month?', 'Summarize the history of a company', 'Find the contacts at an account'],
    category: 'sales-crm',
    docsUrl: 'https://developers.hubspot.com/docs/apps/developer-platform/build-apps/integrate-with-the-remote-hubspot-mcp-server',
    mcpUrl: 'https://mcp.hubspot.com',
    authKind: 'oauth',
  },
  {
    slug: 'figma',
    name: 'Figma',
    tagline: 'Bring Figma design context into code',
    description:
      "Figma's remote MCP server gives the assistant design context from your Figma files (frames, components, variables and layout) so that generated code matches the design. It authorizes with your Figma account.",
    useCases: ['Implement this frame as a React component', 'List the design tokens used in a file'],
    category: 'design',
    docsUrl: 'https://help.figma.com/hc/en-us/articles/32132100833559',
    mcpUrl: 'https://mcp.figma.com/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'canva',
    name: 'Canva',
    tagline: 'Search, create, autofill and export Canva designs',
    description:
      "Canva's MCP server lets the assistant search your Canva designs, create new ones, fill templates with content and export designs, using the Canva account you connect with OAuth.",
    useCases: ['Create a social post from this announcement', 'Export a design as PDF', 'Find last quarter\'s presentation'],
    category: 'design',
    docsUrl: 'https://www.canva.dev/docs/connect/canva-mcp-server-setup/',
    mcpUrl: 'https://mcp.canva.com/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'webflow',
    name: 'Webflow',
    tagline: 'Sites, pages and CMS content in Webflow',
    description:
      "Webflow's remote MCP server wraps Webflow's Data and Designer APIs so the assistant can list and edit your sites, pages and CMS collections. It authorizes the Webflow sites you choose with OAuth; Designer actions also need Webflow's companion app open. Webflow serves it as an SSE endpoint.",
    useCases: ['Publish a new blog post to the CMS', 'List the pages of a site', 'Update the SEO title of a page'],
    category: 'design',
    docsUrl: 'https://developers.webflow.com/mcp/reference/how-it-works',
    mcpUrl: 'https://mcp.webflow.com/sse',
    transport: 'sse',
    authKind: 'oauth',
  },
  {
    slug: 'box',
    name: 'Box',
    tagline: 'Files, folders, search and Box AI in Box',
    description:
      "Box's remote MCP server gives the assistant governed access to your Box content: searching and reading files and folders, and using Box AI to answer questions across documents or extract metadata, within the permissions set in Box. It authorizes with OAuth through a Box integration an admin enables in the Admin Console.",
    useCases: ['Find the signed contract with a vendor', 'Ask a question across several documents', 'Extract the key fields of an invoice'],
    category: 'files',
    docsUrl: 'https://developer.box.com/guides/box-mcp/setup',
    mcpUrl: 'https://mcp.box.com',
    authKind: 'oauth',
  },
  {
    slug: 'egnyte',
    name: 'Egnyte',
    tagline: 'Securely access and analyse Egnyte content',
    description:
      "Egnyte's remote MCP server lets the assistant search and read content stored in Egnyte and answer questions about it, with the access of the Egnyte user who connects.",
    useCases: ['Find the latest version of a project plan', 'Summarize a folder of reports'],
    category: 'files',
    docsUrl: 'https://developers.egnyte.com/docs/Remote_MCP_Server',
    mcpUrl: 'https://mcp-server.egnyte.com/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'context7',
    name: 'Context7',
    tagline: 'Up-to-date, version-specific library documentation for coding',
    description:
      "Context7 by Upstash serves current, version-specific documentation and code examples for thousands of libraries, so coding answers use today's APIs instead of outdated ones. The remote server works anonymously at low rate limits; a Context7 API key in the CONTEXT7_API_KEY header raises them (an OAuth endpoint also exists).",
    useCases: ['How do I configure middleware in the latest Next.js?', 'Show an example of the current Prisma client API'],
    category: 'search',
    docsUrl: 'https://github.com/upstash/context7',
    mcpUrl: 'https://mcp.context7.com/mcp',
    authKind: 'headers',
    authHeaders: ['CONTEXT7_API_KEY'],
  },
  {
    slug: 'deepwiki',
    name: 'DeepWiki',
    tagline: 'Ask questions about public GitHub repositories',
    description:
      'DeepWiki (by Cognition) is a free remote MCP server for public repositories: it lists and reads the generated documentation of a GitHub repository and answers questions about the code with context. It needs no authentication.',
    useCases: ['How does this repository handle authentication?', 'List the documentation topics of a repository'],
    category: 'search',
    docsUrl: 'https://docs.devin.ai/work-with-devin/deepwiki-mcp',
    mcpUrl: 'https://mcp.deepwiki.com/mcp',
    authKind: 'none',
  },
  {
    slug: 'jam',
    name: 'Jam',
    tagline: 'Bug reports with screen recordings and automatic context',
    description:
      "Jam's MCP server gives the assistant the context captured in Jam bug reports (recordings, console logs, network requests and device details) so a reported bug can be reproduced and debugged from the conversation. It authorizes with your Jam account.",
    useCases: ['Debug the bug in this Jam link', 'Which network request failed in this report?'],
    category: 'developer-tools',
    docsUrl: 'https://jam.dev/docs/debug-a-jam/mcp',
    mcpUrl: 'https://mcp.jam.dev/mcp',
    authKind: 'oauth',
  },
  {
    slug: 'stytch',
    name: 'Stytch',
    tagline: 'Manage your Stytch project configuration',
    description:
      "Stytch's MCP server lets the assistant manage the configuration of a Stytch project, using the Stytch workspace you connect with OAuth.",
    useCases: ['Show the configuration of a project', 'Change a setting of my Stytch project'],
    category: 'developer-tools',
    docsUrl: 'https://stytch.com/docs/workspace-management/stytch-mcp',
    mcpUrl: 'https://mcp.stytch.dev/mcp',
    authKind: 'oauth',
  },
];
