import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

/** The environment a child gets: ours minus anything that would point it at other services by accident. */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  // Demo services are off unless a test asks for them: most tests need only Switchboard itself.
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', SWITCHBOARD_DEMO: 'off' };
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'SWITCHBOARD_CONFIG', 'SWITCHBOARD_SECRET_KEY', 'PORT', 'HOST', 'PUBLIC_URL', 'SWITCHBOARD_DATA_DIR']) delete env[key];
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a Node script with the tests' Node to its end, collecting what it printed. */
export function runNode(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `switchboard ARGS` as a person would, with the same Node as the tests. */
export function cli(args: string[], env: Record<string, string | undefined>, input?: string): Promise<CliResult> {
  return runNode([MAIN, ...args], { cwd: ROOT, env: childEnv(env), ...(input !== undefined ? { input } : {}) });
}

export interface ServerProcess {
  /** Its public URL (PUBLIC_URL when set). */
  url: string;
  /** The port it listens on (with a PUBLIC_URL in front, not the URL's). */
  port: number;
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `switchboard serve` on a free port and resolves once it logs its URL (or rejects with its stderr). */
export function startServerProcess(env: Record<string, string | undefined>, args: string[] = [], timeoutMs = 30_000): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'serve', ...args], { cwd: ROOT, env: childEnv({ PORT: '0', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    const logs: Array<Record<string, unknown>> = [];
    let stderr = '';
    let buffered = '';
    let settled = false;
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`switchboard serve did not start within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    const handle: ServerProcess = {
      url: '',
      port: 0,
      child,
      logs,
      stderr: () => stderr,
      stop: async (signal = 'SIGTERM') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (!line.trim()) continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (!settled && typeof entry.url === 'string' && String(entry.msg).startsWith('Switchboard is running')) {
          settled = true;
          clearTimeout(timer);
          handle.url = entry.url;
          handle.port = Number(entry.port);
          resolve(handle);
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    void exited.then((code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const error = new Error(`switchboard serve exited with code ${code} before it was ready:\n${stderr}`) as Error & { code: number | null; stderr: string };
      error.code = code;
      error.stderr = stderr;
      reject(error);
    });
  });
}
