import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { enableConnector } from '../../src/policy/store.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { processStorage } from '../helpers/db.ts';
import { startEmbeddingServer } from '../helpers/embedding-fakes.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

/**
 * Hybrid tool search end to end: `switchboard serve` configured with an OpenAI-compatible embedding model
 * (SWITCHBOARD_EMBEDDING_*), a real connector, and `search_tools` over /mcp finding a tool by meaning; then the
 * embedding service refusing the key: searches go on lexically and the log says why, without the key.
 */
let storage: Awaited<ReturnType<typeof processStorage>>;
let server: RunningServer;
let infra: Awaited<ReturnType<typeof startTestUpstream>>;
let embeddings: Awaited<ReturnType<typeof startEmbeddingServer>>;
const TOKEN = 'sbp_test_olivia_hybrid_1';
const KEY = 'sk-e2e-embedding-key-42';
const logs: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  storage = await processStorage('sb-hybrid-');
  embeddings = await startEmbeddingServer();
  infra = await startTestUpstream('infra', {
    tools: [
      { name: 'scale_workloads', title: 'Scale workloads', description: 'Scale the workloads running in a container cluster.', params: { replicas: 'How many copies to run' } },
      { name: 'list_regions', title: 'List regions', description: 'List the regions you can deploy to.' },
    ],
  });
  const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
  writeFileSync(file, `organizations:\n  - slug: acme\n    name: Acme\n    plan: team\n    members:\n      - { email: olivia@acme.test, role: owner, tokens: [${TOKEN}] }\n`);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const env = {
    ...storage.env,
    PORT: '0',
    SWITCHBOARD_DEMO: 'off',
    SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32',
    SWITCHBOARD_EMBEDDING_PROVIDER: 'openai-compatible',
    SWITCHBOARD_EMBEDDING_MODEL: 'concept-embed-1',
    SWITCHBOARD_EMBEDDING_BASE_URL: embeddings.baseUrl,
    SWITCHBOARD_EMBEDDING_API_KEY: KEY,
  };
  server = await startServer(loadConfig({ env, configFile: file }), { logger: createLogger('info', sink) });
  const db = server.services.database.db;
  await upsertListing(db, { slug: 'infra', name: 'Infra', tagline: 'Cloud', description: 'Cloud operations.', category: 'other', mcpUrl: infra.url, authKind: 'none', source: 'import', origin: 'test:infra' });
  await enableConnector(db, OPERATOR, 'acme', 'infra', server.services.policyChanges);
});
afterAll(async () => {
  await server?.close();
  await infra?.close();
  await embeddings?.close();
  await storage?.drop();
});

interface SearchContent {
  tools: Array<{ name: string }>;
  ranking: 'hybrid' | 'lexical';
  lexicalOnly?: string;
}
const search = async (client: Client, query: string) => {
  const result = await client.callTool({ name: 'search_tools', arguments: { query } });
  expect(result.isError).toBeFalsy();
  return result.structuredContent as unknown as SearchContent;
};

describe('search_tools with an embedding model configured', () => {
  it('finds a tool by meaning over /mcp, with the configured model; lexical with a sentence in the log when the service refuses', async () => {
    expect(logs.find((l) => l.msg === 'tool search: hybrid with the configured embedding model')?.embedding).toBe(`openai-compatible concept-embed-1 at ${embeddings.baseUrl}`);
    const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp?tools=on_demand`), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } }));
    try {
      // The first search builds Olivia's index; its vectors arrive in the background.
      const first = await search(client, 'kubernetes');
      expect(['hybrid', 'lexical']).toContain(first.ranking);
      await expect.poll(async () => {
        const found = await search(client, 'kubernetes');
        return `${found.ranking} ${found.tools[0]?.name}`;
      }, { timeout: 10_000 }).toBe('hybrid infra__scale_workloads');
      const toolTexts = embeddings.requests.flatMap((r) => r.body.input ?? []).filter((input) => input !== 'kubernetes');
      // Each of the connector's tools embedded once, as its name in words, description and connector.
      expect(toolTexts).toContain('scale workloads. Scale the workloads running in a container cluster.\nConnector: Infra: Cloud operations.');
      expect(toolTexts).toContain('list regions. List the regions you can deploy to.\nConnector: Infra: Cloud operations.');
      expect(new Set(toolTexts).size).toBe(toolTexts.length);
      expect(embeddings.requests.every((r) => r.body.model === 'concept-embed-1' && r.authorization === `Bearer ${KEY}`)).toBe(true);

      // The service now refuses the key: the next search (a new query) ranks lexically and still answers.
      embeddings.reject = true;
      const refused = await search(client, 'scale the workloads');
      expect(refused).toMatchObject({ ranking: 'lexical', lexicalOnly: 'unavailable' });
      expect(refused.tools[0]?.name).toBe('infra__scale_workloads');
      const warning = logs.find((l) => l.level === 'warn' && typeof l.msg === 'string' && l.msg.startsWith('Tool search could not embed'));
      expect(warning).toMatchObject({ status: 401, what: 'query', embeddingModel: 'openai-compatible.embedding/concept-embed-1' });
      expect(warning?.msg).toMatch(/HTTP 401: Incorrect API key provided: \[redacted\].*Searches rank lexically/);
      expect(JSON.stringify(logs)).not.toContain(KEY);
    } finally {
      embeddings.reject = false;
      await client.close();
    }
  });
});
