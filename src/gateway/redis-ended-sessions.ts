import type { Redis } from 'ioredis';
import { sha256Hex } from '../shared/crypto.ts';
import type { EndedSessions } from './legacy-sessions.ts';

/** Ended 2025 sessions, seen by every node: one key per session (its id hashed), gone when the id expires anyway. */
export class RedisEndedSessions implements EndedSessions {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'sb:mcp-ended:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async mark(id: string, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#prefix + sha256Hex(id), '1', 'PX', ttlMs);
  }

  async has(id: string): Promise<boolean> {
    return (await this.#redis.exists(this.#prefix + sha256Hex(id))) === 1;
  }
}
