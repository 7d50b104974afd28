import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProfile, type GatewayProfile } from './gateway-profile.ts';
import { runServerSuite, type RunServerSuiteOptions, type ServerSuiteResult } from './server-suite.ts';

/**
 * The MCP conformance server suites against Switchboard's /mcp in the pass-through test profile, with the
 * everything fixture as the only connector: every request crosses the whole gateway (authentication,
 * policy, the person's upstream session, audit), in both eras. There is no expected failure.
 */

let profile: GatewayProfile;
beforeAll(async () => {
  profile = await startGatewayProfile();
});
afterAll(async () => {
  await profile?.close();
});

function expectPassed(result: ServerSuiteResult, atLeast: number, mustInclude: string[]): void {
  const tail = result.output.slice(-4000);
  expect(result.failed, JSON.stringify(result.failed, null, 1).slice(0, 4000)).toEqual([]);
  expect(result.exitCode, tail).toBe(0);
  expect(result.passed.length, `ran: ${result.passed.join(', ')}`).toBeGreaterThanOrEqual(atLeast);
  expect(result.passed).toEqual(expect.arrayContaining(mustInclude));
}

const suite = (options: Omit<RunServerSuiteOptions, 'url'>) => runServerSuite({ url: profile.url, timeoutMs: 150_000, ...options });

describe('MCP conformance through the gateway (pass-through profile)', () => {
  it('2025-11-25 (conformance 0.1.16): sessions, elicitation and sampling mid-call, logging, progress, subscriptions', { timeout: 180_000 }, async () => {
    const result = await suite({ era: '2025-11-25' });
    expectPassed(result, 30, ['tools-call-sampling', 'tools-call-elicitation', 'tools-call-with-logging', 'tools-call-with-progress', 'resources-subscribe', 'completion-complete', 'dns-rebinding-protection']);
  });

  it('2025-11-25 (conformance 0.2 alpha, all scenarios: SSE polling and resumption, session lifecycle)', { timeout: 180_000 }, async () => {
    const result = await suite({ era: '2025-11-25', harness: 'alpha' });
    expectPassed(result, 33, ['server-sse-polling', 'server-session-lifecycle', 'server-sse-multiple-streams']);
    expect(result.warnings).toEqual([]);
  });

  it('2026-07-28 (conformance 0.2 alpha): stateless serving, input-required relay, listen streams, caching, header checks', { timeout: 180_000 }, async () => {
    const result = await suite({ era: '2026-07-28' });
    expectPassed(result, 40, [
      'server-stateless',
      'input-required-result-multi-round',
      'input-required-result-tampered-state',
      'input-required-result-non-tool-request',
      'input-required-result-capability-check',
      'http-header-validation',
      'http-custom-header-server-validation',
      'caching',
      'sep-2164-resource-not-found',
    ]);
  });
});
