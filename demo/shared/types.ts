import type { McpServer } from '@modelcontextprotocol/server';
import type { DemoPerson } from './people.ts';
import type { DemoToolSummary } from './tool-catalog.ts';

export const DEMO_SERVICE_NAMES = ['tracker', 'chat', 'drive'] as const;
export type DemoServiceName = (typeof DEMO_SERVICE_NAMES)[number];

/** What a directory shows about a demo service. */
export interface DemoServiceListing {
  /** `demo-tracker`, `demo-chat`, `demo-drive`. */
  slug: string;
  name: string;
  tagline: string;
  description: string;
  useCases: string[];
  category: string;
}

/** The two scopes every demo service has: `<service>.read` and `<service>.write`. */
export interface DemoScopes {
  read: string;
  write: string;
}

export interface DemoServiceOptions {
  /**
   * Preferred port; `0` lets the OS choose. A preferred port that is taken falls back to a free one. Default: the
   * port the service used last time (with `dataDir`), else the service's own default (tracker 7401, chat 7402,
   * drive 7403).
   */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`; the issuer and MCP URL use `127.0.0.1` for a wildcard bind. */
  host?: string;
  /** Access-token lifetime. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Refresh-token (and grant) lifetime. Default 14 days. */
  refreshTokenTtlSeconds?: number;
  /**
   * Folder for the service's state: `<dataDir>/<service>/oauth.json` (clients, grants, tokens, keys) and
   * `data.json` (issues, messages, files). Without it everything lives in memory and a restart starts afresh.
   */
  dataDir?: string;
  /** Called with errors the authorization server or MCP endpoint hit while answering. Default: stderr. */
  onError?: (error: Error) => void;
}

/** Counters a test can read and reset. */
export interface DemoServiceStats {
  /** Requests to the token endpoint by `grant_type`, failed ones included. */
  tokenRequests: Record<string, number>;
  /** Token-endpoint requests answered with an error, by `grant_type`. */
  tokenErrors: Record<string, number>;
  /** Successful dynamic client registrations (RFC 7591). */
  registrations: number;
  /** Requests to the revocation endpoint (RFC 7009) that it answered with 200. */
  revocations: number;
  /** Requests to `/mcp`, answered or refused. */
  mcpRequests: number;
  /** `/mcp` requests refused with 401 (missing, unknown, expired, revoked or foreign token). */
  mcpUnauthorized: number;
  /** Tool calls that reached a tool, by tool name. */
  toolCalls: Record<string, number>;
}

/** A running demo service. */
export interface DemoServiceHandle {
  readonly name: DemoServiceName;
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`; also the RFC 8707 resource its tokens are bound to. */
  readonly url: string;
  /** The authorization server's issuer, `http://127.0.0.1:<port>` (same origin as `url`). */
  readonly issuer: string;
  readonly port: number;
  readonly listing: DemoServiceListing;
  /** Its tools as `tools/list` shows them: name, title, annotations. */
  readonly tools: DemoToolSummary[];
  /** The MCP `instructions` the server sends. */
  readonly instructions: string;
  readonly scopes: DemoScopes;
  /** Live counters (the object is updated in place). */
  readonly stats: DemoServiceStats;
  resetStats(): void;
  /** Changes the lifetime of access tokens issued from now on. */
  setAccessTokenTtl(seconds: number): void;
  /** Revokes every grant the person gave to any client, with its codes, access and refresh tokens; returns how many grants. */
  revokeGrants(email: string): Promise<number>;
  /** Makes the current access tokens (of one person, or everyone's) expired; returns how many. */
  expireAccessTokens(email?: string): Promise<number>;
  close(): Promise<void>;
}

/** Who is calling a tool, and with which scope names. */
export interface ToolCaller {
  person: DemoPerson;
  scopes: DemoScopes;
  countCall(tool: string): void;
}

/** A service's data, opened once per start, and the tools that act on it for one caller. */
export interface DemoToolset {
  register(server: McpServer, caller: ToolCaller): void;
}

/** Everything that makes one demo service different from the others. */
export interface DemoServiceDefinition {
  name: DemoServiceName;
  defaultPort: number;
  listing: DemoServiceListing;
  instructions: string;
  /** Shown on the consent page. */
  scopeDescriptions: { read: string; write: string };
  /** Seeds the data in memory, or loads it from `dataFile` (seeding the file the first time). */
  open(dataFile: string | undefined): DemoToolset;
}
