import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.ts';

/**
 * The MCP conformance suite's authorization scenarios (conformance 0.1.16) against Switchboard's
 * upstream OAuth client, driven by test/conformance/auth-client.ts. No expected-failures file: each
 * scenario must pass with no failure and no warning. Scenarios run one at a time: each spawns a client
 * with its own embedded database, and the suite's parallel mode would starve the rest of the test run
 * on a 2-core machine. docs/conformance.md lists them and the one scenario outside the suite we do not pass.
 */
const AUTH_SUITE = [
  'auth/metadata-default',
  'auth/metadata-var1',
  'auth/metadata-var2',
  'auth/metadata-var3',
  'auth/basic-cimd',
  'auth/scope-from-www-authenticate',
  'auth/scope-from-scopes-supported',
  'auth/scope-omitted-when-undefined',
  'auth/scope-step-up',
  'auth/scope-retry-limit',
  'auth/token-endpoint-auth-basic',
  'auth/token-endpoint-auth-post',
  'auth/token-endpoint-auth-none',
  'auth/pre-registration',
];
/** Outside `--suite auth`, and what the issue asks for too: offline_access, resource indicators, endpoint fallback. */
const EXTRA = ['auth/offline-access-scope', 'auth/offline-access-not-supported', 'auth/resource-mismatch', 'auth/2025-03-26-oauth-endpoint-fallback'];

const out = mkdtempSync(path.join(tmpdir(), 'sb-conformance-'));

function runScenario(scenario: string): Promise<{ code: number | null; output: string }> {
  const node = process.execPath;
  const cli = path.join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
  const command = `${node} ${path.join(ROOT, 'test/conformance/auth-client.ts')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(node, [cli, 'client', '--command', command, '--scenario', scenario, '--timeout', '60000', '-o', out], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('MCP conformance: authorization (client side)', () => {
  for (const scenario of [...AUTH_SUITE, ...EXTRA]) {
    it(scenario, { timeout: 90_000 }, async () => {
      const { code, output } = await runScenario(scenario);
      const result = /Passed: (\d+)\/(\d+), (\d+) failed, (\d+) warnings/.exec(output);
      expect(result, output.slice(-3000)).not.toBeNull();
      const [, passed, total, failed, warnings] = result!.map(Number);
      expect({ failed, warnings }, output.slice(-3000)).toEqual({ failed: 0, warnings: 0 });
      expect(passed).toBe(total);
      expect(passed).toBeGreaterThan(0);
      expect(code).toBe(0);
    });
  }
});
