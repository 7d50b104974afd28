import { extractWWWAuthenticateParams, type FetchLike } from '@modelcontextprotocol/client';

export interface Challenge {
  resourceMetadataUrl?: URL;
  scope?: string;
}

/**
 * Asks the MCP server who may call it, the way a client first meets a protected server: an
 * unauthenticated request whose 401 names the protected-resource metadata and the scopes to ask for.
 * A server that gives no challenge leaves discovery to the `.well-known` fallbacks.
 */
export async function probeChallenge(fetchFn: FetchLike, serverUrl: string): Promise<Challenge> {
  let res: Response;
  try {
    res = await fetchFn(serverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'switchboard', version: '1' } },
      }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    // Unreachable now: discovery will try again and report the failure with its own words.
    return {};
  }
  await res.body?.cancel().catch(() => {});
  if (res.status !== 401 && res.status !== 403) return {};
  const params = extractWWWAuthenticateParams(res);
  return { ...(params.resourceMetadataUrl ? { resourceMetadataUrl: params.resourceMetadataUrl } : {}), ...(params.scope ? { scope: params.scope } : {}) };
}
