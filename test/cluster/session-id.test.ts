import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sessionIdCodec, type SessionSeed } from '../../src/gateway/session-id.ts';

const seed: SessionSeed = {
  userId: '0b8a0f3c-5f7e-4f39-9d55-0e1f2a3b4c5d',
  protocolVersion: '2025-11-25',
  capabilities: { elicitation: { form: {} }, roots: { listChanged: true } },
  clientInfo: { name: 'claude-code', version: '2.1.0' },
  issuedAt: 1_764_000_000_000,
};

describe('sealed 2025 session ids', () => {
  const key = randomBytes(32);
  const codec = sessionIdCodec(key);

  it('carry what initialize said, readable by any node with the same key', () => {
    const id = codec.seal(seed);
    expect(sessionIdCodec(Buffer.from(key)).open(id)).toEqual(seed);
    // A header value: visible ASCII only (the spec's rule for Mcp-Session-Id), and not a long one.
    expect(id).toMatch(/^[\x21-\x7e]+$/);
    expect(id.length).toBeLessThan(400);
    // The person's id is not readable in it.
    expect(Buffer.from(id.slice(3), 'base64url').toString('latin1')).not.toContain(seed.userId);
  });

  it('differ each time, even for the same session data', () => {
    expect(codec.seal(seed)).not.toBe(codec.seal(seed));
  });

  it('refuse ids sealed with another key, tampered with, truncated, or not ours at all', () => {
    const id = codec.seal(seed);
    expect(sessionIdCodec(randomBytes(32)).open(id)).toBeUndefined();
    const raw = Buffer.from(id.slice(3), 'base64url');
    raw[20] = raw[20]! ^ 1;
    expect(codec.open(`s1.${raw.toString('base64url')}`)).toBeUndefined();
    expect(codec.open(id.slice(0, -4))).toBeUndefined();
    for (const other of ['', 's1.', 'not-a-session', crypto.randomUUID(), `s1.${'A'.repeat(5000)}`]) expect(codec.open(other)).toBeUndefined();
  });

  it('keep a bounded size when a client declares huge capabilities, keeping the ones the gateway acts on', () => {
    const big = { ...seed, capabilities: { elicitation: { form: {} }, experimental: { blob: 'x'.repeat(10_000) } }, clientInfo: { name: 'n'.repeat(500), version: '1' } };
    const id = codec.seal(big);
    expect(id.length).toBeLessThan(400);
    const opened = codec.open(id)!;
    expect(opened.capabilities).toEqual({ elicitation: { form: {} } });
    expect(opened.userId).toBe(seed.userId);
  });
});
