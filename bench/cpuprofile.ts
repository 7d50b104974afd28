/**
 * Summarises a V8 `.cpuprofile` (from `Profiler.stop`) for `bench/gateway.ts --profile`: where the
 * process's CPU went, per call. Three views:
 * - `by_src_function`: each sample charged to the innermost frame in this repo's `src/` on its stack
 *   (so a Kysely query built by organizationFor() counts for organizationFor); samples with no `src/`
 *   frame (work resumed from the event loop: the SDK, Hono, the database driver) are charged to the
 *   package of the leaf frame.
 * - `by_leaf_package`: self time by package (node_modules/<pkg>, node:<module>, src/<file>, V8 states).
 * - `inclusive_src`: each `src/` function's share of samples with it anywhere on the stack (synchronous
 *   segments only: an async function's awaits cut the stack).
 * - `by_layer`: each sample charged to the first frame, from the leaf up, that belongs to a known layer
 *   (database driver, logging, MCP SDK, validation, upstream HTTP client, HTTP server, Switchboard src).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ROOT = path.resolve(import.meta.dirname, '..');

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url;
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (file.startsWith(ROOT)) return path.relative(ROOT, file);
  return file;
}

const LAYERS: Array<[string, RegExp]> = [
  ['database (kysely, pg, PGlite + its wasm)', /^(kysely|pg|pg-[a-z-]+|postgres-[a-z-]+|@electric-sql\/pglite|wasm:\/\/.*)$/],
  ['logging (pino)', /^(pino|sonic-boom|fast-redact|thread-stream|quick-format-unescaped|on-exit-leak-free|@pinojs\/.*)$/],
  ['metrics (prom-client)', /^(prom-client|tdigest|bintrees)$/],
  ['MCP SDK (server + client)', /^@modelcontextprotocol\//],
  ['validation (zod, ajv)', /^(zod|ajv|ajv-formats|fast-uri|fast-deep-equal|json-schema-traverse)$/],
  ['upstream HTTP client (undici fetch)', /^node:internal\/deps\/undici/],
  ['HTTP server (hono, node adapter, node:http)', /^(hono|@hono\/.*|node:_http_server|node:_http_common|node:_http_outgoing|node:_http_incoming)$/],
  ['Switchboard src/', /^src\//],
];
const layerOf = (pkg: string) => LAYERS.find(([, re]) => re.test(pkg))?.[0];

const srcFrame = (node: ProfileNode) => {
  const file = node.callFrame.url.replace(/^file:\/\//, '');
  return file.startsWith(path.join(ROOT, 'src') + '/') ? `${path.relative(ROOT, file)}:${node.callFrame.functionName || '(anonymous)'}` : undefined;
};

export function summarizeProfile(file: string, calls: number, top = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample i lasts until sample i+1 (the last one until endTime).
  const durations: number[] = [];
  let t = profile.startTime;
  const stamps = profile.timeDeltas.map((d) => (t += d));
  for (let i = 0; i < stamps.length; i++) durations.push(((i + 1 < stamps.length ? stamps[i + 1]! : profile.endTime) - stamps[i]!) / 1000);

  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const bySrc = new Map<string, number>();
  const byLeaf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byLayer = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = durations[i]!;
    const leaf = byId.get(profile.samples[i]!)!;
    if (leaf.callFrame.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    busy += ms;
    add(byLeaf, packageOf(leaf.callFrame.url, leaf.callFrame.functionName), ms);
    let charged: string | undefined;
    let layer: string | undefined;
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id)!;
      layer ??= layerOf(packageOf(node.callFrame.url, node.callFrame.functionName));
      const frame = srcFrame(node);
      if (!frame) continue;
      charged ??= frame;
      if (!seen.has(frame)) {
        seen.add(frame);
        add(inclusive, frame, ms);
      }
    }
    add(bySrc, charged ?? `(no src frame) ${packageOf(leaf.callFrame.url, leaf.callFrame.functionName)}`, ms);
    add(byLayer, layer ?? (leaf.callFrame.functionName === '(garbage collector)' ? 'garbage collector' : 'other (node internals, native, event loop)'), ms);
  }
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, ms]) => ({ where, ms_per_call: r(ms / calls), pct_of_busy: Math.round((ms / busy) * 1000) / 10 }));
  return {
    wall_ms: Math.round((profile.endTime - profile.startTime) / 1000),
    busy_ms: Math.round(busy),
    idle_ms: Math.round(idle),
    calls,
    busy_ms_per_call: r(busy / calls),
    by_layer: rows(byLayer),
    by_src_function: rows(bySrc),
    by_leaf_package: rows(byLeaf),
    inclusive_src: rows(inclusive),
  };
}
