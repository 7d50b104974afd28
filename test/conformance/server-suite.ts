import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ROOT } from '../helpers/process.ts';

/**
 * Runs an MCP conformance *server* suite against a URL and reads back what each scenario reported.
 *
 * Which referee and which selection (the same ones the TypeScript SDK runs):
 * - 2025-11-25: conformance 0.1.16, its default ("active") suite filtered to `--spec-version 2025-11-25`.
 * - 2026-07-28: conformance 0.2.0-alpha, `--suite all --spec-version 2026-07-28`; the version filter is what
 *   drops the extension-only scenarios (tasks, skills), which are on no spec timeline.
 * `harness: 'alpha'` with the 2025 era runs the alpha's `--suite all --spec-version 2025-11-25` instead: it
 * adds server-session-lifecycle and a server-sse-polling that really resumes (0.1.16 keeps that scenario
 * pending and sends `MCP-Protocol-Version: 2025-03-26`, which turns priming events and stream closing off).
 */

export type ConformanceEra = '2025-11-25' | '2026-07-28';

export interface RunServerSuiteOptions {
  url: string;
  era: ConformanceEra;
  /** YAML baseline (`server: [scenario, ...]`) handed to the CLI; it then exits 0 when only those fail, 1 on stale entries. */
  expectedFailures?: string;
  /** Run just these, one CLI run each, instead of the era's suite. */
  scenarios?: string[];
  /** Referee package; defaults to 0.1.16 for 2025-11-25 and the alpha for 2026-07-28. */
  harness?: 'stable' | 'alpha';
  /** For the whole run; the child is killed when it is exceeded. */
  timeoutMs?: number;
}

export interface ServerSuiteResult {
  /** The CLI's verdict (with a baseline: 0 when only baselined scenarios fail), or -1 on timeout or crash. */
  exitCode: number;
  /** Scenarios that ran and reported no FAILURE check. */
  passed: string[];
  /** Scenarios with at least one FAILURE check (baselined ones included) or that wrote no results; `(run)` on timeout. */
  failed: Array<{ scenario: string; checks: string[] }>;
  /** WARNING checks of otherwise passing scenarios: the suite counts them as passes, a proxy may still want to know. */
  warnings: Array<{ scenario: string; checks: string[] }>;
  /** Scenarios the alpha declined as not applicable at the era (only with explicit `scenarios`). */
  skipped: string[];
  output: string;
}

const PACKAGES = {
  stable: 'node_modules/@modelcontextprotocol/conformance/dist/index.js',
  alpha: 'node_modules/@modelcontextprotocol/conformance-2026/dist/index.js',
} as const;

const checksFile = z.array(z.object({ id: z.string(), status: z.string(), errorMessage: z.string().optional() }).loose());

/** The conformance CLI needs Node ≥ 22; vitest already runs on the repo's Node 24, a plain script may not. */
function nodeBinary(): string {
  return Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath : path.join(ROOT, 'node_modules/.bin/node');
}

function runCli(args: string[], timeoutMs: number): Promise<{ code: number; timedOut: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBinary(), args, { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, timedOut, output });
    });
  });
}

/** Result folders are `server-<scenario>-<ISO time with : and . as ->`; the newest wins if a scenario ran twice. */
function readResults(outDir: string): Map<string, z.infer<typeof checksFile>> {
  const results = new Map<string, z.infer<typeof checksFile>>();
  for (const entry of readdirSync(outDir).sort()) {
    const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(entry)?.[1];
    const file = path.join(outDir, entry, 'checks.json');
    if (scenario && existsSync(file)) results.set(scenario, checksFile.parse(JSON.parse(readFileSync(file, 'utf8'))));
  }
  return results;
}

export async function runServerSuite(options: RunServerSuiteOptions): Promise<ServerSuiteResult> {
  const harness = options.harness ?? (options.era === '2026-07-28' ? 'alpha' : 'stable');
  if (options.era === '2026-07-28' && harness === 'stable') throw new Error('conformance 0.1.16 has no 2026-07-28 scenarios');
  const timeoutMs = options.timeoutMs ?? 150_000;
  const outDir = mkdtempSync(path.join(tmpdir(), 'sb-server-conformance-'));
  const base = [path.join(ROOT, PACKAGES[harness]), 'server', '--url', options.url, '--spec-version', options.era, '-o', outDir];
  if (options.expectedFailures) base.push('--expected-failures', path.resolve(ROOT, options.expectedFailures));
  const runs = options.scenarios?.map((scenario) => [...base, '--scenario', scenario]) ?? [harness === 'alpha' ? [...base, '--suite', 'all'] : base];
  try {
    const deadline = Date.now() + timeoutMs;
    let exitCode = 0;
    let timedOut = false;
    let output = '';
    for (const args of runs) {
      const run = await runCli(args, Math.max(1, deadline - Date.now()));
      output += run.output;
      if (exitCode !== -1 && run.code !== 0) exitCode = run.code === -1 ? -1 : Math.max(exitCode, run.code);
      if (run.timedOut) {
        timedOut = true;
        break;
      }
    }
    const skipped = [...output.matchAll(/^SKIPPED: scenario '([^']+)'/gm)].map((m) => m[1]!);
    const ran = options.scenarios?.filter((s) => !skipped.includes(s)) ?? [...output.matchAll(/^=== Running scenario: (.+) ===$/gm)].map((m) => m[1]!);
    const results = readResults(outDir);
    const result: ServerSuiteResult = { exitCode, passed: [], failed: [], warnings: [], skipped, output };
    // So that "no failures" can never mean "cut short before anything was reported".
    if (timedOut) result.failed.push({ scenario: '(run)', checks: [`the conformance CLI was killed after ${timeoutMs} ms`] });
    for (const scenario of ran) {
      const checks = results.get(scenario);
      if (!checks) {
        result.failed.push({ scenario, checks: ['(no checks.json: the scenario crashed or the run timed out)'] });
        continue;
      }
      const describe = (status: string) => checks.filter((c) => c.status === status).map((c) => (c.errorMessage ? `${c.id}: ${c.errorMessage}` : c.id));
      const failures = describe('FAILURE');
      if (failures.length > 0) result.failed.push({ scenario, checks: failures });
      else result.passed.push(scenario);
      const warnings = describe('WARNING');
      if (failures.length === 0 && warnings.length > 0) result.warnings.push({ scenario, checks: warnings });
    }
    return result;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
