import { Client, StreamableHTTPClientTransport, type FetchLike } from '@modelcontextprotocol/client';

/** Where the credentials for one person's upstream requests come from (the connections module). */
export interface CredentialSource {
  /** Headers for the next request; `rejectedAccessToken` asks for a refresh of a token the server just refused. */
  get(options?: { rejectedAccessToken?: string }): Promise<{ headers: Record<string, string>; accessToken?: string }>;
}

export type ProtocolChoice = 'auto' | '2025-11-25';

function withHeaders(init: RequestInit | undefined, headers: Record<string, string>): RequestInit {
  const merged = new Headers(init?.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  return { ...init, headers: merged };
}

/**
 * A fetch that signs every request with the person's credentials and, on a 401, asks once for a
 * refreshed token and retries: an access token revoked or expired early costs one round trip, not a failure.
 */
export function credentialedFetch(credentials: CredentialSource, base: FetchLike = fetch): FetchLike {
  return async (input, init) => {
    const first = await credentials.get();
    const res = await base(input, withHeaders(init, first.headers));
    if (res.status !== 401 || !first.accessToken) return res;
    await res.body?.cancel().catch(() => {});
    const renewed = await credentials.get({ rejectedAccessToken: first.accessToken });
    return base(input, withHeaders(init, renewed.headers));
  };
}

/** An MCP client session to a connector, speaking 2026-07-28 when the server does and 2025-11-25 otherwise. */
export async function openUpstream(url: string, credentials: CredentialSource, options: { protocol?: ProtocolChoice; fetch?: FetchLike } = {}): Promise<Client> {
  const client = new Client(
    { name: 'switchboard', version: '0.1.0' },
    // 'legacy' is the initialize handshake (2025-11-25); a pin can only name the 2026 revision.
    { versionNegotiation: { mode: options.protocol === '2025-11-25' ? 'legacy' : 'auto' } },
  );
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: credentialedFetch(credentials, options.fetch) });
  await client.connect(transport);
  return client;
}
