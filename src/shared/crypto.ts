import { createHash, randomBytes, randomFillSync, randomUUID, timingSafeEqual } from 'node:crypto';

export const newId = (): string => randomUUID();

/** URL-safe random text carrying `bytes` bytes of entropy. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

const REFERENCE_BYTES = 9;
const pool = Buffer.alloc(REFERENCE_BYTES * 512);
let used = pool.length;

/**
 * A request's reference id (`req_` and 12 random characters): what a person quotes and the log is searched for.
 * Drawn from a pool of random bytes refilled 512 references at a time, because every request takes one and a
 * `randomBytes` call per request showed in the gateway's profile.
 */
export function requestReference(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += REFERENCE_BYTES;
  return `req_${pool.toString('base64url', used - REFERENCE_BYTES, used)}`;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
