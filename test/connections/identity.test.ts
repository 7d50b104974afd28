import { describe, expect, it } from 'vitest';
import type { FetchLike } from '@modelcontextprotocol/client';
import { connectedIdentity, withIdentityScopes } from '../../src/connections/identity.ts';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'ES256' })}.${b64(claims)}.c2ln`;
const ISSUER = 'https://as.example';
const CLIENT = 'client-1';
const good = { iss: ISSUER, aud: CLIENT, sub: 's1', exp: Math.floor(Date.now() / 1000) + 600, email: 'alice@bigcorp.example' };
const noFetch: FetchLike = async () => {
  throw new Error('userinfo must not be asked');
};
const userinfo =
  (status: number, body: unknown): FetchLike =>
  async () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const ctx = (fetch: FetchLike, userinfoEndpoint?: string) => ({ issuer: ISSUER, clientId: CLIENT, userinfoEndpoint, fetch });

describe('the identity a connector reveals', () => {
  it('the email of an ID token for us from this issuer', async () => {
    expect(await connectedIdentity({ access_token: 'a', token_type: 'Bearer', id_token: jwt(good) }, ctx(noFetch))).toEqual({ email: good.email, source: 'id_token' });
    expect(await connectedIdentity({ access_token: 'a', token_type: 'Bearer', id_token: jwt({ ...good, aud: [CLIENT, 'x'] }) }, ctx(noFetch))).toMatchObject({ source: 'id_token' });
  });

  it('ignores an ID token from another issuer, for another client, or long expired', async () => {
    for (const bad of [{ ...good, iss: 'https://evil.example' }, { ...good, aud: 'other' }, { ...good, exp: 1000 }]) {
      expect(await connectedIdentity({ access_token: 'a', token_type: 'Bearer', id_token: jwt(bad) }, ctx(noFetch))).toBeUndefined();
    }
  });

  it('falls back to userinfo, for the same subject only', async () => {
    const noEmail = jwt({ ...good, email: undefined });
    expect(await connectedIdentity({ access_token: 'a', token_type: 'Bearer', id_token: noEmail }, ctx(userinfo(200, { sub: 's1', email: 'bob@x.example' }), 'https://as.example/me'))).toEqual({ email: 'bob@x.example', source: 'userinfo' });
    expect(await connectedIdentity({ access_token: 'a', token_type: 'Bearer', id_token: noEmail }, ctx(userinfo(200, { sub: 'other', email: 'bob@x.example' }), 'https://as.example/me'))).toBeUndefined();
    expect(await connectedIdentity({ access_token: 'a', token_type: 'Bearer' }, ctx(userinfo(200, { sub: 'z', email: 'bob@x.example' }), 'https://as.example/me'))).toMatchObject({ source: 'userinfo' });
  });

  it('no identity: no ID token and no userinfo, or userinfo refusing a resource-bound token', async () => {
    expect(await connectedIdentity({ access_token: 'a', token_type: 'Bearer' }, ctx(noFetch))).toBeUndefined();
    expect(await connectedIdentity({ access_token: 'a', token_type: 'Bearer' }, ctx(userinfo(401, { error: 'invalid_token' }), 'https://as.example/me'))).toBeUndefined();
    const failing: FetchLike = async () => {
      throw new Error('connection refused');
    };
    expect(await connectedIdentity({ access_token: 'a', token_type: 'Bearer' }, ctx(failing, 'https://as.example/me'))).toBeUndefined();
  });
});

describe('the scope Switchboard asks for', () => {
  it('adds openid and email when the authorization server offers them', () => {
    expect(withIdentityScopes('tracker.read', ['openid', 'email', 'tracker.read'])).toBe('tracker.read openid email');
    expect(withIdentityScopes('tracker.read openid', ['openid', 'email'])).toBe('tracker.read openid email');
    expect(withIdentityScopes('tracker.read', ['tracker.read'])).toBe('tracker.read');
    expect(withIdentityScopes('tracker.read', ['email'])).toBe('tracker.read');
    expect(withIdentityScopes('tracker.read', undefined)).toBe('tracker.read');
    expect(withIdentityScopes(undefined, ['openid', 'email'])).toBeUndefined();
  });
});
