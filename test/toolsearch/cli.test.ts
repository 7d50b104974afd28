import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/process.ts';

let dir: string;
let catalog: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sb-search-cli-'));
  catalog = path.join(dir, 'catalog.json');
  writeFileSync(
    catalog,
    JSON.stringify({
      servers: [
        { name: 'filesystem', description: 'Local files', tools: [{ name: 'write_file', description: 'Create or overwrite a file' }, { name: 'read_file', description: 'Read a file' }] },
        { name: 'desktop-commander', description: 'Files and processes', tools: [{ name: 'write_file', description: 'Write a file to disk' }, { name: 'start_process', description: 'Run a terminal command' }] },
        { name: 'weather', description: 'Forecasts', tools: [{ name: 'get_forecast', description: 'Weather forecast for a city' }] },
      ],
    }),
  );
});

describe('switchboard search-tools / suggest', () => {
  it('search-tools --query --json prints ranked {server, tool, score}', async () => {
    const r = await cli(['search-tools', '--catalog', catalog, '--query', 'weather in Oslo', '--limit', '2', '--json'], {});
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { results: Array<{ server: string; tool: string; score: number }> };
    expect(out.results[0]).toMatchObject({ server: 'weather', tool: 'get_forecast' });
    expect(out.results.length).toBeLessThanOrEqual(2);
    expect(out.results[0]!.score).toBeGreaterThan(0);
  });

  it('search-tools --queries prints one line per query, in order, reading q or query', async () => {
    const queries = path.join(dir, 'q.jsonl');
    writeFileSync(queries, '{"q":"run a command"}\n{"query":"save the report to a file","id":7}\n');
    const r = await cli(['search-tools', '--catalog', catalog, '--queries', queries, '--json'], {});
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { q: string; results: Array<{ tool: string }> });
    expect(lines.map((l) => l.q)).toEqual(['run a command', 'save the report to a file']);
    expect(lines[0]!.results[0]!.tool).toBe('start_process');
    expect(lines[1]!.results[0]!.tool).toBe('write_file');
  });

  it('suggest: two connected servers fit equally → both, ambiguous', async () => {
    const r = await cli(['suggest', '--catalog', catalog, '--connected', 'filesystem,desktop-commander,weather', '--query', 'write a file', '--json'], {});
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { candidates: Array<{ server: string }>; ambiguous: boolean };
    expect(out.candidates.map((c) => c.server).sort()).toEqual(['desktop-commander', 'filesystem']);
    expect(out.ambiguous).toBe(true);
  });

  it('bad input says what is wrong', async () => {
    const missing = await cli(['search-tools', '--catalog', path.join(dir, 'nope.json'), '--query', 'x'], {});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Could not read the catalogue .*ENOENT/);
    const unknown = await cli(['suggest', '--catalog', catalog, '--connected', 'nope', '--query', 'x'], {});
    expect(unknown.stderr).toMatch(/Not in the catalogue: nope/);
    const badLine = path.join(dir, 'bad.jsonl');
    writeFileSync(badLine, '{"q":"ok"}\nnot json\n');
    const bad = await cli(['search-tools', '--catalog', catalog, '--queries', badLine, '--json'], {});
    expect(bad.stderr).toMatch(/Line 2 of .* is not a JSON object/);
  });
});
