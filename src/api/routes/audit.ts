import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { ADMIN_ACTIONS } from '../../audit/events.ts';
import { auditableOrg, auditEvents, auditPage, decodeCursor, encodeCursor, MAX_PAGE, type AuditFilters } from '../../audit/query.ts';
import { asUser } from '../../identity/actor.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { SIGNED_IN } from '../schemas.ts';

const KINDS = ['tool_call', 'enablement', 'policy', 'connection', 'membership'] as const;
const ACTIONS = [...new Set(Object.values(ADMIN_ACTIONS).flat())] as [string, ...string[]];
const SlugParam = z.object({ slug: z.string().min(1).max(40) });
const isoTime = z.string().datetime({ offset: true });

const Filters = z.object({
  kind: z.enum(KINDS).optional(),
  action: z.enum(ACTIONS).optional().openapi({ description: 'Admin events with this action (tool calls have none).', example: 'role_changed' }),
  user: z.string().uuid().optional().openapi({ description: 'The person who acted (the caller of a tool, the member who made a change).' }),
  connector: z.string().min(1).max(200).optional(),
  tool: z.string().min(1).max(500).optional(),
  outcome: z.enum(['ok', 'error', 'refused']).optional(),
  decision: z.enum(['allow', 'ask', 'block']).optional(),
  from: isoTime.optional().openapi({ description: 'Events at or after this instant (ISO 8601).', example: '2026-01-01T00:00:00Z' }),
  to: isoTime.optional().openapi({ description: 'Events before this instant (ISO 8601).' }),
});

const PageQuery = Filters.extend({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
  cursor: z.string().min(1).max(100).optional().openapi({ description: 'The nextCursor of the previous page.' }),
});

const AuditEventOut = z
  .object({
    id: z.string(),
    at: z.string(),
    kind: z.enum(KINDS),
    action: z.string().nullable().openapi({ description: `Admin events: ${ACTIONS.join(', ')}; null for tool calls.` }),
    actor: z.string().nullable().openapi({ description: "Admin events: who did it, a user id, 'operator' or 'system'." }),
    userId: z.string().nullable(),
    orgId: z.string().nullable(),
    connector: z.string().nullable(),
    tool: z.string().nullable(),
    decision: z.enum(['allow', 'ask', 'block']).nullable(),
    outcome: z.enum(['ok', 'error', 'refused']).nullable(),
    latencyMs: z.number().int().nullable(),
    surface: z.string().nullable(),
    subject: z.string().nullable().openapi({ description: "Admin events: what it was done to (a member's user id, a connector slug)." }),
    requestId: z.string().nullable().openapi({ description: 'The reference id of the request that made it.' }),
    detail: z.string().nullable(),
    details: z.unknown().openapi({ description: 'Admin events: the new rules, old and new role, …; never secrets.' }),
  })
  .openapi('AuditEvent');

const list = createRoute({
  method: 'get',
  path: '/orgs/{slug}/audit',
  tags: ['audit'],
  summary: "The organization's audit log, newest first (owners only)",
  security: SIGNED_IN,
  request: { params: SlugParam, query: PageQuery },
  responses: {
    200: { description: 'A page of events', content: { 'application/json': { schema: z.object({ events: z.array(AuditEventOut), nextCursor: z.string().nullable() }).openapi('AuditPage') } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/orgs/{slug}/audit/export',
  tags: ['audit'],
  summary: 'Every matching event as JSON lines, newest first (owners only)',
  security: SIGNED_IN,
  request: { params: SlugParam, query: Filters },
  responses: {
    200: { description: 'One AuditEvent JSON object per line', content: { 'application/x-ndjson': { schema: z.string() } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

function filtersOf(q: z.infer<typeof Filters>): AuditFilters {
  return { ...q, from: q.from === undefined ? undefined : new Date(q.from), to: q.to === undefined ? undefined : new Date(q.to) };
}

export function auditRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const { userId } = requirePrincipal(c);
    const db = c.get('services').database.db;
    const org = await auditableOrg(db, asUser(userId), c.req.valid('param').slug);
    const { limit, cursor, ...filters } = c.req.valid('query');
    const page = await auditPage(db, org.id, filtersOf(filters), limit, cursor === undefined ? undefined : decodeCursor(cursor));
    return c.json({ events: page.events, nextCursor: page.next === null ? null : encodeCursor(page.next) }, 200);
  });

  app.openapi(exportRoute, async (c) => {
    const { userId } = requirePrincipal(c);
    const db = c.get('services').database.db;
    // Checked before the first byte: once streaming has begun, a refusal can no longer be an error response.
    const org = await auditableOrg(db, asUser(userId), c.req.valid('param').slug);
    const events = auditEvents(db, org.id, filtersOf(c.req.valid('query')));
    const encoder = new TextEncoder();
    const log = c.get('log');
    const body = new ReadableStream<Uint8Array>({
      // Pulled as the client reads: a slow reader holds back the queries instead of filling memory.
      async pull(controller) {
        try {
          const next = await events.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
        } catch (err) {
          log.error({ err }, 'audit export failed while streaming');
          controller.error(err);
        }
      },
      async cancel() {
        await events.return(undefined);
      },
    });
    const response = new Response(body, { status: 200, headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'x-request-id': c.get('requestId') } });
    // zod-openapi types any "application/…json…" content as a JSON body (and x-ndjson as none at all); this is a stream.
    return response as never;
  });
}
