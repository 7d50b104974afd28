import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, type Command } from 'commander';
import { z } from 'zod';
import { catalogEntries, CatalogFileError, readCatalogFile } from '../../toolsearch/catalog-file.ts';
import { suggestConnectors } from '../../toolsearch/suggest.ts';
import { ToolIndex } from '../../toolsearch/tool-index.ts';
import { invalidInput } from '../../shared/app-error.ts';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('a whole number from 1 to 1000');
  return n;
}

const queryLine = z.object({ q: z.string().optional(), query: z.string().optional() }).refine((v) => v.q !== undefined || v.query !== undefined);

async function loadEntries(file: string): Promise<ReturnType<typeof catalogEntries>> {
  try {
    return catalogEntries(await readCatalogFile(file));
  } catch (err) {
    if (err instanceof CatalogFileError) throw invalidInput(err.message);
    throw err;
  }
}

/** The catalogue's tool index (building it reads WordNet's index files, so the first search does not). */
async function loadIndex(file: string): Promise<ToolIndex> {
  const index = new ToolIndex();
  for (const e of await loadEntries(file)) index.upsertServer(e.server, e.tools);
  return index;
}

/** One query per line (JSON objects with the text in `q` or `query`), answered in order. */
async function searchQueriesFile(index: ToolIndex, file: string, limit: number): Promise<void> {
  const input = createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (err) {
    throw invalidInput(`Could not read the queries file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Check the path.`);
  }
  let n = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    n++;
    if (!line.trim()) continue;
    let parsed: z.infer<typeof queryLine>;
    try {
      parsed = queryLine.parse(JSON.parse(line));
    } catch {
      throw invalidInput(`Line ${n} of ${file} is not a JSON object with the query in "q" or "query"; fix that line and run again.`);
    }
    const q = (parsed.q ?? parsed.query)!;
    const results = index.search(q, { limit }).map(({ server, tool, score }) => ({ server, tool, score }));
    process.stdout.write(`${JSON.stringify({ q, results })}\n`);
  }
}

export function registerToolSearch(program: Command): void {
  program
    .command('search-tools')
    .description('Search a tool catalogue file (the datasets format) as On demand mode does; for offline evaluation')
    .requiredOption('--catalog <file>', 'catalogue JSON: {"servers":[{"name","description","tools":[…]}]}')
    .option('--query <text>', 'one request')
    .option('--queries <file>', 'JSON lines, one {"q": …} (or {"query": …}) per line; prints one line per query, in order')
    .option('--limit <k>', 'results per query', positiveInt, 10)
    .option('--json', 'print JSON')
    .action(async (opts: { catalog: string; query?: string; queries?: string; limit: number; json?: boolean }) => {
      if ((opts.query === undefined) === (opts.queries === undefined)) throw invalidInput('Give either --query TEXT or --queries FILE.jsonl (one of them).');
      const index = await loadIndex(opts.catalog);
      if (opts.queries !== undefined) return searchQueriesFile(index, opts.queries, opts.limit);
      const results = index.search(opts.query!, { limit: opts.limit }).map(({ server, tool, score }) => ({ server, tool, score }));
      if (opts.json) process.stdout.write(`${JSON.stringify({ results })}\n`);
      else process.stdout.write(results.length ? results.map((r, i) => `${String(i + 1).padStart(2)}. ${r.server} / ${r.tool}  (${r.score})`).join('\n') + '\n' : 'No tool matches.\n');
    });

  program
    .command('suggest')
    .description('Which connectors fit a request, among the connected ones of a catalogue file; for offline evaluation')
    .requiredOption('--catalog <file>', 'catalogue JSON (the datasets format)')
    .requiredOption('--connected <servers>', 'comma-separated server names the person has connected')
    .requiredOption('--query <text>', 'the request')
    .option('--unconnected', 'also list fitting servers of the catalogue that are not connected')
    .option('--json', 'print JSON')
    .action(async (opts: { catalog: string; connected: string; query: string; unconnected?: boolean; json?: boolean }) => {
      const entries = await loadEntries(opts.catalog);
      const connected = new Set(opts.connected.split(',').map((s) => s.trim()).filter(Boolean));
      const unknown = [...connected].filter((name) => !entries.some((e) => e.server.name === name));
      if (unknown.length) throw invalidInput(`Not in the catalogue: ${unknown.join(', ')}. --connected takes server names from its "servers[].name".`);
      const result = suggestConnectors(
        opts.query,
        entries.filter((e) => opts.unconnected || connected.has(e.server.name)).map((e) => ({ server: e.server, tools: e.tools, connected: connected.has(e.server.name) })),
      );
      const out = { candidates: result.candidates, ambiguous: result.ambiguous, ...(opts.unconnected ? { unconnected: result.unconnected } : {}) };
      if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else
        process.stdout.write(
          (result.candidates.length ? result.candidates.map((c) => `${c.server}  (${c.score})`).join('\n') : 'No connected server fits.') +
            (result.ambiguous ? '\nSeveral fit about equally: pick one.' : '') +
            (opts.unconnected && result.unconnected.length ? `\nNot connected, would fit: ${result.unconnected.map((u) => u.server).join(', ')}` : '') +
            '\n',
        );
    });
}
