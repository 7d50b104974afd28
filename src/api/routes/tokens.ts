import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { createAccessToken, listAccessTokens, revokeAccessToken } from '../../identity/access-tokens.ts';
import { asUser } from '../../identity/actor.ts';
import type { AppEnv } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { requirePrincipal } from '../middleware/authenticate.ts';
import { AccessTokenOut, SIGNED_IN, accessTokenOut } from '../schemas.ts';

const security = SIGNED_IN;

const CreateTokenIn = z
  .object({
    name: z.string().min(1).max(100).openapi({ example: 'Claude Desktop' }),
    expiresInDays: z.number().int().min(1).max(3650).optional().openapi({ description: 'Omit for a token that does not expire.' }),
  })
  .openapi('CreateAccessTokenRequest');

const CreatedTokenOut = z
  .object({ token: z.string().openapi({ description: 'The secret. Shown this once: store it now.', example: 'sbp_…' }), accessToken: AccessTokenOut })
  .openapi('CreatedAccessToken');

const list = createRoute({
  method: 'get',
  path: '/me/tokens',
  tags: ['tokens'],
  summary: 'Your personal access tokens (never their secrets)',
  security,
  responses: { 200: { description: 'Tokens', content: { 'application/json': { schema: z.object({ tokens: z.array(AccessTokenOut) }) } } }, ...errorResponses(401) },
});

const create = createRoute({
  method: 'post',
  path: '/me/tokens',
  tags: ['tokens'],
  summary: 'Create a personal access token; the secret is in this response only',
  security,
  request: { body: { required: true, content: { 'application/json': { schema: CreateTokenIn } } } },
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: CreatedTokenOut } } }, ...errorResponses(400, 401, 403) },
});

const revoke = createRoute({
  method: 'delete',
  path: '/me/tokens/{id}',
  tags: ['tokens'],
  summary: 'Revoke one of your tokens; it stops working at once',
  security,
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: { description: 'Revoked', content: { 'application/json': { schema: z.object({ accessToken: AccessTokenOut }) } } }, ...errorResponses(401, 403, 404) },
});

export function tokenRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(list, async (c) => {
    const principal = requirePrincipal(c);
    const tokens = await listAccessTokens(c.get('services').database.db, principal.userId);
    return c.json({ tokens: tokens.map(accessTokenOut) }, 200);
  });

  app.openapi(create, async (c) => {
    const principal = requirePrincipal(c);
    const body = c.req.valid('json');
    const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
    const created = await createAccessToken(c.get('services').database.db, { userId: principal.userId, name: body.name, source: 'user', expiresAt });
    c.get('log').info({ tokenId: created.token.id }, 'access token created');
    return c.json({ token: created.secret, accessToken: accessTokenOut(created.token) }, 201);
  });

  app.openapi(revoke, async (c) => {
    const principal = requirePrincipal(c);
    const token = await revokeAccessToken(c.get('services').database.db, asUser(principal.userId), c.req.valid('param').id);
    c.get('services').credentialsRevoked?.();
    c.get('log').info({ tokenId: token.id }, 'access token revoked');
    return c.json({ accessToken: accessTokenOut(token) }, 200);
  });
}
