/**
 * `tools/list` for a person with 50 connectors of 20 tools each: how long a client waits for the whole list (every
 * page) cold, after a change notice, and warm, in both protocol eras and two tool access modes. Prints one JSON
 * document. Run: `npm run bench:tools-list` (PGlite; with DATABASE_URL=… on a fresh PostgreSQL database instead).
 *
 * Processes: this load generator (SDK v2 clients), ONE upstream process serving 50 distinct MCP servers on 50 paths
 * (bench/tools-list-upstream.ts: realistic names, descriptions and JSON Schemas), and Switchboard
 * (bench/gateway-switchboard.ts with BENCH_CONNECTORS: the 50 as enabled no-auth connectors of one organization, one
 * person with a personal access token), restarted on the same storage for each cold sample.
 *
 * States (each measured end to end around `client.listTools()`, all pages, the SDK client's own cache bypassed; and
 * per HTTP request of each page, from sending it to the last byte of the answer):
 * - cold: the first list from a fresh Switchboard process on existing storage — no upstream sessions, no upstream
 *   tool lists, no policy or tool-list caches, code not yet optimised by the JIT. The client connects first
 *   (not timed in the list: `connect_ms`). One era and mode per process, so every cold sample is really cold.
 * - after_change: the first list after the person changes their own rules for one connector through the REST API
 *   (`PUT /api/v1/me/connectors/{slug}/policy`, blocking one tool, then unblocking it): the change notice drops the
 *   person's policy and tool list; upstream sessions and their tool lists (kept 60 s) stay. Each sample checks the
 *   list shows the change (999 ↔ 1,000 tools).
 * - warm: the same client listing again and again (nothing changed, within the upstream lists' 60 s).
 * - ttl_refresh: the first list once the upstream tool lists are older than their 60 s (src/upstream/pool.ts):
 *   Switchboard asks all 50 connectors again, over the sessions it holds. Costs a 61 s wait per sample.
 *
 * Flags: --eras auto,legacy · --modes always,auto (`?tools=always`: every tool, 1,000 definitions in pages of
 * 100; `auto`, the default, which for 50 connectors resolves to On demand: Switchboard's 3 tools) · --cold-rounds N
 * (3: N cold samples of each era × mode, one Switchboard start each) · --warm N (100 lists per era × mode) ·
 * --changes N (10 per era × mode) · --ttl-samples N (1; 0 skips the 61 s wait) · --log-level L (info) ·
 * --max-seconds S (whole-run cap, 480) · --profile (a V8 CPU profile of Switchboard over the warm and after-change
 * series of the first era, summarised per list in `profiles`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport, type FetchLike } from '@modelcontextprotocol/client';
import { startSwitchboard, startUpstream, type SwitchboardChild } from './children.ts';
import { summarizeProfile } from './cpuprofile.ts';
import { freshDatabase } from './fresh-database.ts';
import { cleanUpOnExit, codeVersion, rssMb } from './proc.ts';

const { values: flags } = parseArgs({
  options: {
    eras: { type: 'string' },
    modes: { type: 'string' },
    'cold-rounds': { type: 'string' },
    warm: { type: 'string' },
    changes: { type: 'string' },
    'ttl-samples': { type: 'string' },
    'log-level': { type: 'string' },
    'max-seconds': { type: 'string' },
    profile: { type: 'boolean' },
  },
});
type Era = 'auto' | 'legacy';
type Mode = 'always' | 'auto';
const ERAS = (flags.eras ?? 'auto,legacy').split(',').map((e) => e.trim()) as Era[];
const MODES = (flags.modes ?? 'always,auto').split(',').map((e) => e.trim()) as Mode[];
if (ERAS.some((e) => e !== 'auto' && e !== 'legacy')) throw new Error('--eras takes auto and/or legacy');
if (MODES.some((m) => m !== 'always' && m !== 'auto')) throw new Error('--modes takes always and/or auto');
const COLD_ROUNDS = Number(flags['cold-rounds'] ?? 3);
const WARM = Number(flags.warm ?? 100);
const CHANGES = Number(flags.changes ?? 10);
const TTL_SAMPLES = Number(flags['ttl-samples'] ?? 1);
const LOG_LEVEL = flags['log-level'] ?? 'info';
const MAX_SECONDS = Number(flags['max-seconds'] ?? 480);
const DEADLINE = performance.now() + MAX_SECONDS * 1000;
const DATABASE_URL = process.env.DATABASE_URL;
const UPSTREAM_TTL_MS = 60_000;
const TARGET_WARM_MS = 5;
const PROFILE = flags.profile === true;

cleanUpOnExit();

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
const r2 = (x: number) => Math.round(x * 100) / 100;
const stats = (xs: number[]) => {
  const s = sorted(xs);
  return { p50_ms: r2(pct(s, 50)), p90_ms: r2(pct(s, 90)), p99_ms: r2(pct(s, 99)), max_ms: r2(s.at(-1) ?? NaN), mean_ms: r2(xs.reduce((a, b) => a + b, 0) / (xs.length || 1)), samples: xs.length };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One series of lists: end-to-end times, and the HTTP time and size of each page. */
interface Series {
  lists: number[];
  pages: number[];
  pageBytes: number[];
  pagesPerList: number[];
  tools: number[];
}
const newSeries = (): Series => ({ lists: [], pages: [], pageBytes: [], pagesPerList: [], tools: [] });
const summary = (s: Series) =>
  s.lists.length === 0
    ? null
    : {
        ...stats(s.lists),
        listed_tools: [...new Set(s.tools)],
        pages_per_list: [...new Set(s.pagesPerList)],
        page_http: { ...stats(s.pages), bytes_p50: pct(sorted(s.pageBytes), 50) },
        ...(s.lists.length <= 12 ? { each_ms: s.lists.map(r2) } : {}),
      };

/**
 * A fetch that, for `tools/list` requests only, reads the whole answer before handing it to the SDK, and records how
 * long that took and how big it was: the server's and the wire's share of a page, without the client's parsing.
 */
function pageTimer(): { fetch: FetchLike; take(): Array<{ ms: number; bytes: number }> } {
  let pages: Array<{ ms: number; bytes: number }> = [];
  const fetchLike: FetchLike = async (url, init) => {
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const isList = body !== undefined && body.includes('"tools/list"') && (JSON.parse(body) as { method?: string }).method === 'tools/list';
    const started = performance.now();
    const res = await fetch(url, init);
    if (!isList) return res;
    const bytes = await res.arrayBuffer();
    pages.push({ ms: performance.now() - started, bytes: bytes.byteLength });
    return new Response(bytes, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return {
    fetch: fetchLike,
    take: () => {
      const out = pages;
      pages = [];
      return out;
    },
  };
}

interface Lister {
  client: Client;
  timer: ReturnType<typeof pageTimer>;
  connectMs: number;
}

async function connect(sb: SwitchboardChild, era: Era, mode: Mode): Promise<Lister> {
  const timer = pageTimer();
  const client = new Client({ name: 'bench-tools-list', version: '1' }, { versionNegotiation: { mode: era } });
  const url = new URL(`${sb.url}/mcp`);
  if (mode === 'always') url.searchParams.set('tools', 'always');
  const started = performance.now();
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${sb.token}` } }, fetch: timer.fetch }));
  return { client, timer, connectMs: performance.now() - started };
}

/** Lists every page once; adds the timings to `series`; returns the tool names. */
async function listAll(l: Lister, series: Series): Promise<string[]> {
  l.timer.take();
  const started = performance.now();
  const { tools } = await l.client.listTools(undefined, { cacheMode: 'bypass' });
  series.lists.push(performance.now() - started);
  const pages = l.timer.take();
  series.pages.push(...pages.map((p) => p.ms));
  series.pageBytes.push(...pages.map((p) => p.bytes));
  series.pagesPerList.push(pages.length);
  series.tools.push(tools.length);
  return tools.map((t) => t.name);
}

/** The V8 CPU profiler in the Switchboard process (bench/gateway-switchboard.ts), around one series. */
async function profileStart(sb: SwitchboardChild): Promise<string> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'sb-bench-tl-prof-')), 'switchboard.cpuprofile');
  await sb.request({ type: 'profile-start' });
  return file;
}
async function profileStop(sb: SwitchboardChild, file: string, lists: number) {
  await sb.request({ type: 'profile-stop', file });
  const { by_layer, by_src_function, inclusive_src, by_leaf_package, ...totals } = summarizeProfile(file, lists, 12);
  return { file, note: 'Switchboard main thread, sampled every 200 µs; ms_per_call = per list (every page)', ...totals, by_layer, by_src_function, inclusive_src, by_leaf_package };
}

async function main() {
  const upstream = await startUpstream<{ url: string; connectors: Array<{ slug: string; name: string; url: string; description: string }>; tools: number }>('bench/tools-list-upstream.ts');
  const { connectors } = upstream.info;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sb-bench-tl-'));
  const database = DATABASE_URL ? await freshDatabase(DATABASE_URL, 'sbbench_tl') : undefined;
  const start = () => startSwitchboard({ upstreamUrl: upstream.url, connectors, dataDir, databaseExisting: database?.url, logLevel: LOG_LEVEL });
  const combos = ERAS.flatMap((era) => MODES.map((mode) => ({ era, mode })));
  const results = new Map(combos.map((c) => [`${c.era}/${c.mode}`, { ...c, cold: newSeries(), coldConnect: [] as number[], afterChange: newSeries(), warm: newSeries(), ttl: newSeries() }]));
  const res = (era: Era, mode: Mode) => results.get(`${era}/${mode}`)!;
  const startMs: number[] = [];
  let sb: SwitchboardChild | undefined;
  let storage = '';
  let definitionBytes: number | undefined;
  let warmSeriesSeconds = 0;
  const profiles: Array<Record<string, unknown>> = [];
  const started = performance.now();
  try {
    // Cold: one fresh process per sample; the last one stays up for the rest.
    for (let round = 0; round < COLD_ROUNDS; round++) {
      for (const { era, mode } of combos) {
        if (performance.now() > DEADLINE) break;
        await sb?.stop();
        const t0 = performance.now();
        sb = await start();
        startMs.push(performance.now() - t0);
        storage = sb.storage;
        const l = await connect(sb, era, mode);
        res(era, mode).coldConnect.push(l.connectMs);
        await listAll(l, res(era, mode).cold);
        await l.client.close();
      }
    }
    if (!sb) sb = await start();

    // Warm: after one list in each era and mode (so every upstream list is fresh), the same client lists again and again.
    const listers = new Map<string, Lister>();
    for (const { era, mode } of combos) {
      const l = await connect(sb, era, mode);
      listers.set(`${era}/${mode}`, l);
      const names = await listAll(l, newSeries());
      if (mode === 'always' && definitionBytes === undefined) {
        const { tools } = await l.client.listTools(undefined, { cacheMode: 'bypass' });
        definitionBytes = Buffer.byteLength(JSON.stringify(tools));
        if (names.length !== tools.length) throw new Error('the list changed while nothing changed');
      }
    }
    const warmStarted = performance.now();
    for (const { era, mode } of combos) {
      const l = listers.get(`${era}/${mode}`)!;
      for (let i = 0; i < 5; i++) await listAll(l, newSeries());
      const profiled = PROFILE && era === ERAS[0] ? await profileStart(sb) : undefined;
      for (let i = 0; i < WARM && performance.now() < DEADLINE; i++) await listAll(l, res(era, mode).warm);
      if (profiled) profiles.push({ state: 'warm', era, mode, ...(await profileStop(sb, profiled, res(era, mode).warm.lists.length)) });
    }
    warmSeriesSeconds = (performance.now() - warmStarted) / 1000;

    // After a change notice: the person blocks one tool of one connector, then unblocks it; the next list shows it.
    const target = connectors[0]!;
    let changesMade = 0;
    const blocked = 'list_issues';
    for (const { era, mode } of combos) {
      const l = listers.get(`${era}/${mode}`)!;
      const profiled = PROFILE && era === ERAS[0] ? await profileStart(sb) : undefined;
      for (let i = 0; i < CHANGES && performance.now() < DEADLINE; i++) {
        // Alternates over the whole run, so every PUT is a change (an unchanged rule sends no notice).
        const block = changesMade++ % 2 === 0;
        const put = await fetch(`${sb.url}/api/v1/me/connectors/${target.slug}/policy`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${sb.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ tools: block ? { [blocked]: 'block' } : {} }),
        });
        if (!put.ok) throw new Error(`PUT policy: ${put.status} ${await put.text()}`);
        if (!((await put.json()) as { changed?: boolean }).changed) throw new Error('PUT policy changed nothing (no change notice)');
        await sleep(50);
        const names = await listAll(l, res(era, mode).afterChange);
        // In Always mode the list shows the change; On demand lists only Switchboard's own tools.
        const listed = names.some((n) => n === `${target.slug}__${blocked}`);
        if (mode === 'always' && listed === block) throw new Error(`after ${block ? 'blocking' : 'unblocking'} ${blocked}, the list ${listed ? 'still shows' : 'lacks'} it`);
      }
      if (profiled) profiles.push({ state: 'after_change (each sample: the PUT and the list)', era, mode, ...(await profileStop(sb, profiled, res(era, mode).afterChange.lists.length)) });
    }

    // TTL refresh: wait until the upstream lists are older than their 60 s, then list once (eras and modes in turn).
    for (let i = 0; i < TTL_SAMPLES && performance.now() + UPSTREAM_TTL_MS + 5000 < DEADLINE; i++) {
      const { era, mode } = combos[i % combos.length]!;
      await sleep(UPSTREAM_TTL_MS + 1000);
      await listAll(listers.get(`${era}/${mode}`)!, res(era, mode).ttl);
    }
    for (const l of listers.values()) await l.client.close();

    const rssAtEnd = rssMb(sb.child.pid!);
    const out = [...results.values()].map((r) => ({
      era: r.era,
      negotiated: r.era === 'legacy' ? '2025-11-25' : '2026-07-28',
      mode: r.mode,
      cold: summary(r.cold),
      cold_connect_ms: r.coldConnect.length ? stats(r.coldConnect) : null,
      after_change: summary(r.afterChange),
      warm: summary(r.warm),
      ttl_refresh: summary(r.ttl),
      verdict_warm_below_5ms: r.warm.lists.length ? { all_pages_p50: pct(sorted(r.warm.lists), 50) < TARGET_WARM_MS, all_pages_p99: pct(sorted(r.warm.lists), 99) < TARGET_WARM_MS, per_page_p50: pct(sorted(r.warm.pages), 50) < TARGET_WARM_MS } : null,
    }));
    process.stdout.write(
      `${JSON.stringify(
        {
          bench: 'tools-list',
          date: new Date().toISOString(),
          switchboard: codeVersion(),
          node: process.version,
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), loadavg_1m_at_end: r2(os.loadavg()[0]!) },
          storage,
          settings: { eras: ERAS, modes: MODES, cold_rounds: COLD_ROUNDS, warm_lists: WARM, changes: CHANGES, ttl_samples: TTL_SAMPLES, switchboard_log_level: LOG_LEVEL, max_seconds: MAX_SECONDS, measured_s: Math.round((performance.now() - started) / 1000), warm_series_s: Math.round(warmSeriesSeconds) },
          catalog: {
            connectors: connectors.length,
            tools: upstream.info.tools,
            tools_per_connector: upstream.info.tools / connectors.length,
            listed_definitions_bytes: definitionBytes ?? null,
            bytes_per_tool: definitionBytes ? Math.round(definitionBytes / upstream.info.tools) : null,
            page_size: 100,
            page_size_note: 'Switchboard serves tools/list 100 definitions a page (src/gateway/mcp-server.ts PAGE_SIZE), cursor = the last name served; the SDK client follows the pages',
            upstream: 'bench/tools-list-upstream.ts: one process, 50 MCP servers on /c/<slug>/mcp, 20 tools each (4 kinds of record × list/get/create/update + search or delete), JSON Schema inputs, annotations',
          },
          switchboard_start_ms: stats(startMs),
          switchboard_rss_mb_at_end: Math.round(rssAtEnd),
          definitions: {
            cold: 'first list from a fresh Switchboard process on existing storage: no upstream sessions, no upstream tool lists, no policy or tool-list caches, no JIT warmth; the client connects first (cold_connect_ms, not in the list time); one era × mode per process',
            after_change: 'first list after the person blocks or unblocks one tool of one connector through PUT /api/v1/me/connectors/{slug}/policy (+50 ms): the change notice drops the person\'s policy and tool list; upstream sessions and their 60 s tool lists stay; each sample of mode always checked (999 ↔ 1,000 tools)',
            warm: 'the same client listing again, nothing changed, upstream lists within their 60 s',
            ttl_refresh: 'first list once the upstream tool lists are older than 60 s (src/upstream/pool.ts toolsTtlMs): all 50 connectors asked again over the open sessions',
            timing: 'list ms = around client.listTools() with cacheMode bypass: every page, including the SDK client\'s parsing and validation of 1,000 definitions; page_http = each page\'s HTTP request, from sending it to the last byte of the answer (server + loopback, no client parsing)',
            modes: 'always = /mcp?tools=always (every definition); auto = /mcp (the default), which for 50 connectors resolves to On demand (search_tools, call_tool, suggest_connectors) and computes the token figures of both modes',
          },
          target: { warm_ms_below: TARGET_WARM_MS },
          results: out,
          ...(PROFILE ? { profiles } : {}),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await sb?.stop().catch(() => {});
    upstream.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop().catch(() => {});
  }
}

await main();
