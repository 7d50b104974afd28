import { z } from '@hono/zod-openapi';
import { PLANS } from '../config/schema.ts';
import { classifyTool, computeCapabilities, TOOL_CLASSES } from '../directory/capabilities.ts';
import type { ImportReport } from '../directory/import.ts';
import { AUTH_KINDS, CATEGORIES, CLIENTS, SOURCES, TRANSPORTS, type Listing } from '../directory/listing.ts';

export const CapabilitiesOut = z
  .discriminatedUnion('status', [
    z.object({ status: z.literal('unknown').openapi({ description: 'No tool list is known yet: not the same as zero tools.' }) }),
    z.object({
      status: z.literal('known'),
      readOnly: z.number().int().openapi({ description: 'Tools with readOnlyHint true.' }),
      writeDelete: z.number().int().openapi({ description: 'Tools with readOnlyHint false, or destructiveHint true (and not read-only).' }),
      other: z.number().int().openapi({ description: 'Tools that declare neither.' }),
      total: z.number().int(),
    }),
  ])
  .openapi('ConnectorCapabilities', { description: 'Read/write capabilities counted from the tool annotations (docs/directory.md).' });

const ConnectorSummaryShape = {
  slug: z.string().openapi({ example: 'linear' }),
  name: z.string(),
  tagline: z.string(),
  category: z.enum(CATEGORIES),
  logoUrl: z.string().nullable(),
  docsUrl: z.string().nullable(),
  mcpUrl: z.string().openapi({ example: 'https://mcp.linear.app/mcp' }),
  transport: z.enum(TRANSPORTS),
  auth: z.object({
    kind: z.enum(AUTH_KINDS),
    headers: z.array(z.string()).openapi({ description: 'For kind "headers": the header names a person may set (at most 4).' }),
  }),
  availability: z.object({ plans: z.array(z.enum(PLANS)), clients: z.array(z.enum(CLIENTS)) }),
  interactive: z.boolean().openapi({ description: 'Shows an interactive UI (MCP App) in the chat.' }),
  source: z.enum(SOURCES),
  custom: z.boolean().openapi({ description: 'A custom connector: added by URL by your organization, seen by nobody else (the "Custom" label).' }),
  ownerOrgId: z.string().uuid().nullable().openapi({ description: "A custom connector's organization (one of yours: the id in GET /me); null for directory listings." }),
  capabilities: CapabilitiesOut,
};

export const ConnectorSummaryOut = z.object(ConnectorSummaryShape).openapi('ConnectorSummary');

export const ToolOut = z
  .object({
    name: z.string(),
    title: z.string().nullable(),
    class: z.enum(TOOL_CLASSES),
    annotations: z.object({
      readOnlyHint: z.boolean().optional(),
      destructiveHint: z.boolean().optional(),
      idempotentHint: z.boolean().optional(),
      openWorldHint: z.boolean().optional(),
    }),
  })
  .openapi('ConnectorTool');

export const ConnectorOut = z
  .object({
    ...ConnectorSummaryShape,
    description: z.string(),
    useCases: z.array(z.string()),
    tools: z.array(ToolOut).nullable().openapi({ description: 'Null when unknown.' }),
    toolsFrom: z.enum(['tools/list', 'listing']).nullable().openapi({ description: 'Where the tools come from: a live tools/list, or the listing itself; null when unknown.' }),
    toolsRecordedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Connector');

const ImportedOut = z.object({ slug: z.string(), name: z.string(), mcpUrl: z.string() });

export const ImportReportOut = z
  .object({
    created: z.array(ImportedOut),
    updated: z.array(ImportedOut),
    unchanged: z.array(ImportedOut),
    skipped: z.array(z.object({ server: z.string(), remote: z.number().int().optional(), reason: z.string() })),
    notes: z.array(z.string()),
  })
  .openapi('ConnectorImportReport');

export const connectorSummaryOut = (l: Listing): z.infer<typeof ConnectorSummaryOut> => ({
  slug: l.slug,
  name: l.name,
  tagline: l.tagline,
  category: l.category,
  logoUrl: l.logoUrl,
  docsUrl: l.docsUrl,
  mcpUrl: l.mcpUrl,
  transport: l.transport,
  auth: { kind: l.authKind, headers: l.authHeaders },
  availability: { plans: l.plans, clients: l.clients },
  interactive: l.interactive,
  source: l.source,
  custom: l.source === 'custom',
  ownerOrgId: l.ownerOrgId,
  capabilities: computeCapabilities(l.tools),
});

export const connectorOut = (l: Listing): z.infer<typeof ConnectorOut> => ({
  ...connectorSummaryOut(l),
  description: l.description,
  useCases: l.useCases,
  tools: l.tools?.map((t) => ({ name: t.name, title: t.title ?? t.annotations?.title ?? null, class: classifyTool(t), annotations: hintsOf(t.annotations) })) ?? null,
  toolsFrom: l.tools === null ? null : l.toolsRecordedAt ? 'tools/list' : 'listing',
  toolsRecordedAt: l.toolsRecordedAt?.toISOString() ?? null,
  createdAt: l.createdAt.toISOString(),
  updatedAt: l.updatedAt.toISOString(),
});

function hintsOf(a: NonNullable<Listing['tools']>[number]['annotations']) {
  const { title: _title, ...hints } = a ?? {};
  return hints;
}

export const importReportOut = (r: ImportReport): z.infer<typeof ImportReportOut> => r;
