/**
 * Builds the web app (web/ → web/dist) with Vite.
 *
 *   node scripts/build-web.ts              build now
 *   node scripts/build-web.ts --if-stale   build only when web/dist is missing or older than its sources
 *
 * `npm start` runs it with --if-stale first (the `prestart` script), and the browser tests' global setup calls
 * `buildWebIfStale()`; the server itself never builds (docs/web.md says why). The new build is written beside the
 * old one and swapped in with renames, so a server or test reading web/dist never sees half a build.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const WEB_ROOT = path.resolve(import.meta.dirname, '../web');
export const WEB_DIST = path.join(WEB_ROOT, 'dist');
const SOURCES = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json'];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** Why a build is needed, or undefined when web/dist is up to date. */
export function staleReason(): string | undefined {
  const index = path.join(WEB_DIST, 'index.html');
  if (!existsSync(index)) return 'web/dist is missing';
  const built = statSync(index).mtimeMs;
  const changed = SOURCES.find((s) => newestMtime(path.join(WEB_ROOT, s)) > built);
  return changed ? `web/${changed} changed since the last build` : undefined;
}

export async function buildWeb(options: { quiet?: boolean } = {}): Promise<void> {
  const { build } = await import('vite');
  const staging = path.join(WEB_ROOT, `.dist-${process.pid}-${Date.now()}`);
  try {
    await build({ root: WEB_ROOT, configFile: path.join(WEB_ROOT, 'vite.config.ts'), logLevel: options.quiet ? 'warn' : 'info', build: { outDir: staging, emptyOutDir: true } });
    const old = `${WEB_DIST}.old-${process.pid}-${Date.now()}`;
    if (existsSync(WEB_DIST)) renameSync(WEB_DIST, old);
    renameSync(staging, WEB_DIST);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Builds when stale; returns what it did. */
export async function buildWebIfStale(options: { quiet?: boolean } = {}): Promise<'built' | 'up to date'> {
  const reason = staleReason();
  if (!reason) return 'up to date';
  const started = performance.now();
  await buildWeb({ quiet: true });
  if (!options.quiet) console.log(`web app: ${reason}, so it was built into web/dist (${Math.round(performance.now() - started)} ms)`);
  return 'built';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const ifStale = process.argv.includes('--if-stale');
  try {
    if (ifStale) {
      if ((await buildWebIfStale()) === 'up to date') console.log('web app: web/dist is up to date');
    } else {
      await buildWeb();
    }
  } catch (err) {
    console.error(`web app: the build failed: ${(err as Error).message}\nFix the error above and run \`npm run build:web\` again; Switchboard's API works without the web app.`);
    // Before `npm start` a failed build must not keep the server from starting: it serves the API and says so.
    if (!ifStale) process.exitCode = 1;
  }
}
