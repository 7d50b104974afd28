import { createHmac, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../observability/logger.ts';
import { distinctFailures } from '../observability/distinct-failures.ts';
import type { InProcessPolicyChangeBus, PolicyChange, PolicyChangeBus } from '../policy/changes.ts';

/**
 * What one node tells every node (docs/operating.md#several-nodes): policy, enablement and connection changes
 * (each node drops what it keeps in memory and tells its MCP clients to list again), revoked credentials (each
 * node forgets the tokens it accepted recently), and change notices that came from a connector to the node that
 * holds its session (the person's clients may be connected to another node).
 *
 * `resync` is never sent: a node delivers it to itself after its Redis subscription came back, since notices
 * published meanwhile are lost; whoever caches anything drops all of it.
 */
export type ClusterEvent =
  | { type: 'change'; change: PolicyChange }
  | { type: 'revoked' }
  | { type: 'list-changed'; kind: 'tools' | 'resources' | 'prompts'; userId?: string | undefined }
  | { type: 'resource-updated'; userId: string; uri: string }
  | { type: 'resync' };

export type ClusterListener = (event: ClusterEvent) => void;

export interface ClusterBus {
  /** Delivers to this node's listeners at once (synchronously), then to every other node. Never rejects. */
  publish(event: ClusterEvent): Promise<void>;
  subscribe(listener: ClusterListener): () => void;
  close(): Promise<void>;
}

/** One node: delivery in this process only. */
export class LocalClusterBus implements ClusterBus {
  readonly #listeners = new Set<ClusterListener>();
  readonly #log: Logger | undefined;

  constructor(log?: Logger) {
    this.#log = log;
  }

  async publish(event: ClusterEvent): Promise<void> {
    this.deliver(event);
  }

  /** To this node's listeners only; one that throws does not stop the others. */
  deliver(event: ClusterEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.#log?.warn({ err, event: event.type }, 'a cluster event listener failed');
      }
    }
  }

  subscribe(listener: ClusterListener): () => void {
    const entry: ClusterListener = (event) => listener(event);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}

const changeSchema = z.object({
  kind: z.enum(['policy', 'enablement', 'connection']),
  orgId: z.string().nullable(),
  connector: z.string(),
  userId: z.string().optional(),
});

const envelopeSchema = z.object({
  from: z.string(),
  event: z.discriminatedUnion('type', [
    z.object({ type: z.literal('change'), change: changeSchema }),
    z.object({ type: z.literal('revoked') }),
    z.object({ type: z.literal('list-changed'), kind: z.enum(['tools', 'resources', 'prompts']), userId: z.string().optional() }),
    z.object({ type: z.literal('resource-updated'), userId: z.string(), uri: z.string() }),
  ]),
});

/**
 * The channel of one deployment: named after its secret key (hashed), which every node of it shares, so that two
 * deployments on one Redis never hear each other.
 */
export const clusterChannel = (secretKey: Buffer): string => `sb:cluster:v1:${createHmac('sha256', secretKey).update('switchboard cluster channel').digest('hex').slice(0, 16)}`;

/**
 * Every node over Redis pub/sub. Pub/sub delivers to whoever listens now and keeps nothing, which is what change
 * notices need: a node that was away drops its caches on return (`resync`) instead of replaying what it missed.
 */
export class RedisClusterBus implements ClusterBus {
  readonly #local: LocalClusterBus;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #log: Logger;
  readonly #node = randomUUID();
  readonly #channel: string;
  #everReady = false;
  readonly #publishFailures: ReturnType<typeof distinctFailures>;

  private constructor(redis: Redis, subscriber: Redis, log: Logger, channel: string) {
    this.#channel = channel;
    this.#local = new LocalClusterBus(log);
    this.#redis = redis;
    this.#subscriber = subscriber;
    this.#log = log;
    // The change itself is stored; other nodes see it when their caches expire (seconds) or they resync.
    this.#publishFailures = distinctFailures((err) => log.warn({ err: err.message }, 'could not tell the other nodes about a change; they apply it when their caches expire'));
  }

  /** Subscribes before it resolves, so no notice published after start-up is missed. */
  static async connect(redis: Redis, log: Logger, channel: string): Promise<RedisClusterBus> {
    const subscriber = redis.duplicate({ lazyConnect: true });
    const bus = new RedisClusterBus(redis, subscriber, log, channel);
    const failures = distinctFailures((err) => log.warn({ err: err.message }, 'Redis connection problem (cluster notices)'));
    subscriber.on('error', failures.report);
    subscriber.on('ready', () => {
      failures.reset();
      // ioredis subscribes again by itself; what was published while we were away is gone.
      if (bus.#everReady) {
        log.info('cluster notices: back on Redis; dropping what this node kept in memory');
        bus.#local.deliver({ type: 'resync' });
      }
      bus.#everReady = true;
    });
    subscriber.on('message', (_channel: string, message: string) => bus.#receive(message));
    await subscriber.connect();
    await subscriber.subscribe(channel);
    return bus;
  }

  async publish(event: ClusterEvent): Promise<void> {
    this.#local.deliver(event);
    if (event.type === 'resync') return;
    try {
      await this.#redis.publish(this.#channel, JSON.stringify({ from: this.#node, event }));
      this.#publishFailures.reset();
    } catch (err) {
      this.#publishFailures.report(err as Error);
    }
  }

  subscribe(listener: ClusterListener): () => void {
    return this.#local.subscribe(listener);
  }

  #receive(message: string): void {
    let envelope: z.infer<typeof envelopeSchema>;
    try {
      envelope = envelopeSchema.parse(JSON.parse(message));
    } catch {
      this.#log.warn({ bytes: message.length }, 'ignored a malformed cluster notice on Redis');
      return;
    }
    if (envelope.from === this.#node) return;
    this.#local.deliver(envelope.event as ClusterEvent);
  }

  async close(): Promise<void> {
    await this.#local.close();
    await this.#subscriber.quit().catch(() => this.#subscriber.disconnect());
  }
}

/**
 * The policy module's change bus over the cluster: a change published on any node reaches this node's
 * subscribers (through `local`) on every node.
 */
export function policyChangesOver(cluster: ClusterBus, local: InProcessPolicyChangeBus): PolicyChangeBus & { detach(): void } {
  const detach = cluster.subscribe((event) => {
    if (event.type === 'change') void local.publish(event.change);
  });
  return {
    publish: (change) => cluster.publish({ type: 'change', change }),
    subscribe: (listener) => local.subscribe(listener),
    detach,
  };
}
