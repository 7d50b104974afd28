import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStorage } from '../helpers/db.ts';
import { cli } from '../helpers/process.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

/** `switchboard connectors diagnose URL`: the operator's view of the connection diagnostic, with the config's egress allow-list. */
let env: Record<string, string | undefined>;
let drop: (() => Promise<void>) | undefined;
let upstream: Awaited<ReturnType<typeof startTestUpstream>>;

beforeAll(async () => {
  ({ env, drop } = await processStorage('sb-cli-diag-'));
  upstream = await startTestUpstream('Diag CLI');
});
afterAll(async () => {
  await upstream?.close();
  await drop?.();
});

describe('switchboard connectors diagnose', () => {
  it('prints each step with ✓ and exits 0 for a reachable server the config allows', { timeout: 60_000 }, async () => {
    const result = await cli(['connectors', 'diagnose', upstream.url], { ...env, SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' });
    expect(result.stderr).not.toMatch(/^switchboard: /m);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Diagnosing http:\/\/127\.0\.0\.1:\d+\/mcp\n✓ dns-egress +127\.0\.0\.1 is an IP address; the egress guard allows it\. \(\d+ ms\)\n✓ connect +Connected to 127\.0\.0\.1:\d+/);
    expect(result.stdout).toMatch(/✓ mcp +The server speaks MCP 2026-07-28/);
    expect(result.stdout).toMatch(/- auth +Not needed/);
    expect(result.stdout).toMatch(/OK: the server speaks MCP 2026-07-28\.\n$/);
  });

  it('marks the failing step with ✗ and its fix, skips the rest, and exits 1 (--json too)', { timeout: 60_000 }, async () => {
    // Without the allow-list entry, loopback is refused by the egress guard.
    const result = await cli(['connectors', 'diagnose', upstream.url], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ dns-egress +Refused by the egress guard: Switchboard does not connect to 127\.0\.0\.1/);
    expect(result.stdout).toMatch(/\n {2}fix: If this server is meant to be reachable, .*SWITCHBOARD_EGRESS_ALLOW/);
    expect(result.stdout).toMatch(/- connect +Not tried: the dns-egress step failed\./);

    const asJson = await cli(['connectors', 'diagnose', upstream.url, '--json'], env);
    expect(asJson.code).toBe(1);
    const body = JSON.parse(asJson.stdout) as { ok: boolean; steps: Array<{ step: string; status: string }> };
    expect(body.ok).toBe(false);
    expect(body.steps.map((s) => s.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped']);
  });
});
