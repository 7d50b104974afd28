import { acceptedContent, createMcpHandler, inputRequired, ProtocolError, Server, type AuthInfo } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Hono } from 'hono';
import type { AppEnv } from '../api/context.ts';
import { AppError } from '../shared/app-error.ts';
import type { Caller, GatewayCore } from './core.ts';
import { toolError } from './results.ts';

const APPROVAL = 'approval';
const approvalSchema = z.object({ approve: z.boolean().describe('Allow this one call') });

/** Who is calling /mcp, as established by the endpoint's authentication. */
export interface McpPrincipal {
  userId: string;
  via: 'token' | 'oauth';
  clientId?: string;
  scopes?: string[];
}

/** Authenticates an /mcp request, or answers it (401 with the challenge that starts OAuth discovery). */
export type McpAuthenticator = (request: Request) => Promise<McpPrincipal | Response>;

export interface McpEndpointDeps {
  core: GatewayCore;
  authenticate: McpAuthenticator;
  /** The person's organization for this request: an explicit choice (checked) or their default. */
  organizationFor: (userId: string, requested: string | undefined) => Promise<string | undefined>;
  version: string;
}

const PAGE_SIZE = 100;
const INVALID_PARAMS = -32602;

/** Cursor over the deterministic (connector, tool) order: the last name served, not an offset, so lists that change between pages neither skip nor repeat. */
const encodeCursor = (lastName: string) => Buffer.from(JSON.stringify({ after: lastName })).toString('base64url');
function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through
  }
  throw new ProtocolError(INVALID_PARAMS, 'The cursor is not one this server issued; list from the start.');
}

function callerOf(authInfo: AuthInfo | undefined): Caller {
  const caller = authInfo?.extra?.caller as Caller | undefined;
  if (!caller) throw new ProtocolError(-32603, 'The request reached the MCP server without an authenticated caller.');
  return caller;
}

/**
 * `POST /mcp`: one aggregated MCP server per person, both spec eras from one endpoint (the SDK's
 * per-request handler). Each request builds a small low-level server for its caller whose handlers
 * all go through the gateway core.
 */
export function mountMcpEndpoint(app: Hono<AppEnv>, deps: McpEndpointDeps): { close(): Promise<void>; toolsChanged(): void } {
  const handler = createMcpHandler((ctx) => {
    const caller = callerOf(ctx.authInfo);
    const server = new Server({ name: 'switchboard', version: deps.version }, { capabilities: { tools: { listChanged: true } } });
    server.setRequestHandler('tools/list', async (request) => {
      const { tools } = await deps.core.listTools(caller);
      const after = request.params?.cursor ? decodeCursor(request.params.cursor) : undefined;
      const start = after === undefined ? 0 : tools.findIndex((t) => t.name === after) + 1;
      if (after !== undefined && start === 0) throw new ProtocolError(INVALID_PARAMS, 'The cursor points at a tool that is no longer listed; list from the start.');
      const page = tools.slice(start, start + PAGE_SIZE);
      const next = start + PAGE_SIZE < tools.length ? encodeCursor(page.at(-1)!.name) : undefined;
      return { tools: page.map((t) => t.tool), ...(next ? { nextCursor: next } : {}) };
    });
    server.setRequestHandler('tools/call', async (request, extra) => {
      try {
        const tool = await deps.core.resolveTool(caller, request.params.name);
        const signal = extra.mcpReq?.signal;
        if (tool.decision === 'ask') {
          const responses = extra.mcpReq?.inputResponses;
          const answer = acceptedContent(responses, APPROVAL, approvalSchema);
          if (answer?.approve === true) return await deps.core.callTool(caller, request.params.name, request.params.arguments, { signal, approved: true });
          if (responses && APPROVAL in responses) {
            await deps.core.recordDeclined(caller, tool);
            return toolError(`You did not approve "${tool.originalName}" (${tool.connector}); it did not run.`);
          }
          // Elicitation (2025 clients) or an input-required round trip (2026): the SDK picks by era.
          if (server.getClientCapabilities()?.elicitation) {
            return inputRequired({
              inputRequests: {
                [APPROVAL]: inputRequired.elicit({
                  message: `Allow ${tool.connector} to run "${tool.tool.title ?? tool.originalName}"? ${tool.reason}`,
                  requestedSchema: approvalSchema,
                }),
              },
            });
          }
        }
        return await deps.core.callTool(caller, request.params.name, request.params.arguments, { signal });
      } catch (err) {
        if (err instanceof AppError && err.code === 'unknown_tool') throw new ProtocolError(INVALID_PARAMS, err.message);
        throw err;
      }
    });
    return server;
  });

  app.all('/mcp', async (c) => {
    const principal = await deps.authenticate(c.req.raw);
    if (principal instanceof Response) return principal;
    const requested = c.req.header('x-switchboard-org') ?? c.req.query('org');
    const orgId = await deps.organizationFor(principal.userId, requested);
    const caller: Caller = { userId: principal.userId, orgId, surface: 'mcp', requestId: c.get('requestId') };
    const authInfo: AuthInfo = { token: 'redacted', clientId: principal.clientId ?? 'personal-access-token', scopes: principal.scopes ?? [], extra: { caller } };
    return handler.fetch(c.req.raw, { authInfo });
  });
  // 2026 clients hear of changes on their `subscriptions/listen` stream and list again (they see only their own tools).
  return { close: () => handler.close(), toolsChanged: () => handler.notify.toolsChanged() };
}
