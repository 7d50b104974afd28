import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { authenticateAccessToken } from '../identity/access-tokens.ts';
import type { McpAuthenticator } from './mcp-endpoint.ts';

/**
 * Personal access tokens on /mcp; anything else gets the 401 whose `resource_metadata` starts a
 * client's OAuth discovery. (The OAuth access tokens of Switchboard's own authorization server are
 * checked by the authenticator that wraps this one.)
 */
export function personalTokenAuthenticator(db: Kysely<DB>, publicUrl: string): McpAuthenticator {
  const challenge = `Bearer resource_metadata="${publicUrl}/.well-known/oauth-protected-resource/mcp"`;
  const unauthorized = (description: string) =>
    new Response(JSON.stringify({ error: 'invalid_token', error_description: description }), {
      status: 401,
      headers: { 'content-type': 'application/json', 'www-authenticate': `${challenge}, error="invalid_token", error_description="${description}"` },
    });
  return async (request) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
    if (!match) return unauthorized('Sign in: send a personal access token (Authorization: Bearer sbp_…) or use OAuth.');
    const owner = match[1]!.startsWith('sbp_') ? await authenticateAccessToken(db, match[1]!) : undefined;
    if (!owner) return unauthorized('The access token is not valid: it may be mistyped, revoked or expired.');
    return { userId: owner.userId, via: 'token' };
  };
}
