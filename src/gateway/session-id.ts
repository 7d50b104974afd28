import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * A 2025-11-25 session id that carries the session itself (docs/operating.md#several-nodes): what the client said
 * in `initialize` (protocol version, capabilities, name), sealed with AES-256-GCM under a key derived from
 * SWITCHBOARD_SECRET_KEY. Any node with the same key can rebuild the session when a request lands on it, so no
 * load-balancer affinity and no shared session store are needed. It is encrypted, not just signed, because it names
 * the person; it is bound to them (a node rebuilds it only for the person it was issued to).
 */
export interface SessionSeed {
  userId: string;
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string; title?: string | undefined };
  /** Milliseconds since the epoch. */
  issuedAt: number;
}

const seedSchema = z.object({
  u: z.string().min(1),
  p: z.string().min(1).max(40),
  c: z.record(z.string(), z.unknown()),
  i: z.object({ name: z.string(), version: z.string(), title: z.string().optional() }),
  t: z.number().int().positive(),
});

const PREFIX = 's1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Client names and capabilities are the client's to choose: past this the id would be an unwieldy header. */
const MAX_PLAINTEXT = 2048;

export interface SessionIdCodec {
  seal(seed: SessionSeed): string;
  /** The seed, or undefined for anything this key did not seal (another key, tampered, not ours at all). */
  open(id: string): SessionSeed | undefined;
}

export function sessionIdCodec(secretKey: Buffer): SessionIdCodec {
  const key = createHmac('sha256', secretKey).update('switchboard mcp session id v1').digest();
  return {
    seal(seed) {
      const clientInfo = { name: seed.clientInfo.name.slice(0, 200), version: seed.clientInfo.version.slice(0, 100), ...(seed.clientInfo.title ? { title: seed.clientInfo.title.slice(0, 200) } : {}) };
      let plain = JSON.stringify({ u: seed.userId, p: seed.protocolVersion, c: seed.capabilities, i: clientInfo, t: seed.issuedAt });
      // Capabilities carry extension payloads we never read back: keep the ones the gateway acts on.
      if (plain.length > MAX_PLAINTEXT) plain = JSON.stringify({ u: seed.userId, p: seed.protocolVersion, c: essentialCapabilities(seed.capabilities), i: { name: clientInfo.name.slice(0, 60), version: clientInfo.version.slice(0, 30) }, t: seed.issuedAt });
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url');
    },
    open(id) {
      if (!id.startsWith(PREFIX) || id.length > 4096) return undefined;
      const raw = Buffer.from(id.slice(PREFIX.length), 'base64url');
      if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
        const s = seedSchema.parse(JSON.parse(plain));
        return { userId: s.u, protocolVersion: s.p, capabilities: s.c, clientInfo: s.i, issuedAt: s.t };
      } catch {
        return undefined;
      }
    },
  };
}

function essentialCapabilities(capabilities: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const name of ['elicitation', 'sampling', 'roots']) if (capabilities[name] !== undefined) kept[name] = capabilities[name];
  return JSON.stringify(kept).length > 1024 ? {} : kept;
}
