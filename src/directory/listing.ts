import { z } from 'zod';
import { PLANS, slugSchema } from '../config/schema.ts';

export const CATEGORIES = ['productivity', 'developer-tools', 'communication', 'files', 'design', 'finance', 'sales-crm', 'data', 'search', 'other'] as const;
export const TRANSPORTS = ['streamable-http', 'sse'] as const;
export const AUTH_KINDS = ['oauth', 'headers', 'none'] as const;
/** Where a listing came from; it also decides which writer may replace it (see store.ts). */
export const SOURCES = ['seed', 'demo', 'bootstrap', 'import', 'custom'] as const;
/** `chat`: Switchboard's own web chat. `mcp`: the personal MCP endpoint other clients (Claude Desktop, Cursor…) use. */
export const CLIENTS = ['chat', 'mcp'] as const;
export const MAX_AUTH_HEADERS = 4;

export type Category = (typeof CATEGORIES)[number];
export type Transport = (typeof TRANSPORTS)[number];
export type AuthKind = (typeof AUTH_KINDS)[number];
export type ListingSource = (typeof SOURCES)[number];
export type Client = (typeof CLIENTS)[number];

const URL_PROTOCOL = /^https?$/;
export const httpUrlSchema = z.url({ protocol: URL_PROTOCOL, error: 'must be an http:// or https:// URL' });

/** RFC 9110 token characters: anything else cannot be sent as a header name. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Headers the transport itself sets: a connector credential must never override them. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'connection', 'transfer-encoding', 'accept', 'cookie', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id']);

export const headerNameSchema = z
  .string()
  .regex(HEADER_NAME, { error: 'must be a header name made of letters, digits and - _ . (no spaces or colons)' })
  .refine((h) => !RESERVED_HEADERS.has(h.toLowerCase()), { error: 'is set by the MCP transport itself and cannot carry a credential' });

const hintsSchema = z.object({
  title: z.string().max(200).optional(),
  readOnlyHint: z.boolean().optional(),
  destructiveHint: z.boolean().optional(),
  idempotentHint: z.boolean().optional(),
  openWorldHint: z.boolean().optional(),
});

/**
 * A tool as far as the directory cares. Not strict: a `tools/list` result carries inputSchema,
 * description, _meta… which are dropped here rather than refused.
 */
export const knownToolSchema = z.object({
  name: z.string().min(1).max(128),
  title: z.string().max(200).optional(),
  annotations: hintsSchema.optional(),
});

export type KnownTool = z.infer<typeof knownToolSchema>;

export const listingInputSchema = z
  .strictObject({
    slug: slugSchema,
    name: z.string().trim().min(1).max(200),
    tagline: z.string().trim().min(1).max(200),
    description: z.string().trim().min(1).max(4000),
    useCases: z.array(z.string().trim().min(1).max(300)).max(12).default([]),
    category: z.enum(CATEGORIES),
    logoUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).nullable().default(null),
    docsUrl: httpUrlSchema.nullable().default(null),
    mcpUrl: httpUrlSchema,
    transport: z.enum(TRANSPORTS).default('streamable-http'),
    authKind: z.enum(AUTH_KINDS),
    /** For `headers`: the only header names a person may set for this connector. */
    authHeaders: z.array(headerNameSchema).max(MAX_AUTH_HEADERS, { error: `must list at most ${MAX_AUTH_HEADERS} header names` }).default([]),
    plans: z.array(z.enum(PLANS)).min(1).default([...PLANS]),
    clients: z.array(z.enum(CLIENTS)).min(1).default([...CLIENTS]),
    interactive: z.boolean().default(false),
    source: z.enum(SOURCES),
    /** The listing's identity in its source, e.g. `io.github.owner/server#0` for an imported remote. */
    origin: z.string().min(1).max(300).nullable().default(null),
    /** Tool calls to this connector end after this long; null: the gateway's default (300 s unless configured). */
    callTimeoutSeconds: z.number().int().min(1).max(3600).nullable().default(null),
    /** Declared tools; leave out when unknown (capabilities then say "unknown", not zero). */
    tools: z.array(knownToolSchema).max(500).optional(),
  })
  .superRefine((l, ctx) => {
    // Custom connectors belong to an organization and are created by src/directory/custom.ts alone.
    if (l.source === 'custom') ctx.addIssue({ code: 'custom', path: ['source'], message: 'custom connectors are added through POST /api/v1/connectors', input: l.source });
    if (l.authKind === 'headers' && l.authHeaders.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['authHeaders'], message: 'must name at least one header when authKind is "headers"', input: l.authHeaders });
    }
    if (l.authKind !== 'headers' && l.authHeaders.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['authHeaders'], message: `must be empty unless authKind is "headers" (it is "${l.authKind}")`, input: l.authHeaders });
    }
    const seen = new Set<string>();
    l.authHeaders.forEach((h, i) => {
      if (seen.has(h.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['authHeaders', i], message: `"${h}" is listed twice (header names ignore case)`, input: h });
      seen.add(h.toLowerCase());
    });
    const names = new Set<string>();
    l.tools?.forEach((t, i) => {
      if (names.has(t.name)) ctx.addIssue({ code: 'custom', path: ['tools', i, 'name'], message: `tool "${t.name}" is listed twice`, input: t.name });
      names.add(t.name);
    });
  });

/** What callers pass: defaults may be left out. */
export type ListingInput = z.input<typeof listingInputSchema>;
/** After validation, with every default filled in. */
export type ListingData = z.output<typeof listingInputSchema>;

export interface Listing extends Omit<ListingData, 'tools'> {
  /** A custom connector's organization (the only one that sees it); null for directory listings. */
  ownerOrgId: string | null;
  /** Null when unknown. */
  tools: KnownTool[] | null;
  /** When the tools came from a live `tools/list` (null: declared or unknown). */
  toolsRecordedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
