/**
 * Start-up and request cost of `switchboard serve`, side by side on PGlite and (when DATABASE_URL is
 * set) PostgreSQL. Prints one JSON document. Run: `npm run bench` (add DATABASE_URL=… for PostgreSQL).
 *
 * - start_ms: from spawning the process to the first 200 from /healthz (fresh = empty storage, so
 *   migrations and the bootstrap run; warm = a restart on the same storage).
 * - request latency: sequential requests over keep-alive; /healthz touches nothing, /api/v1/me
 *   authenticates a personal access token and reads the person's organizations.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshDatabase } from './fresh-database.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const PORT = 39_000 + (process.pid % 500);

const BOOTSTRAP = `organizations:
  - slug: bench
    name: Bench
    plan: team
    members:
      - email: bench@bench.test
        role: owner
        tokens: ["sbp_bench_token_0001"]
`;

function start(env: Record<string, string>): { child: ChildProcess; ready: Promise<number> } {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'src/cli/main.ts'), 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', PORT: String(PORT), LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore',
  });
  const ready = (async () => {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      try {
        if ((await fetch(`http://127.0.0.1:${PORT}/healthz`)).ok) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return { child, ready };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const round = (x: number) => Math.round(x * 100) / 100;

async function latency(url: string, headers: Record<string, string>): Promise<{ p50_ms: number; p99_ms: number; rps: number }> {
  for (let i = 0; i < 50; i++) await (await fetch(url, { headers })).arrayBuffer();
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < REQUESTS; i++) {
    const s = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    times.push(performance.now() - s);
  }
  return { p50_ms: round(pct(times, 50)), p99_ms: round(pct(times, 99)), rps: Math.round(REQUESTS / ((performance.now() - t0) / 1000)) };
}

async function measure(label: string, makeEnv: () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>) {
  const fresh: number[] = [];
  const warm: number[] = [];
  let requests: Record<string, unknown> = {};
  for (let run = 0; run < RUNS; run++) {
    const { env, cleanup } = await makeEnv();
    try {
      const a = start(env);
      fresh.push(await a.ready);
      await stop(a.child);
      const b = start(env);
      warm.push(await b.ready);
      if (run === 0) {
        requests = {
          healthz: await latency(`http://127.0.0.1:${PORT}/healthz`, {}),
          me_with_token: await latency(`http://127.0.0.1:${PORT}/api/v1/me`, { authorization: 'Bearer sbp_bench_token_0001' }),
        };
      }
      await stop(b.child);
    } finally {
      await cleanup();
    }
  }
  return { storage: label, start_fresh_ms: { median: Math.round(median(fresh)), runs: fresh.map(Math.round) }, start_warm_ms: { median: Math.round(median(warm)), runs: warm.map(Math.round) }, requests };
}

const results = [];
results.push(
  await measure('pglite', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-bench-'));
    const config = path.join(dir, 'bench.yaml');
    writeFileSync(config, BOOTSTRAP);
    return { env: { SWITCHBOARD_DATA_DIR: path.join(dir, 'data'), SWITCHBOARD_CONFIG: config }, cleanup: async () => {} };
  }),
);
if (process.env.DATABASE_URL) {
  const base = process.env.DATABASE_URL;
  results.push(
    await measure('postgres', async () => {
      const fresh = await freshDatabase(base, 'sbbench');
      const dir = mkdtempSync(path.join(tmpdir(), 'sb-bench-'));
      const config = path.join(dir, 'bench.yaml');
      writeFileSync(config, BOOTSTRAP);
      return {
        env: { DATABASE_URL: fresh.url, SWITCHBOARD_DATA_DIR: path.join(dir, 'data'), SWITCHBOARD_CONFIG: config },
        cleanup: fresh.drop,
      };
    }),
  );
}

process.stdout.write(`${JSON.stringify({ bench: 'startup-and-requests', node: process.version, runs: RUNS, requests: REQUESTS, results }, null, 2)}\n`);
