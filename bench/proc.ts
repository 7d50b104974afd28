/**
 * What the benches read from /proc and how they start and stop the processes they measure: CPU and memory of a
 * process and of its descendants, the box's busy time, TCP connections on a port, free ports, and child processes in
 * process groups of their own that are ended (only those, by their group id) on exit, on error and on Ctrl-C.
 */
import { execSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * The Switchboard code measured: commit, and whether src/ differs from it. A tree exported without .git (git archive)
 * names its commit in BENCH_COMMIT.
 */
export function codeVersion(): { commit: string; src_changed_since_commit: boolean } | undefined {
  if (process.env.BENCH_COMMIT) return { commit: process.env.BENCH_COMMIT, src_changed_since_commit: false };
  try {
    const commit = execSync('git rev-parse --short HEAD', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execSync('git status --porcelain -- src', { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
    return { commit, src_changed_since_commit: dirty };
  } catch {
    return undefined;
  }
}

export const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime+stime+cutime+cstime of a process (its own CPU and that of the children it has reaped), in ms. */
export function cpuMs(pid: number): number {
  const f = statFields(pid);
  return f ? ((Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK : 0;
}

/** VmRSS of a process, in MB (0 once it is gone). */
export function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Every live descendant of a process (children, grandchildren, …), from the parent ids in /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid);
    if (list) list.push(Number(entry));
    else children.set(ppid, [Number(entry)]);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/**
 * CPU of a process and all its descendants, in ms: the live ones' own (and reaped children's) time, so a child that
 * ran and exited is counted through its parent's cutime/cstime once reaped.
 */
export function treeCpuMs(pid: number): { own: number; tree: number } {
  const own = cpuMs(pid);
  return { own, tree: own + descendants(pid).reduce((a, d) => a + cpuMs(d), 0) };
}

/** RSS of a process and its descendants, in MB, and how many processes that is. */
export function treeRssMb(pid: number): { own: number; tree: number; processes: number } {
  const own = rssMb(pid);
  const rest = descendants(pid);
  return { own, tree: own + rest.reduce((a, d) => a + rssMb(d), 0), processes: 1 + rest.length };
}

/** Busy CPU of the whole box (all cores), in ms: to tell how much of it went to processes outside the bench. */
export function boxBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return ((total - f[3]! - f[4]!) * 1000) / CLK_TCK;
}

/** Established TCP connections whose local port is `port` (the server's side of its clients' sockets). */
export function establishedOn(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st …; state 01 = ESTABLISHED
      if (cols[3] === '01' && cols[1]?.endsWith(`:${hex}`)) count++;
    }
  }
  return count;
}

/** A port nobody listens on now (bound and released; a tiny race is acceptable for a bench). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port; rejects after `timeoutMs` or when `child` exits. */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`process ${child.pid} exited (${child.exitCode ?? child.signalCode}) before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------------
// Process groups: each measured server that spawns children of its own (the peers and their stdio upstreams) runs in a
// group of its own, and the bench ends exactly those groups — never anything found by name.

const groups = new Set<number>();

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** Spawns `command` as the leader of a new process group, ended with its descendants by `stopGroup` or at exit. */
export function spawnGroup(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid) groups.add(child.pid);
  child.once('exit', () => {
    // The leader is gone; its group may still hold children (a shell's, a bridge's): they go too.
    if (child.pid && groups.has(child.pid)) {
      killGroup(child.pid, 'SIGKILL');
      groups.delete(child.pid);
    }
  });
  return child;
}

/** SIGTERM to the group, SIGKILL to whatever is left after `graceMs`. */
export async function stopGroup(child: ChildProcess, graceMs = 3000): Promise<void> {
  const pgid = child.pid;
  if (!pgid || !groups.has(pgid)) return;
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(pgid, 'SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs).unref())]);
  killGroup(pgid, 'SIGKILL');
  groups.delete(pgid);
}

/** Ends every group still running (synchronously: safe in an `exit` handler). */
export function killAllGroups(): void {
  for (const pgid of groups) killGroup(pgid, 'SIGKILL');
  groups.clear();
}

let exitHooked = false;
/** Ends the groups (and runs `extra`) when this process exits, however it exits; Ctrl-C and SIGTERM exit with 130/143. */
export function cleanUpOnExit(extra?: () => void): void {
  if (exitHooked) return;
  exitHooked = true;
  const cleanup = () => {
    killAllGroups();
    extra?.();
  };
  process.on('exit', cleanup);
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));
  process.on('uncaughtException', (err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  });
}
