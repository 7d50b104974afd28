import { API_CASES, PROTECTED } from './fuzz-api.ts';
import { MCP_CASES } from './fuzz-mcp.ts';
import { envelope, json, LEGACY, mcpHeaders, MODERN, post, type CorpusContext, type FuzzCase } from './fuzz-parts.ts';
import type { Rng } from './helpers.ts';

export type { CorpusContext, FuzzCase } from './fuzz-parts.ts';

/**
 * The fuzz corpus: malformed JSON-RPC for `/mcp` (fuzz-mcp.ts) and malformed HTTP for `/api/v1` (fuzz-api.ts),
 * generated one case at a time from a seeded PRNG (the same seed gives the same cases, and nothing is held in memory
 * between them). Each case carries what a correct server must answer (fuzz-parts.ts, `Expectation`).
 */

function weighted<T extends { weight: number }>(rng: Rng, table: Record<string, T>): [string, T] {
  const entries = Object.entries(table);
  let roll = rng.next() * entries.reduce((s, [, e]) => s + e.weight, 0);
  for (const entry of entries) {
    roll -= entry[1].weight;
    if (roll < 0) return entry;
  }
  return entries.at(-1)!;
}

/** Bearer values that are not tokens, for the unauthenticated share of /mcp requests. */
function badAuthorization(rng: Rng, ctx: CorpusContext): Array<[string, string]> {
  const valid = rng.pick(ctx.tokens);
  const value = rng.pick<string | undefined>([undefined, 'Bearer', 'Bearer ', `Bearer sbp_${rng.bytes(30).toString('base64url')}`, `Bearer ${rng.bytes(30).toString('base64url')}`, 'Basic dXNlcjpwYXNz', `Bearer ${'x'.repeat(rng.int(201, 9000))}`, `Bearer ${valid}x`, `Bearer ${valid.slice(0, -1)}`, `bearer  ${valid} extra`, 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.', `Token ${valid}`, `Bearer\u0009`]);
  return value === undefined ? [] : [['authorization', value]];
}

/** The `n`th case of the corpus: most are authenticated (to get past the bearer check), some are not. */
export function fuzzCase(rng: Rng, ctx: CorpusContext): FuzzCase {
  const authenticated = rng.chance(0.85);
  if (rng.chance(0.6)) {
    const era = rng.chance(0.5) ? MODERN : LEGACY;
    const [category, generator] = weighted(rng, MCP_CASES);
    const token = authenticated ? rng.pick(ctx.tokens) : undefined;
    const made = generator.make(rng, ctx, era, token);
    if (!authenticated) {
      // Without a valid token, the only answer is the challenge (unless the request never reached /mcp).
      const request = { ...made.request, headers: [...made.request.headers.filter(([n]) => n !== 'authorization'), ...badAuthorization(rng, ctx)] };
      // (A foreign Host or Origin is refused before the bearer check, with 403.)
      const reachesMcp = request.path.split('?')[0] === '/mcp' && !request.headers.some(([n]) => n === 'host' || n === 'origin');
      return { target: 'mcp', category: `${category} (no token)`, request, expect: reachesMcp ? 'unauthorized' : 'error' };
    }
    return { target: 'mcp', category, ...made };
  }
  const [category, generator] = weighted(rng, API_CASES);
  const auth: Array<[string, string]> = authenticated ? [['authorization', `Bearer ${rng.pick(ctx.tokens)}`]] : badAuthorization(rng, ctx);
  const made = generator.make(rng, ctx, auth);
  const path = made.request.path.split('?')[0]!.replace(/^\/api\/v1/, '');
  const unauthorized = !authenticated && category !== 'raw-dot-segments' && PROTECTED.test(path);
  return { target: 'api', category: authenticated ? category : `${category} (no token)`, request: made.request, expect: unauthorized ? 'error' : made.expect };
}

/** A few bodies over the 4 MiB limit of /mcp (and the 1 MiB of /api/v1), with and without Content-Length. */
export function oversizedCases(ctx: CorpusContext): FuzzCase[] {
  const token = ctx.tokens[0]!;
  const big = (size: number) => Buffer.from(JSON.stringify(envelope(MODERN, 'tools/call', { name: ctx.tool, arguments: { text: 'x'.repeat(size) } })));
  return [
    { target: 'mcp', category: 'oversized', request: post(mcpHeaders(MODERN, token, 'tools/call', ctx.tool), big(4.5 * 1024 * 1024)), expect: 'error' },
    { target: 'mcp', category: 'oversized', request: { ...post(mcpHeaders(LEGACY, token, 'tools/call'), big(5 * 1024 * 1024)), chunked: true }, expect: 'error' },
    { target: 'mcp', category: 'oversized', request: post(mcpHeaders(LEGACY, undefined, 'tools/call'), big(6 * 1024 * 1024)), expect: 'unauthorized' },
    { target: 'api', category: 'oversized', request: { method: 'POST', path: '/api/v1/me/tokens', headers: [['authorization', `Bearer ${token}`], ['content-type', 'application/json']], body: big(4.5 * 1024 * 1024) }, expect: 'error' },
    { target: 'api', category: 'oversized', request: { method: 'POST', path: '/api/v1/chat/conversations', headers: [['authorization', `Bearer ${token}`], ['content-type', 'application/json']], body: big(2 * 1024 * 1024), chunked: true }, expect: 'error' },
  ];
}
