/** What the connections module needs to know about a connector; the directory supplies it. */
export interface ConnectorTarget {
  slug: string;
  name: string;
  /** The MCP endpoint: the protected resource the person authorizes Switchboard to use. */
  url: string;
  auth: 'oauth' | 'headers' | 'none';
  /** For `headers` connectors: the header names a person may set (at most 4). */
  headerNames?: string[];
  /** Tool calls end after this long (the listing's setting); the gateway's default otherwise. */
  callTimeoutMs?: number;
  /** A custom connector's organization's egress allow-list: ranges the guard opens for this connector only. */
  egressAllow?: string[];
}

export type ConnectorResolver = (slug: string) => Promise<ConnectorTarget | undefined>;

export type ConnectionStatus = 'connected' | 'expired';

/** A person's connection as they (and the API) may see it: never a secret. */
export interface ConnectionSummary {
  connector: string;
  status: ConnectionStatus;
  authKind: ConnectorTarget['auth'];
  scope: string | null;
  expiresAt: Date | null;
  statusReason: string | null;
  connectedAt: Date;
  lastRefreshedAt: Date | null;
  /** For header connectors: which headers are set (names only). */
  headerNames: string[];
}

/** What an upstream request must carry for this person. */
export interface UpstreamCredentials {
  headers: Record<string, string>;
  /** The access token used, so a 401 can ask for a refresh of exactly this token. */
  accessToken?: string;
  /** When the access token expires (ms since the epoch), if the service said. */
  expiresAt?: number;
}
