import { GARBAGE_VALUES, nested, percentEncode, uuid, type CorpusContext, type Generated } from './fuzz-parts.ts';
import type { Rng } from './helpers.ts';

/** Malformed HTTP for `/api/v1`: query strings, JSON bodies, methods, paths (see fuzz-corpus.ts). */

const GARBAGE_STRINGS = ['', ' ', '\u0000', '\\', '"', "'", '%', '%00', '%ff', '../../../../etc/passwd', '..\\..\\windows\\win.ini', '${jndi:ldap://x}', '{{7*7}}', '<script>alert(1)</script>', "' OR 1=1 --", '\u202e\u0000\ud800', 'é'.repeat(50), '__proto__', 'constructor', 'a'.repeat(300)];
const TRAVERSALS = ['..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '..%252f..%252fetc%252fpasswd', '....%2F%2F....%2F%2Fetc', '%c0%ae%c0%ae%c0%af', '..%5c..%5cwindows', '%00', '.', '..', '%2e%2e', 'x%00.json', '%ff%fe'];

const GET_ROUTES = [
  '/connectors', '/connectors/{connector}', '/orgs/{org}', '/orgs/{org}/members', '/orgs/{org}/audit', '/orgs/{org}/audit/export', '/orgs/{org}/connectors',
  '/orgs/{org}/connectors/{connector}/policy', '/orgs/{org}/connectors/{connector}/decisions', '/orgs/{org}/connectors/{connector}/ui', '/orgs/{org}/egress', '/orgs/{org}/domains',
  '/orgs/{org}/enterprise', '/orgs/{org}/tool-access', '/me', '/me/tokens', '/me/clients', '/me/mcp-endpoint', '/me/tool-access', '/me/connectors/{connector}/policy', '/connections',
  '/chat/status', '/chat/conversations', '/auth/providers', '/openapi.json',
];

/** Query parameters a route validates, with values it must refuse. */
const REFUSED_QUERIES: Record<string, string[]> = {
  '/connectors': ['limit=abc', 'limit=-1', 'limit=100000', 'offset=-5', 'offset=x', 'category=%00', `q=${'q'.repeat(201)}`, 'limit=1e999'],
  '/orgs/{org}/audit': ['limit=abc', 'limit=0', 'user=not-a-uuid', 'kind=nope', 'outcome=maybe', 'cursor=', `cursor=${'c'.repeat(101)}`, 'from=2025-13-45'],
};

const QUERY_GARBAGE = ['%ff%fe=%c0%af', 'a[b][c]=1', '__proto__[admin]=1', 'constructor[prototype][admin]=1', 'limit=1&limit=2', 'x=' + '%41'.repeat(2000), '=&=&&', '%', '%%%', 'q=%E0%A4%A', 'returnTo=//evil.example', 'uri=../../etc/passwd', 'tools=garbage', 'org=%00'];

/** Routes that take a JSON body, with the methods they answer. `{id}` is a conversation id, `{user}` a user id. */
const BODY_ROUTES: Array<[string, string]> = [
  ['POST', '/me/tokens'], ['POST', '/orgs'], ['PATCH', '/orgs/{org}'], ['POST', '/orgs/{org}/members'], ['PATCH', '/orgs/{org}/members/{user}'],
  ['POST', '/orgs/{org}/transfer-ownership'], ['PUT', '/me/tool-access'], ['PUT', '/orgs/{org}/tool-access'], ['PUT', '/orgs/{org}/connectors/{connector}/policy'],
  ['PUT', '/me/connectors/{connector}/policy'], ['PUT', '/orgs/{org}/connectors/{connector}/ui'], ['PUT', '/orgs/{org}/egress'], ['POST', '/orgs/{org}/domains'],
  ['PUT', '/orgs/{org}/enterprise'], ['POST', '/connectors'], ['POST', '/connectors/import'], ['POST', '/connections/{connector}'], ['POST', '/chat/conversations'],
  ['PATCH', '/chat/conversations/{id}'], ['PUT', '/chat/conversations/{id}/settings'], ['POST', '/chat/app-tool-call'], ['POST', '/auth/login'],
];

/**
 * Bodies no route accepts (not JSON, or JSON of the wrong shape for every route above), and one that lax schemas
 * may take: an object whose only members are `__proto__` and `constructor` (then checked not to have polluted
 * Object.prototype).
 */
function badBody(rng: Rng): { body: Buffer; mayPass: boolean } {
  if (rng.chance(0.05)) return { body: Buffer.from('{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}'), mayPass: true };
  const choice = rng.int(0, 13);
  const text = [
    () => '{',
    () => '{"a":1,}',
    () => "{'name':'x'}",
    () => rng.bytes(rng.int(1, 300)).toString('latin1'),
    () => '',
    () => 'null',
    () => '[]',
    () => '"string"',
    () => '42',
    () => JSON.stringify({ name: rng.pick(GARBAGE_VALUES.filter((v) => typeof v !== 'string')), slug: 1, email: [], role: {}, allow: 'x', enabled: 'yes', mode: 7, title: {}, headers: 'x', domain: 9, restrictVerifiedDomains: 'no', toolCallId: null, connector: 1, tool: [], userId: 5, url: 3, serverJson: 'x', password: 1 }),
    () => nested(rng.pick([1_000, 10_000, 100_000]), 'array'),
    () => `{"x":"${'y'.repeat(rng.int(10_000, 900_000))}"`,
    () => Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"')]).toString('latin1'),
    () => '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}',
  ][choice]!();
  // The last one misses its closing brace on purpose, like the huge one: every body here is invalid.
  return { body: Buffer.from(text, 'latin1'), mayPass: false };
}

function fill(route: string, rng: Rng, ctx: CorpusContext, traversal: boolean): string {
  const garbage = () => (traversal ? rng.pick(TRAVERSALS) : percentEncode(rng.pick(GARBAGE_STRINGS)) || 'x');
  return route
    .replace('{org}', rng.chance(0.7) && !traversal ? ctx.org : garbage())
    .replace('{connector}', rng.chance(0.7) && !traversal ? ctx.connector : garbage())
    .replace('{id}', rng.chance(0.5) ? uuid(rng) : garbage())
    .replace('{user}', rng.chance(0.5) ? uuid(rng) : garbage());
}

export const PROTECTED = /^\/(me|orgs|connectors|connections|chat)(\/|$)/;

type ApiGenerator = (rng: Rng, ctx: CorpusContext, auth: Array<[string, string]>) => Generated;

export const API_CASES: Record<string, { weight: number; make: ApiGenerator }> = {
  'query-garbage': {
    weight: 10,
    make: (rng, ctx, auth) => {
      const route = rng.pick(GET_ROUTES);
      const refused = REFUSED_QUERIES[route];
      const strict = refused !== undefined && rng.chance(0.6);
      const query = strict ? rng.pick(refused) : rng.pick(QUERY_GARBAGE);
      // Unknown parameters are ignored (an answer of either kind); known ones with bad values are refused.
      const path = `/api/v1${fill(route, rng, ctx, false)}?${query}`;
      return { request: { method: 'GET', path, headers: [...auth, ['accept', 'application/json']] }, expect: strict ? 'error' : 'any' };
    },
  },
  'bad-body': {
    weight: 14,
    make: (rng, ctx, auth) => {
      const [method, route] = rng.pick(BODY_ROUTES);
      const { body, mayPass } = badBody(rng);
      const contentType = rng.pick(['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', undefined, 'application/x-www-form-urlencoded']);
      const headers: Array<[string, string]> = [...auth, ...(contentType ? ([['content-type', contentType]] as Array<[string, string]>) : [])];
      // A JSON content type with a body no schema accepts is always refused; other content types may be read as "no body".
      return { request: { method, path: `/api/v1${fill(route, rng, ctx, false)}`, headers, body }, expect: contentType?.startsWith('application/json') && !mayPass ? 'error' : 'any' };
    },
  },
  'wrong-method': {
    weight: 4,
    make: (rng, _ctx, auth) => {
      const [method, path] = rng.pick<[string, string]>([['PUT', '/me'], ['DELETE', '/connectors'], ['PATCH', '/me/tokens'], ['POST', '/me'], ['PUT', '/connections'], ['TRACE', '/me'], ['DELETE', '/chat/status'], ['PATCH', '/auth/login'], ['POST', '/openapi.json'], ['OPTIONS', '/me'], ['PUT', '/auth/providers']]);
      return { request: { method, path: `/api/v1${path}`, headers: [...auth, ['content-type', 'application/json']], ...(method === 'TRACE' ? {} : { body: Buffer.from('{}') }) }, expect: 'error' };
    },
  },
  traversal: {
    weight: 6,
    make: (rng, ctx, auth) => {
      const [method, route] = rng.pick<[string, string]>([['GET', '/connectors/{connector}'], ['GET', '/orgs/{org}'], ['DELETE', '/me/tokens/{user}'], ['DELETE', '/me/clients/{connector}'], ['GET', '/chat/conversations/{id}'], ['DELETE', '/connections/{connector}'], ['GET', '/orgs/{org}/members'], ['GET', '/me/connectors/{connector}/policy'], ['GET', '/orgs/{org}/connectors/{connector}/policy']]);
      return { request: { method, path: `/api/v1${fill(route, rng, ctx, true)}`, headers: [...auth, ['accept', 'application/json']] }, expect: 'error' };
    },
  },
  'raw-dot-segments': {
    weight: 2,
    make: (rng, _ctx, auth) => {
      // The URL parser resolves these before routing: whatever route they land on answers, but never with a file.
      const path = rng.pick(['/api/v1/../../../../etc/passwd', '/api/v1/connectors/../../../../../etc/passwd', '/api/v1/./me/../me', '/api/v1/%2e%2e/%2e%2e/etc/passwd', '/api/v1//me', '/api/v1/me/..%2f..%2f..%2fpackage.json', '/api/v1/../../src/server/start.ts']);
      return { request: { method: 'GET', path, headers: [...auth, ['accept', 'application/json']] }, expect: 'any' };
    },
  },
  'bad-credentials': {
    weight: 3,
    make: (rng) => {
      const headers: Array<[string, string]> = rng.pick<Array<[string, string]>>([
        [['cookie', 'sb_session=garbage']],
        [['cookie', `sb_session=${'a'.repeat(64)}; sb_csrf=x`]],
        [['authorization', 'Bearer sbp_' + 'x'.repeat(40)]],
        [['authorization', 'Bearer']],
        [['authorization', 'Basic dXNlcjpwYXNz']],
        [['authorization', 'Bearer a'], ['authorization', 'Bearer b']],
      ]);
      const route = rng.pick(['/me', '/me/tokens', '/connections', '/chat/conversations']);
      return { request: { method: rng.pick(['GET', 'POST']), path: `/api/v1${route}`, headers: [...headers, ['content-type', 'application/json']], body: Buffer.from('{}') }, expect: 'error' };
    },
  },
};
