import type { CallToolResult, InputRequiredResult, Tool } from '@modelcontextprotocol/client';
import { isInputRequiredResult, ProtocolError } from '@modelcontextprotocol/client';
import type { ConnectionService } from '../connections/service.ts';
import type { ConnectorTarget } from '../connections/types.ts';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../shared/app-error.ts';
import type { DownstreamPeer } from '../upstream/downstream.ts';
import { couldNotReach, failureOf, type CallOptions, type UpstreamPool } from '../upstream/pool.ts';
import type { AuditLog } from './audit.ts';
import { namingProfile, type NamingProfile, type NamingProfileName } from './naming.ts';
import type { Decision, PersonPolicy, PolicyPort } from './policy-port.ts';
import { capResult, toolError } from './results.ts';
import { UpstreamDirectory } from './upstream-directory.ts';

export const ORIGIN_META = 'io.switchboard/origin';
/**
 * On a tool error whose cause is the person's connection (never connected, expired, or refused by the connector
 * even after renewing): which connector, and where the person connects it. Surfaces with a UI (the chat) show a
 * Connect button from it; the text says the same for everyone else.
 */
export const CONNECT_META = 'io.switchboard/connect';

export interface ConnectNeeded {
  connector: string;
  /** The connector's display name. */
  name: string;
  connectUrl: string;
  code: 'not_connected' | 'connection_expired' | 'upstream_auth_failed';
}

export interface Caller {
  userId: string;
  orgId: string | undefined;
  surface: 'mcp' | 'chat' | 'api';
  requestId?: string | undefined;
}

export interface GatewayTool {
  /** The name clients see (namespaced, unless the pass-through test profile is on). */
  name: string;
  connector: string;
  /** The tool as the connector describes it, renamed and tagged with its origin. */
  tool: Tool;
  originalName: string;
  decision: Exclude<Decision, 'block'>;
  /** Why the policy decided so, for refusals and approval prompts. */
  reason: string;
  stale: boolean;
}

export interface GatewayToolList {
  tools: GatewayTool[];
  /** Connectors that could not be listed (and had no last good list). */
  problems: Array<{ connector: string; message: string }>;
  byName: Map<string, GatewayTool>;
}

export type GatewayConnector = ConnectorTarget & {
  callTimeoutMs?: number;
  /** The listing's description (for tool search and connector suggestions). */
  description?: string;
  /** An owner switched its interactive UI off in the caller's organization (its ui:// resources are withheld). */
  uiHidden?: boolean;
};

export interface GatewayDeps {
  connections: ConnectionService;
  resolveConnector: (slug: string) => Promise<GatewayConnector | undefined>;
  policy: PolicyPort;
  pool: UpstreamPool;
  audit: AuditLog;
  log: Logger;
  /** Where the person connects (or reconnects) a connector: quoted in errors that need them to act. */
  connectUrl: (slug: string) => string;
  naming?: NamingProfileName;
}

export interface ToolCallOptions {
  signal?: AbortSignal | undefined;
  /** The person confirmed an `ask` tool for this one call. */
  approved?: boolean;
  peer?: DownstreamPeer | undefined;
  onprogress?: CallOptions['onprogress'];
  /** 2026-07-28 multi-round-trip, passed through to the connector (see mcp-server.ts). */
  allowInputRequired?: boolean;
  inputResponses?: Record<string, unknown> | undefined;
  requestState?: string | undefined;
  clientCapabilities?: CallOptions['clientCapabilities'];
}

/**
 * A tool's metadata without its pointers to an interactive UI (MCP Apps `ui`, and the older `ui/resourceUri`).
 * Who may call the tool (`ui.visibility`) stays: an app-only tool must stay hidden from models when its UI is off.
 */
function withoutUi(meta: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!meta || !('ui' in meta || 'ui/resourceUri' in meta)) return meta;
  const { ui, 'ui/resourceUri': _old, ...rest } = meta;
  const visibility = ui && typeof ui === 'object' ? (ui as { visibility?: unknown }).visibility : undefined;
  return visibility === undefined ? rest : { ...rest, ui: { visibility } };
}

/** An upstream answered 401 after a fresh token: the person's grant is no longer good there. */
function isUpstreamUnauthorized(err: unknown): boolean {
  const e = err as { status?: unknown; code?: unknown; data?: { status?: unknown }; message?: unknown; name?: unknown };
  return e?.status === 401 || e?.data?.status === 401 || e?.name === 'UnauthorizedError' || (typeof e?.message === 'string' && /\b401\b|unauthori[sz]ed/i.test(e.message));
}

/**
 * The one path every tool call takes, whichever way it came in (MCP endpoint, chat, REST):
 * policy decision → the person's own credentials → upstream → audit event. Listing takes the same
 * path minus the call, so a tool the policy blocks is absent from lists and refused by calls alike.
 * Resources, prompts and completions reach only connectors the person may use, the same way.
 */
export class GatewayCore {
  readonly #deps: GatewayDeps;
  readonly naming: NamingProfile;
  readonly upstreams: UpstreamDirectory;
  /** The last tool list built per (person, organization), with what it was built from. */
  readonly #lists = new Map<string, { inputs: unknown[]; list: GatewayToolList }>();

  constructor(deps: GatewayDeps) {
    this.#deps = deps;
    this.naming = namingProfile(deps.naming ?? 'namespaced');
    this.upstreams = new UpstreamDirectory(deps, this.naming, async (caller) => {
      const person = await deps.policy.forPerson(caller.userId, caller.orgId);
      const usable = await this.usableConnectors(caller.userId, person.connectors);
      return usable.map((c) => (person.uiEnabled(c.slug) ? c : { ...c, uiHidden: true }));
    });
  }

  async listTools(caller: Caller, policy?: PersonPolicy): Promise<GatewayToolList> {
    const person = policy ?? (await this.#deps.policy.forPerson(caller.userId, caller.orgId));
    const usable = await this.usableConnectors(caller.userId, person.connectors);
    const problems: GatewayToolList['problems'] = [];
    const listings = await Promise.all(
      usable.map((connector) =>
        this.#deps.pool.listTools(caller.userId, connector, this.credentials(caller.userId, connector.slug)).then(
          (listing) => ({ connector, listing }),
          (err: unknown) => {
            problems.push({ connector: connector.slug, message: (err as Error).message });
            return undefined;
          },
        ),
      ),
    );
    // The same policy and the same connector lists as last time give the same tools: every call resolves its
    // tool through here, so the list is built again only when one of its inputs changed.
    const inputs: unknown[] = [person];
    for (const entry of listings) if (entry) inputs.push(entry.connector.slug, entry.listing.tools, entry.listing.stale);
    const key = `${caller.userId}\n${caller.orgId ?? ''}`;
    const memo = this.#lists.get(key);
    if (problems.length === 0 && memo && memo.inputs.length === inputs.length && memo.inputs.every((input, i) => input === inputs[i])) return memo.list;

    const all = listings.flatMap((entry): GatewayTool[] => {
      if (!entry) return [];
      const { connector, listing } = entry;
      return listing.tools.flatMap((tool): GatewayTool[] => {
        const verdict = person.decide(connector.slug, { name: tool.name, annotations: tool.annotations });
        if (verdict.decision === 'block') return [];
        const name = this.naming.toolName(connector.slug, tool.name);
        const meta = this.naming.toolMeta(connector.slug, person.uiEnabled(connector.slug) ? tool._meta : withoutUi(tool._meta));
        return [
          {
            name,
            connector: connector.slug,
            originalName: tool.name,
            decision: verdict.decision,
            reason: verdict.reason,
            stale: listing.stale,
            tool: { ...tool, name, _meta: { ...meta, [ORIGIN_META]: { connector: connector.slug, tool: tool.name } } },
          },
        ];
      });
    });
    // Deterministic order (connector, then tool): stable pages and cache keys on every node.
    all.sort((a, b) => (a.connector === b.connector ? a.originalName.localeCompare(b.originalName) : a.connector.localeCompare(b.connector)));
    // Pass-through names can collide across connectors; the first in order keeps the name.
    const seen = new Set<string>();
    const tools = all.filter((t) => (seen.has(t.name) ? false : (seen.add(t.name), true)));
    const list = { tools, problems, byName: new Map(tools.map((t) => [t.name, t])) };
    if (problems.length === 0) {
      if (this.#lists.size >= 10_000) this.#lists.clear();
      this.#lists.set(key, { inputs, list });
    }
    return list;
  }

  /** The connectors the organization lets this person use (enabled, on the plan, not switched off), connected or not. */
  async allowedConnectors(caller: Caller): Promise<string[]> {
    return (await this.#deps.policy.forPerson(caller.userId, caller.orgId)).connectors;
  }

  /** Connectors the policy allows and the person has connected (or that need no credentials). */
  async usableConnectors(userId: string, allowed: string[]): Promise<GatewayConnector[]> {
    const [connections, targets] = await Promise.all([this.#deps.connections.list(userId), Promise.all(allowed.map((slug) => this.#deps.resolveConnector(slug)))]);
    const byConnector = new Map(connections.map((c) => [c.connector, c]));
    return targets.filter((t): t is GatewayConnector => t !== undefined && (t.auth === 'none' || byConnector.get(t.slug)?.status === 'connected'));
  }

  credentials(userId: string, slug: string) {
    return { get: (options?: { rejectedAccessToken?: string }) => this.#deps.connections.credentialsFor(userId, slug, options) };
  }

  /** The tool a client-facing name stands for, as the policy lets this caller see it. */
  async resolveTool(caller: Caller, name: string): Promise<GatewayTool> {
    const list = await this.listTools(caller);
    const found = list.byName.get(name);
    if (!found) {
      throw new AppError(404, 'unknown_tool', `No tool named "${name}" is available to you. List the tools again: the connector may be disconnected, not enabled, or the tool blocked by your organization.`);
    }
    return found;
  }

  /**
   * For the /mcp forwarding path (forward-call.ts): the connector behind an allowed tool, when the person's
   * session with it is open and speaks 2026-07-28, so one request can be relayed as it is.
   */
  async forwardable(caller: Caller, tool: GatewayTool): Promise<GatewayConnector | undefined> {
    if (tool.decision !== 'allow' || this.#deps.pool.eraOf(caller.userId, tool.connector) !== 'modern') return undefined;
    return this.#deps.resolveConnector(tool.connector);
  }

  /** The audit event of a call made outside `callTool` (the forwarding path). */
  recordCall(caller: Caller, tool: GatewayTool, outcome: 'ok' | 'error', started: number, detail?: string): Promise<void> {
    return this.#deps.audit.record({ userId: caller.userId, orgId: caller.orgId, connector: tool.connector, tool: tool.originalName, decision: tool.decision, outcome, latencyMs: performance.now() - started, surface: caller.surface, requestId: caller.requestId, detail });
  }

  /** Records that the person declined an `ask` tool when asked. */
  async recordDeclined(caller: Caller, tool: Pick<GatewayTool, 'connector' | 'originalName'>): Promise<void> {
    await this.#deps.audit.record({ userId: caller.userId, orgId: caller.orgId, connector: tool.connector, tool: tool.originalName, decision: 'ask', outcome: 'refused', latencyMs: 0, surface: caller.surface, requestId: caller.requestId, detail: 'declined by the person' });
  }

  /**
   * Calls a tool by its client-facing name. Refusals and failures come back as tool errors the model can
   * read (with the connect link when the person must act); an unknown name is a protocol error. With
   * `allowInputRequired`, a connector's 2026 `input_required` answer is returned as it is, for the caller
   * to relay.
   */
  callTool(caller: Caller, nameOrTool: string | GatewayTool, args: Record<string, unknown> | undefined, options?: ToolCallOptions & { allowInputRequired?: false }): Promise<CallToolResult>;
  callTool(caller: Caller, nameOrTool: string | GatewayTool, args: Record<string, unknown> | undefined, options: ToolCallOptions): Promise<CallToolResult | InputRequiredResult>;
  async callTool(caller: Caller, nameOrTool: string | GatewayTool, args: Record<string, unknown> | undefined, options: ToolCallOptions = {}): Promise<CallToolResult | InputRequiredResult> {
    const started = performance.now();
    const found = typeof nameOrTool === 'string' ? await this.resolveTool(caller, nameOrTool) : nameOrTool;
    const audit = (decision: Decision, outcome: 'ok' | 'error' | 'refused', detail?: string) =>
      this.#deps.audit.record({ userId: caller.userId, orgId: caller.orgId, connector: found.connector, tool: found.originalName, decision, outcome, latencyMs: performance.now() - started, surface: caller.surface, requestId: caller.requestId, detail });
    if (found.decision === 'ask' && !options.approved) {
      await audit('ask', 'refused', 'approval required');
      return toolError(`${found.connector}: "${found.originalName}" needs approval before it runs. ${found.reason} This client cannot ask you to confirm; approve it from the Switchboard chat, or ask an owner to allow the tool.`);
    }
    const connector = await this.#deps.resolveConnector(found.connector);
    if (!connector) return toolError(`The connector "${found.connector}" is no longer in the directory.`);
    try {
      const result = await this.#deps.pool.callTool(caller.userId, connector, this.credentials(caller.userId, connector.slug), found.originalName, args, options);
      if (isInputRequiredResult(result)) return result;
      await audit(found.decision, result.isError ? 'error' : 'ok');
      return capResult(result);
    } catch (err) {
      // The connector refused the request itself (bad arguments, a capability the client lacks): that is
      // the client's protocol error to handle, passed on with the connector's own code.
      if (err instanceof ProtocolError && !isUpstreamUnauthorized(err)) {
        await audit(found.decision, 'error', this.explain(connector, err));
        throw err;
      }
      // A connection that expired during the call closes its session under it ("Connection closed"): the
      // person's connection, not the network, is what to report then.
      const cause = (await this.#connectionProblem(caller.userId, connector, err)) ?? err;
      const message = this.upstreamFailed(caller, connector, found.originalName, cause);
      await audit(found.decision, 'error', message);
      const connect = this.#connectNeeded(connector, cause);
      return toolError(message, connect ? { [CONNECT_META]: connect } : undefined);
    }
  }

  /** After a failure that names no cause of its own: the person's connection, if it is now expired or gone. */
  async #connectionProblem(userId: string, connector: GatewayConnector, err: unknown): Promise<AppError | undefined> {
    if (err instanceof AppError || isUpstreamUnauthorized(err) || connector.auth === 'none') return undefined;
    try {
      await this.#deps.connections.credentialsFor(userId, connector.slug);
      return undefined;
    } catch (problem) {
      return problem instanceof AppError && (problem.code === 'not_connected' || problem.code === 'connection_expired') ? problem : undefined;
    }
  }

  /** When a failure is the person's connection to fix: the connector and its connect link. */
  #connectNeeded(connector: GatewayConnector, err: unknown): ConnectNeeded | undefined {
    const code = err instanceof AppError ? err.code : isUpstreamUnauthorized(err) ? 'upstream_auth_failed' : undefined;
    if (code !== 'not_connected' && code !== 'connection_expired' && code !== 'upstream_auth_failed') return undefined;
    return { connector: connector.slug, name: connector.name, connectUrl: this.#deps.connectUrl(connector.slug), code };
  }

  /**
   * Why a tool the person named is not among theirs now, as the refusal a call to it gets: the policy's block with
   * its reason, a connector to connect or reconnect (with the link, as `CONNECT_META`), or a tool the connector no
   * longer offers. For surfaces that show the reason (the chat: a model calling a tool it used earlier, or an
   * approval answered after an owner blocked the tool). Recorded as a refused call. Undefined when the tool is
   * available after all (the list changed meanwhile): call it.
   */
  async unavailable(caller: Caller, connectorSlug: string, toolName: string): Promise<CallToolResult | undefined> {
    const started = performance.now();
    const refuse = async (decision: Decision, message: string, meta?: Record<string, unknown>) => {
      // A block is a refusal; a connection the person must fix is an error of the call, as in callTool.
      const outcome = decision === 'block' ? 'refused' : 'error';
      await this.#deps.audit.record({ userId: caller.userId, orgId: caller.orgId, connector: connectorSlug, tool: toolName, decision, outcome, latencyMs: performance.now() - started, surface: caller.surface, requestId: caller.requestId, detail: message });
      return toolError(message, meta);
    };
    const person = await this.#deps.policy.forPerson(caller.userId, caller.orgId);
    if (!person.connectors.includes(connectorSlug)) return refuse('block', person.decide(connectorSlug, { name: toolName }).reason);
    const connector = await this.#deps.resolveConnector(connectorSlug);
    if (!connector) return refuse('block', `The connector "${connectorSlug}" is no longer in the directory.`);
    const [usable] = await this.usableConnectors(caller.userId, [connectorSlug]);
    if (!usable) {
      // Not connected, or expired: the connections module says which, with the link.
      const err = await this.#deps.connections.credentialsFor(caller.userId, connectorSlug).then(
        () => undefined,
        (e: unknown) => e,
      );
      const message = err instanceof AppError ? err.message : `You have not connected ${connector.name} yet. Connect it at ${this.#deps.connectUrl(connectorSlug)} and try again.`;
      const connect = this.#connectNeeded(connector, err instanceof AppError ? err : new AppError(401, 'not_connected', message));
      return refuse('allow', caller.requestId ? `${message} (reference ${caller.requestId})` : message, connect ? { [CONNECT_META]: connect } : undefined);
    }
    let listed: Tool | undefined;
    try {
      listed = (await this.#deps.pool.listTools(caller.userId, connector, this.credentials(caller.userId, connectorSlug))).tools.find((t) => t.name === toolName);
    } catch (err) {
      return refuse('allow', this.upstreamFailed(caller, connector, toolName, err));
    }
    if (!listed) return refuse('block', `${connector.name} no longer offers a tool named "${toolName}". Ask again, so the assistant uses the tools it has now.`);
    const verdict = person.decide(connectorSlug, { name: listed.name, annotations: listed.annotations });
    if (verdict.decision === 'block') return refuse('block', verdict.reason);
    return undefined;
  }

  /**
   * A failed call's sentence for the person, ending with the call's reference (its request id), and the log
   * line that reference finds: one warning per failure, with `reqId`, the connector, the tool and the error.
   */
  upstreamFailed(caller: Caller, connector: GatewayConnector, tool: string, err: unknown): string {
    const message = this.explain(connector, err, caller.requestId);
    const code = err instanceof AppError ? err.code : isUpstreamUnauthorized(err) ? 'upstream_auth_failed' : 'upstream_error';
    const cause = err instanceof AppError && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : undefined;
    this.#deps.log.warn(
      { reqId: caller.requestId, user: caller.userId, connector: connector.slug, tool, code, ...(cause ? { err: cause } : {}) },
      code === 'upstream_auth_failed' ? 'authorization with the upstream failed' : 'upstream call failed',
    );
    return message;
  }

  /**
   * A sentence for the person about an upstream failure, with the connect link when they must act. Failures
   * fall in two classes, each with its opening phrase: "Authorization with the MCP server failed" (the
   * connector refused the person's credentials) and "Couldn't reach the MCP server" (network, TLS, timeouts,
   * answers that are not MCP). With a `reference` (the request id), the sentence ends with it, so the person
   * can quote it and the operator find the log lines.
   */
  explain(connector: GatewayConnector, err: unknown, reference?: string): string {
    const sentence = this.#sentence(connector, err);
    return reference ? `${sentence} (reference ${reference})` : sentence;
  }

  #sentence(connector: GatewayConnector, err: unknown): string {
    if (err instanceof AppError) return err.message;
    if (isUpstreamUnauthorized(err)) {
      return `Authorization with the MCP server failed: ${connector.name} refused your credentials even after renewing them. Reconnect at ${this.#deps.connectUrl(connector.slug)} and try again.`;
    }
    // The connector's own refusal of the request (a JSON-RPC error) reached it: that is not a reachability problem.
    if (err instanceof ProtocolError) return `The call to ${connector.name} failed: ${err.message}`;
    return couldNotReach(connector, failureOf(err), err).message;
  }
}
