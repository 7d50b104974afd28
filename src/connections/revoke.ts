import type { FetchLike, OAuthDiscoveryState, StoredOAuthClientInformation } from '@modelcontextprotocol/client';

export type RevocationOutcome = 'revoked' | 'unsupported' | 'failed';

/**
 * RFC 7009: tell the authorization server to forget the grant. The refresh token first (revoking it
 * ends the whole grant at most servers), then the access token. Failure never blocks a disconnect:
 * the person asked for Switchboard to let go, and the secrets are deleted either way.
 */
export async function revokeUpstream(
  fetchFn: FetchLike,
  discovery: OAuthDiscoveryState | undefined,
  client: StoredOAuthClientInformation | undefined,
  tokens: { access_token?: string | undefined; refresh_token?: string | undefined },
): Promise<{ outcome: RevocationOutcome; detail?: string }> {
  const endpoint = (discovery?.authorizationServerMetadata as { revocation_endpoint?: string } | undefined)?.revocation_endpoint;
  if (!endpoint) return { outcome: 'unsupported' };
  if (!client) return { outcome: 'failed', detail: 'no client registration is known for this authorization server' };
  const attempts: Array<[string, string]> = [];
  if (tokens.refresh_token) attempts.push([tokens.refresh_token, 'refresh_token']);
  if (tokens.access_token) attempts.push([tokens.access_token, 'access_token']);
  for (const [token, hint] of attempts) {
    const body = new URLSearchParams({ token, token_type_hint: hint });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (client.client_secret) {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64')}`;
    } else {
      body.set('client_id', client.client_id);
    }
    const res = await fetchFn(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => err as Error);
    if (res instanceof Error) return { outcome: 'failed', detail: res.message };
    // RFC 7009 §2.2: 200 for success and for a token that was already invalid.
    if (!res.ok) return { outcome: 'failed', detail: `the revocation endpoint answered HTTP ${res.status}` };
  }
  return { outcome: 'revoked' };
}
