import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { visibleOrgIds } from '../../directory/custom.ts';
import { getListing } from '../../directory/store.ts';
import { notFound } from '../../shared/app-error.ts';
import { diagnose } from '../../upstream/diagnose.ts';
import { egressAllowOf } from '../../policy/egress-allow.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { SIGNED_IN } from '../schemas.ts';

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

export const DiagnosticStepOut = z
  .object({
    step: z.enum(['dns-egress', 'connect', 'mcp', 'auth']).openapi({ description: 'dns-egress: the name and the egress decision; connect: TCP and TLS; mcp: the MCP handshake; auth: OAuth discovery.' }),
    status: z.enum(['ok', 'failed', 'skipped']),
    detail: z.string().openapi({ description: 'What was found.' }),
    fix: z.string().optional().openapi({ description: 'For a failed step: what to do about it.' }),
    ms: z.number().int().openapi({ description: 'How long the step took.' }),
  })
  .openapi('DiagnosticStep');

export const DiagnosisOut = z
  .object({
    connector: z.string(),
    url: z.string().openapi({ description: "The connector's MCP URL that was diagnosed." }),
    ok: z.boolean().openapi({ description: 'True when no step failed.' }),
    era: z.string().optional().openapi({ description: 'The MCP version the server negotiated (2026-07-28, 2025-11-25), when the handshake completed without authorization.' }),
    steps: z.array(DiagnosticStepOut),
  })
  .openapi('Diagnosis');

const run = createRoute({
  method: 'post',
  path: '/connectors/{slug}/diagnose',
  tags: ['connectors'],
  summary: "Diagnose the connection to a connector's MCP server: DNS and egress, TCP/TLS, MCP handshake, auth discovery",
  description:
    'Each step says what it found and, when it failed, what to do. Every request goes through the egress guard; no credentials are sent. A failing step is reported in the body (200 with ok: false), not as an error status.',
  security: SIGNED_IN,
  request: { params: z.object({ slug: z.string().min(1).max(64) }) },
  responses: { 200: { description: 'The diagnosis', ...json(DiagnosisOut) }, ...errorResponses(401, 404) },
});

export function diagnoseRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(run, async (c) => {
    const { userId } = requirePrincipal(c);
    const services = c.get('services');
    const db = services.database.db;
    const listing = await getListing(db, c.req.valid('param').slug);
    // Another organization's custom connector is answered like a missing one.
    if (listing.ownerOrgId !== null && !(await visibleOrgIds(db, userId)).includes(listing.ownerOrgId)) {
      throw notFound(`No connector has the slug "${listing.slug}". List the directory with GET /api/v1/connectors.`);
    }
    // A custom connector is diagnosed with its organization's ranges, as its connections are made.
    const guard = services.egress.for(listing.ownerOrgId ? await egressAllowOf(db, listing.ownerOrgId) : []);
    const diagnosis = await diagnose(listing.mcpUrl, { guard, auth: listing.authKind });
    const failed = diagnosis.steps.find((s) => s.status === 'failed');
    const log = c.get('log') ?? services.log;
    if (failed) log.warn({ connector: listing.slug, step: failed.step, detail: failed.detail }, 'connection diagnostic found a failing step');
    else log.info({ connector: listing.slug, era: diagnosis.era }, 'connection diagnostic passed');
    return c.json({ connector: listing.slug, ...diagnosis, url: listing.mcpUrl }, 200);
  });
}
