import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_CATALOG } from '../../src/directory/seed-catalog.ts';
import { processStorage } from '../helpers/db.ts';
import { cli, ROOT } from '../helpers/process.ts';

const FIXTURES = path.join(ROOT, 'test/fixtures/registry');

let env: Record<string, string | undefined>;
let drop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ env, drop } = await processStorage('sb-dir-cli-'));
});
afterAll(async () => {
  await drop?.();
});

async function ok(args: string[]): Promise<string> {
  const result = await cli(args, env);
  expect(result.stderr, `switchboard ${args.join(' ')} failed`).not.toMatch(/^switchboard: /m);
  expect(result.code).toBe(0);
  return result.stdout;
}

describe('switchboard connectors', () => {
  it('imports a server.json file, then lists it beside the seed catalog', async () => {
    const out = await ok(['connectors', 'import', path.join(FIXTURES, 'hybrid.server.json')]);
    expect(out).toMatch(/^Imported: 2 created, 0 updated, 0 unchanged, 0 skipped\./);
    expect(out).toMatch(/created\s+modelcontextprotocol-anonymous-hy-[0-9a-f]{6}\s+Hybrid \(Streamable HTTP\)\s+https:\/\/mcp\.anonymous\.modelcontextprotocol\.io\/http/);

    const again = JSON.parse(await ok(['connectors', 'import', path.join(FIXTURES, 'hybrid.server.json'), '--json'])) as { unchanged: unknown[]; created: unknown[] };
    expect(again.created).toEqual([]);
    expect(again.unchanged).toHaveLength(2);

    const list = JSON.parse(await ok(['connectors', 'list', '--json'])) as { connectors: Array<{ slug: string; source: string; auth: string; capabilities: { status: string } }> };
    expect(list.connectors).toHaveLength(SEED_CATALOG.length + 2);
    expect(list.connectors.filter((c) => c.source === 'import').map((c) => c.auth).sort()).toEqual(['headers', 'oauth']);
    expect(list.connectors.find((c) => c.slug === 'github')).toMatchObject({ source: 'seed', auth: 'oauth', capabilities: { status: 'unknown' } });

    const table = await ok(['connectors', 'list']);
    expect(table.split('\n')[0]).toMatch(/^slug\s+name\s+category\s+auth\s+source\s+url\s+capabilities$/);
    expect(table).toMatch(/\nlinear\s+Linear\s+productivity\s+oauth\s+seed\s+https:\/\/mcp\.linear\.app\/mcp\s+unknown/);
  });

  it('explains a malformed file, a missing file and a file that is not JSON, and exits 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sb-dir-cli-files-'));
    const bad = JSON.parse(readFileSync(path.join(FIXTURES, 'remote-fs.server.json'), 'utf8')) as { remotes: Array<{ url: string }> };
    bad.remotes[0]!.url = 'mcp-fs';
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(bad));
    writeFileSync(path.join(dir, 'text.json'), 'not json');

    const malformed = await cli(['connectors', 'import', path.join(dir, 'bad.json')], env);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/^switchboard: The server\.json is not valid: remotes\[0\]\.url: must be a URL\./);
    const missing = await cli(['connectors', 'import', path.join(dir, 'nope.json')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/Cannot read .*nope\.json \(ENOENT\)/);
    const text = await cli(['connectors', 'import', path.join(dir, 'text.json')], env);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/text\.json is not JSON/);
  });
});
