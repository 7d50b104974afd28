/**
 * Starting the benches' own server processes: an upstream (or the floor) that prints `{"url"}` once it listens, and
 * the Switchboard of bench/gateway-switchboard.ts, spoken to over IPC. Both exit when this process goes (their IPC
 * channel closes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './proc.ts';

/** A bench server script run as a child that prints `{"url": …}` as its first line once it listens. */
export async function startUpstream<Info extends { url: string } = { url: string }>(script = 'bench/gateway-upstream.ts', env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; info: Info }> {
  const child = spawn(process.execPath, [path.join(ROOT, script)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const info = await new Promise<Info>((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n')) resolve(JSON.parse(line!) as Info);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { url: info.url, child, info };
}

export interface SwitchboardChild {
  child: ChildProcess;
  url: string;
  token: string;
  /** One per person (the first is `token`, the owner's). */
  tokens: string[];
  tool: string;
  storage: string;
  database?: string;
  request<T>(message: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

export interface SwitchboardOptions {
  upstreamUrl: string;
  /** A base PostgreSQL URL: Switchboard makes a fresh database beside it (and drops it at stop). */
  databaseUrl?: string | undefined;
  /** A database to use as it is, kept at stop (restarts on the same storage). */
  databaseExisting?: string | undefined;
  /** A PGlite data folder to use as it is, kept at stop. */
  dataDir?: string | undefined;
  people?: number;
  connectors?: Array<{ slug: string; name: string; url: string; description?: string }>;
  logLevel?: string;
  whatIf?: string | undefined;
  /** Node options of the child, e.g. --expose-gc. */
  execArgv?: string[];
}

/** bench/gateway-switchboard.ts as a child process; resolves once it serves. */
export async function startSwitchboard(options: SwitchboardOptions): Promise<SwitchboardChild> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', BENCH_UPSTREAM_URL: options.upstreamUrl, BENCH_LOG_LEVEL: options.logLevel ?? 'info', BENCH_PEOPLE: String(options.people ?? 1) };
  if (options.databaseUrl) env.BENCH_DATABASE_URL = options.databaseUrl;
  if (options.databaseExisting) env.BENCH_DATABASE_EXISTING = options.databaseExisting;
  if (options.dataDir) env.BENCH_DATA_DIR = options.dataDir;
  if (options.connectors) env.BENCH_CONNECTORS = JSON.stringify(options.connectors);
  if (options.whatIf) env.BENCH_WHATIF = options.whatIf;
  // stdout carries Switchboard's logs (discarded, as a log shipper would take them); IPC carries the bench's messages.
  const child = spawn(process.execPath, [...(options.execArgv ?? []), path.join(ROOT, 'bench/gateway-switchboard.ts')], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const waiting = new Map<string, (m: unknown) => void>();
  child.on('message', (m: { type: string; message?: string }) => {
    if (m.type === 'error') throw new Error(`switchboard child: ${m.message}`);
    waiting.get(m.type)?.(m);
  });
  const expect = <T>(type: string) => new Promise<T>((resolve) => waiting.set(type, resolve as (m: unknown) => void));
  const ready = await Promise.race([
    expect<{ url: string; token: string; tokens?: string[]; tool: string; storage: string; database?: string }>('ready'),
    new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`Switchboard exited with ${code} before serving`)))),
  ]);
  return {
    child,
    ...ready,
    tokens: ready.tokens ?? [ready.token],
    request: <T>(message: Record<string, unknown>) => {
      const reply = expect<T>(message.type === 'stop' ? 'stopped' : (message.type as string));
      child.send(message);
      return reply;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}
