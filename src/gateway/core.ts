import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import type { ConnectionService } from '../connections/service.ts';
import type { ConnectorTarget } from '../connections/types.ts';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../shared/app-error.ts';
import type { UpstreamPool } from '../upstream/pool.ts';
import type { AuditLog } from './audit.ts';
import { namespacedToolName } from './naming.ts';
import type { Decision, PolicyPort } from './policy-port.ts';
import { capResult, toolError } from './results.ts';

export const ORIGIN_META = 'io.switchboard/origin';

export interface Caller {
  userId: string;
  orgId: string | undefined;
  surface: 'mcp' | 'chat' | 'api';
  requestId?: string | undefined;
}

export interface GatewayTool {
  /** The namespaced name clients see. */
  name: string;
  connector: string;
  /** The tool as the connector describes it, renamed and tagged with its origin. */
  tool: Tool;
  originalName: string;
  decision: Exclude<Decision, 'block'>;
  stale: boolean;
}

export interface GatewayToolList {
  tools: GatewayTool[];
  /** Connectors that could not be listed (and had no last good list). */
  problems: Array<{ connector: string; message: string }>;
}

export interface GatewayDeps {
  connections: ConnectionService;
  resolveConnector: (slug: string) => Promise<(ConnectorTarget & { callTimeoutMs?: number }) | undefined>;
  policy: PolicyPort;
  pool: UpstreamPool;
  audit: AuditLog;
  log: Logger;
}

/**
 * The one path every tool call takes, whichever way it came in (MCP endpoint, chat, REST):
 * policy decision → the person's own credentials → upstream → audit event. Listing takes the same
 * path minus the call, so a tool the policy blocks is absent from lists and refused by calls alike.
 */
export class GatewayCore {
  readonly #deps: GatewayDeps;
  constructor(deps: GatewayDeps) {
    this.#deps = deps;
  }

  async listTools(caller: Caller): Promise<GatewayToolList> {
    const policy = await this.#deps.policy.forPerson(caller.userId, caller.orgId);
    const usable = await this.#usableConnectors(caller.userId, policy.connectors);
    const problems: GatewayToolList['problems'] = [];
    const perConnector = await Promise.all(
      usable.map(async (connector) => {
        try {
          const listing = await this.#deps.pool.listTools(caller.userId, connector, this.#credentials(caller.userId, connector.slug));
          return listing.tools.flatMap((tool): GatewayTool[] => {
            const verdict = policy.decide(connector.slug, { name: tool.name, annotations: tool.annotations });
            if (verdict.decision === 'block') return [];
            const name = namespacedToolName(connector.slug, tool.name);
            return [
              {
                name,
                connector: connector.slug,
                originalName: tool.name,
                decision: verdict.decision,
                stale: listing.stale,
                tool: { ...tool, name, _meta: { ...tool._meta, [ORIGIN_META]: { connector: connector.slug, tool: tool.name } } },
              },
            ];
          });
        } catch (err) {
          problems.push({ connector: connector.slug, message: (err as Error).message });
          return [];
        }
      }),
    );
    // Deterministic order (connector, then tool): stable pages and cache keys on every node.
    const tools = perConnector.flat().sort((a, b) => (a.connector === b.connector ? a.originalName.localeCompare(b.originalName) : a.connector.localeCompare(b.connector)));
    return { tools, problems };
  }

  /** Connectors the policy allows and the person has connected (or that need no credentials). */
  async #usableConnectors(userId: string, allowed: string[]): Promise<ConnectorTarget[]> {
    const connections = new Map((await this.#deps.connections.list(userId)).map((c) => [c.connector, c]));
    const targets = await Promise.all(allowed.map((slug) => this.#deps.resolveConnector(slug)));
    return targets.filter((t): t is ConnectorTarget => t !== undefined && (t.auth === 'none' || connections.get(t.slug)?.status === 'connected'));
  }

  #credentials(userId: string, slug: string) {
    return { get: (options?: { rejectedAccessToken?: string }) => this.#deps.connections.credentialsFor(userId, slug, options) };
  }

  /**
   * Calls a tool by its namespaced name. Refusals and failures come back as tool errors the model can
   * read (with the connect link when the person must act); an unknown name is a protocol error.
   */
  /** The tool a namespaced name stands for, as the policy lets this caller see it. */
  async resolveTool(caller: Caller, name: string): Promise<GatewayTool & { reason: string }> {
    const { tools } = await this.listTools(caller);
    const found = tools.find((t) => t.name === name);
    if (!found) {
      throw new AppError(404, 'unknown_tool', `No tool named "${name}" is available to you. List the tools again: the connector may be disconnected, not enabled, or the tool blocked by your organization.`);
    }
    const policy = await this.#deps.policy.forPerson(caller.userId, caller.orgId);
    return { ...found, reason: policy.decide(found.connector, { name: found.originalName, annotations: found.tool.annotations }).reason };
  }

  /** Records that the person declined an `ask` tool when asked. */
  async recordDeclined(caller: Caller, tool: GatewayTool): Promise<void> {
    await this.#deps.audit.record({ userId: caller.userId, orgId: caller.orgId, connector: tool.connector, tool: tool.originalName, decision: 'ask', outcome: 'refused', latencyMs: 0, surface: caller.surface, requestId: caller.requestId, detail: 'declined by the person' });
  }

  async callTool(caller: Caller, name: string, args: Record<string, unknown> | undefined, options: { signal?: AbortSignal; approved?: boolean } = {}): Promise<CallToolResult> {
    const started = performance.now();
    const found = await this.resolveTool(caller, name);
    const audit = (decision: Decision, outcome: 'ok' | 'error' | 'refused', detail?: string) =>
      this.#deps.audit.record({ userId: caller.userId, orgId: caller.orgId, connector: found.connector, tool: found.originalName, decision, outcome, latencyMs: performance.now() - started, surface: caller.surface, requestId: caller.requestId, detail });
    if (found.decision === 'ask' && !options.approved) {
      await audit('ask', 'refused', 'approval required');
      return toolError(`${found.connector}: "${found.originalName}" needs approval before it runs. ${found.reason} This client cannot ask you to confirm; approve it from the Switchboard chat, or ask an owner to allow the tool.`);
    }
    const connector = await this.#deps.resolveConnector(found.connector);
    if (!connector) return toolError(`The connector "${found.connector}" is no longer in the directory.`);
    try {
      const result = await this.#deps.pool.callTool(caller.userId, connector, this.#credentials(caller.userId, connector.slug), found.originalName, args, options.signal);
      await audit(found.decision, result.isError ? 'error' : 'ok');
      return capResult(result);
    } catch (err) {
      const message = err instanceof AppError ? err.message : `The call to ${connector.name} failed: ${(err as Error).message}`;
      await audit(found.decision, 'error', message);
      if (!(err instanceof AppError)) this.#deps.log.warn({ connector: connector.slug, tool: found.originalName, err: (err as Error).message }, 'upstream call failed');
      return toolError(message);
    }
  }
}
