import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { InProcessPolicyChangeBus, type PolicyChange } from '../../src/policy/changes.ts';
import { clusterChannel, LocalClusterBus, policyChangesOver, RedisClusterBus, type ClusterEvent } from '../../src/shared/cluster-bus.ts';
import { LogCapture } from '../helpers/app.ts';
import { needs } from '../helpers/services.ts';

const redisNeeded = needs('REDIS_URL');
const change: PolicyChange = { kind: 'policy', orgId: 'org-1', connector: 'beta' };

describe('the local cluster bus (one node)', () => {
  it('delivers at once to every listener, and one that throws does not stop the others', async () => {
    const bus = new LocalClusterBus();
    const seen: ClusterEvent[] = [];
    bus.subscribe(() => {
      throw new Error('broken listener');
    });
    bus.subscribe((e) => seen.push(e));
    void bus.publish({ type: 'revoked' });
    expect(seen).toEqual([{ type: 'revoked' }]);
  });
});

describe.skipIf(redisNeeded.skip)(`the Redis cluster bus ${redisNeeded.reason}`, () => {
  const key = randomBytes(32);
  let redis: Redis;
  let nodes: RedisClusterBus[];
  let logs: LogCapture;
  beforeAll(async () => {
    redis = new Redis(process.env.REDIS_URL!);
    logs = new LogCapture();
    const log = createLogger('debug', logs);
    nodes = await Promise.all([0, 1].map(() => RedisClusterBus.connect(redis, log, clusterChannel(key))));
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await redis?.quit();
  });

  it("delivers a node's event to itself at once and to the other node through Redis, once each", async () => {
    const [a, b] = nodes as [RedisClusterBus, RedisClusterBus];
    const onA: ClusterEvent[] = [];
    const onB: ClusterEvent[] = [];
    a.subscribe((e) => onA.push(e));
    b.subscribe((e) => onB.push(e));
    await a.publish({ type: 'change', change });
    expect(onA).toEqual([{ type: 'change', change }]);
    await expect.poll(() => onB).toEqual([{ type: 'change', change }]);
    await b.publish({ type: 'list-changed', kind: 'tools', userId: 'u-1' });
    await expect.poll(() => onA.length).toBe(2);
    expect(onA[1]).toEqual({ type: 'list-changed', kind: 'tools', userId: 'u-1' });
    // Nothing echoed back to its sender.
    await new Promise((r) => setTimeout(r, 100));
    expect(onA).toHaveLength(2);
    expect(onB).toHaveLength(2);
  });

  it('ignores a malformed message on the channel (with a warning) and a deployment with another key', async () => {
    const [a] = nodes as [RedisClusterBus];
    const seen: ClusterEvent[] = [];
    a.subscribe((e) => seen.push(e));
    await redis.publish(clusterChannel(key), '{"from":"x","event":{"type":"drop-everything"}}');
    const other = await RedisClusterBus.connect(redis, createLogger('silent'), clusterChannel(randomBytes(32)));
    await other.publish({ type: 'revoked' });
    await other.close();
    await new Promise((r) => setTimeout(r, 150));
    expect(seen).toEqual([]);
    expect(logs.lines.some((l) => l.msg === 'ignored a malformed cluster notice on Redis')).toBe(true);
  });

  it("carries the policy module's changes: a change published on one node reaches the other node's subscribers", async () => {
    const [a, b] = nodes as [RedisClusterBus, RedisClusterBus];
    const overA = policyChangesOver(a, new InProcessPolicyChangeBus());
    const overB = policyChangesOver(b, new InProcessPolicyChangeBus());
    const seen: PolicyChange[] = [];
    overB.subscribe((c) => seen.push(c));
    await overA.publish({ ...change, userId: 'u-2', kind: 'connection' });
    await expect.poll(() => seen).toEqual([{ ...change, userId: 'u-2', kind: 'connection' }]);
    overA.detach();
    overB.detach();
  });
});
