import type { RawRequest, Rng } from './helpers.ts';

/**
 * The pieces the fuzz corpus is made of (see fuzz-corpus.ts): what a case is, what a correct answer to it must be,
 * and the building blocks of well-formed requests that the generators of fuzz-mcp.ts and fuzz-api.ts then break.
 */

/**
 * Each case says what a correct server must do with it:
 * - `error`: refuse it (an error status, or a JSON-RPC error object);
 * - `tool-error`: a tools/call with bad arguments, refused as a JSON-RPC error or as a tool result with isError;
 * - `any`: a well-formed answer of either kind (the mutation may leave a valid request, e.g. a string id);
 * - `unauthorized`: exactly 401 with the OAuth challenge.
 */
export type Expectation = 'error' | 'tool-error' | 'any' | 'unauthorized';

export interface FuzzCase {
  target: 'mcp' | 'api';
  category: string;
  request: RawRequest;
  expect: Expectation;
}

export interface CorpusContext {
  /** Valid personal access tokens (an owner's and a member's). */
  tokens: readonly string[];
  /** The organization both belong to. */
  org: string;
  /** An enabled no-auth connector's tool, as /mcp names it, and its connector slug. */
  tool: string;
  connector: string;
}

export const MODERN = '2026-07-28';
export const LEGACY = '2025-11-25';

/** What a generator makes: the request, and what a correct server must answer to it. */
export interface Generated {
  request: RawRequest;
  expect: Expectation;
}

export const GARBAGE_VALUES: readonly unknown[] = [null, true, false, 0, -1, 1.5, 1e308, '', 'x', [], [1, 2], {}, { a: { b: { c: null } } }, '__proto__'];

/** A version-4-shaped UUID from the seeded PRNG (crypto.randomUUID would make the corpus differ run to run). */
export function uuid(rng: Rng): string {
  const hex = rng.bytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

export function meta(era: string): Record<string, unknown> {
  return era === MODERN ? { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientInfo': { name: 'fuzz', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } : {};
}

export function envelope(era: string, method: string, params: Record<string, unknown>, id: unknown = 1): Record<string, unknown> {
  const withMeta = era === MODERN ? { ...params, _meta: { ...meta(era), ...((params._meta as object | undefined) ?? {}) } } : params;
  return { jsonrpc: '2.0', id, method, params: withMeta };
}

/** Headers of a well-formed /mcp POST of one era, with this method (and tool name, for tools/call). */
export function mcpHeaders(era: string, token: string | undefined, method: string, name?: string): Array<[string, string]> {
  const headers: Array<[string, string]> = [
    ['content-type', 'application/json'],
    ['accept', 'application/json, text/event-stream'],
    ['mcp-protocol-version', era],
  ];
  if (era === MODERN) {
    headers.push(['mcp-method', method]);
    if (name !== undefined) headers.push(['mcp-name', name]);
  }
  if (token) headers.push(['authorization', `Bearer ${token}`]);
  return headers;
}

export const json = (value: unknown) => Buffer.from(JSON.stringify(value));
export const post = (headers: Array<[string, string]>, body: Buffer, path = '/mcp'): RawRequest => ({ method: 'POST', path, headers, body });

/** Every byte of the UTF-8 form, percent-encoded (encodeURIComponent throws on lone surrogates). */
export function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}
