import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverythingUpstream, type EverythingUpstream } from './everything-upstream.ts';
import { runServerSuite, type RunServerSuiteOptions, type ServerSuiteResult } from './server-suite.ts';

/**
 * The MCP conformance server suites straight against our everything fixture, with no baseline: every
 * selected scenario must pass. This pins the fixture before the gateway is put in front of it. A few
 * seconds per suite; the timeouts leave room for a loaded machine.
 */

let upstream: EverythingUpstream;
beforeAll(async () => {
  upstream = await startEverythingUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

function expectAllPassed(result: ServerSuiteResult, atLeast: number, mustInclude: string[]): void {
  const tail = result.output.slice(-4000);
  expect(result.failed, tail).toEqual([]);
  expect(result.exitCode, tail).toBe(0);
  // A run that selects nothing also has no failures.
  expect(result.passed.length, `ran: ${result.passed.join(', ')}`).toBeGreaterThanOrEqual(atLeast);
  expect(result.passed).toEqual(expect.arrayContaining(mustInclude));
}

const suite = (options: Omit<RunServerSuiteOptions, 'url'>) => runServerSuite({ url: upstream.url, timeoutMs: 150_000, ...options });

describe('MCP conformance: everything upstream (server side)', () => {
  it('2025-11-25 (conformance 0.1.16, default suite)', { timeout: 180_000 }, async () => {
    const result = await suite({ era: '2025-11-25' });
    expectAllPassed(result, 25, ['tools-call-sampling', 'tools-call-elicitation', 'resources-subscribe', 'dns-rebinding-protection']);
  });

  it('2025-11-25 (conformance 0.2 alpha, all scenarios: SSE polling and resumption, session lifecycle)', { timeout: 180_000 }, async () => {
    const result = await suite({ era: '2025-11-25', harness: 'alpha' });
    expectAllPassed(result, 30, ['server-sse-polling', 'server-session-lifecycle', 'json-schema-2020-12']);
    // Priming event, retry field and resume after the mid-call close are only warnings when missing.
    expect(result.warnings).toEqual([]);
  });

  it('2026-07-28 (conformance 0.2 alpha, --suite all --spec-version 2026-07-28)', { timeout: 180_000 }, async () => {
    const result = await suite({ era: '2026-07-28' });
    expectAllPassed(result, 30, ['server-stateless', 'input-required-result-multi-round', 'input-required-result-tampered-state', 'http-header-validation', 'caching']);
    expect(result.passed.filter((s) => s.startsWith('tasks-') || s.startsWith('sep-2640-'))).toEqual([]);
  });
});
