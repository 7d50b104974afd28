import { createECDH, createHash, hkdfSync } from 'node:crypto';

/**
 * Key material of the authorization server, derived from SWITCHBOARD_SECRET_KEY with HKDF (a label per use,
 * distinct from the vault's key-encryption key). Every node already has that key, so every node derives the
 * same keys with no shared state, no start-up race and nothing more to back up or re-encrypt.
 */

const derive = (secretKey: Buffer, label: string, length = 32): Buffer =>
  Buffer.from(hkdfSync('sha256', secretKey, Buffer.from('switchboard'), Buffer.from(label), length));

/** Keys that sign oidc-provider's cookies (interaction, resume, session). */
export function deriveCookieKeys(secretKey: Buffer): string[] {
  return [derive(secretKey, 'mcp-auth cookie key v1').toString('base64url')];
}

export interface SigningJwk {
  kty: 'EC';
  crv: 'P-256';
  d: string;
  x: string;
  y: string;
  use: 'sig';
  alg: 'ES256';
  kid: string;
}

/**
 * The ES256 key that signs ID tokens (only issued when a client asks for `openid`; access and refresh tokens
 * are opaque and live in the database). The private scalar comes from HKDF; a value outside the curve order
 * (probability about 2^-32) moves on to the next counter.
 */
export function deriveSigningKey(secretKey: Buffer): SigningJwk {
  for (let counter = 0; counter < 16; counter++) {
    const d = derive(secretKey, `mcp-auth signing key v1 #${counter}`);
    const ecdh = createECDH('prime256v1');
    try {
      ecdh.setPrivateKey(d);
    } catch {
      continue;
    }
    const point = ecdh.getPublicKey();
    const x = point.subarray(1, 33).toString('base64url');
    const y = point.subarray(33, 65).toString('base64url');
    const kid = createHash('sha256').update(`${x}.${y}`).digest('base64url').slice(0, 16);
    return { kty: 'EC', crv: 'P-256', d: d.toString('base64url'), x, y, use: 'sig', alg: 'ES256', kid };
  }
  throw new Error('could not derive a P-256 signing key');
}
