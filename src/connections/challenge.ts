import { AppError } from '../shared/app-error.ts';
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

/**
 * How a server wants to be reached, from its answer to a first request: `oauth` when it asks for a Bearer
 * token (401/403), `none` when it answers at all. A server that does not answer is an error the person sees.
 */
export async function probeAuthKind(fetchFn: FetchLike, serverUrl: string): Promise<'oauth' | 'none'> {
  let res: Response;
  try {
    res = await fetchFn(serverUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'switchboard', version: '1' } } }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(502, 'upstream_unreachable', `Couldn't reach the MCP server: ${new URL(serverUrl).host} did not answer (${(err as Error).message}). Check the URL; if it is right, the server may be down or not reachable from Switchboard.`, { cause: err });
  }
  await res.body?.cancel().catch(() => {});
  return res.status === 401 || res.status === 403 ? 'oauth' : 'none';
}
