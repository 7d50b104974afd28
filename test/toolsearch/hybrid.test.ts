import { APICallError } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { embeddingFromSettings } from '../../src/toolsearch/embedding-provider.ts';
import { Embedder, embeddingText, HybridToolIndex, ToolIndex, type EmbeddingProblem, type SearchableServer, type SearchableTool } from '../../src/toolsearch/index.ts';
import { MAX_EMBEDDING_TEXT } from '../../src/toolsearch/hybrid.ts';
import { conceptModel, conceptVector, embeddedValues, startEmbeddingServer } from '../helpers/embedding-fakes.ts';

/**
 * Hybrid tool search (docs/tool-search.md): the lexical index fused with an embedding model's cosine ranking by
 * reciprocal rank fusion; tools embedded incrementally in the background; the model's failures never reach a
 * search. The model is the AI SDK's mock with concept vectors (test/helpers/embedding-fakes.ts), and once a real
 * OpenAI-compatible HTTP endpoint built from the configuration.
 */
type Catalogue = Array<[SearchableServer, SearchableTool[]]>;
const tool = (server: string, name: string, description: string): SearchableTool => ({ key: `${server}__${name}`, name, description, inputSchema: { type: 'object', properties: { text: { type: 'string' } } } });

const CATALOGUE: Catalogue = [
  [{ name: 'infra', title: 'Infra', description: 'Cloud operations.' }, [tool('infra', 'scale_workloads', 'Scale the workloads running in a container cluster.'), tool('infra', 'list_regions', 'List the regions you can deploy to.')]],
  [{ name: 'tracker', title: 'Tracker', description: 'Project tracking.' }, [tool('tracker', 'create_issue', 'Create an issue (a bug ticket) in a project.'), tool('tracker', 'list_issues', 'List the issues of a project.')]],
  [{ name: 'weather', title: 'Weather', description: 'Forecasts.' }, [tool('weather', 'get_forecast', 'The weather forecast for a city.')]],
  [{ name: 'billing', title: 'Billing', description: 'Money in and out.' }, [tool('billing', 'send_invoice', 'Send an invoice to a customer.')]],
];
const ALL_TEXTS = CATALOGUE.flatMap(([server, tools]) => tools.map((t) => embeddingText(server, t)));

function fill(index: { upsertServer(server: SearchableServer, tools: SearchableTool[]): void }, catalogue: Catalogue = CATALOGUE) {
  for (const [server, tools] of catalogue) index.upsertServer(server, tools);
  return index;
}
const keys = (hits: Array<{ key: string }>) => hits.map((h) => h.key);

describe('embedding text', () => {
  it('is the name in words, title, description and connector, at most 2,000 characters', () => {
    const text = embeddingText({ name: 'tracker', title: 'Tracker', description: 'Project tracking.' }, { key: 'k', name: 'createIssue', title: 'Create issue', description: 'Create an issue.' });
    expect(text).toBe('create issue. Create an issue.\nConnector: Tracker: Project tracking.');
    const long = embeddingText({ name: 's' }, { key: 'k', name: 'big_tool', description: 'word '.repeat(2_000) });
    expect(long.length).toBeLessThanOrEqual(MAX_EMBEDDING_TEXT);
    expect(long.endsWith('\nConnector: s')).toBe(true);
  });
});

describe('HybridToolIndex', () => {
  it('finds through the embeddings a tool that shares no word with the query, which the lexical index alone misses', async () => {
    const lexical = fill(new ToolIndex()) as ToolIndex;
    expect(keys(lexical.search('kubernetes', { limit: 5 }))).not.toContain('infra__scale_workloads');

    const index = fill(new HybridToolIndex({ embedder: new Embedder({ model: conceptModel() }) })) as HybridToolIndex;
    expect(await index.ready()).toBe(true);
    const result = await index.searchRanked('kubernetes', { limit: 5 });
    expect(result.ranking).toBe('hybrid');
    expect(result.hits[0]).toEqual({ key: 'infra__scale_workloads', server: 'infra', tool: 'scale_workloads', score: expect.any(Number) });
    // Same hit shape as the lexical index.
    expect(Object.keys(result.hits[0]!).sort()).toEqual(['key', 'score', 'server', 'tool']);
    // Where the words do match, the fusion keeps the lexical winner first.
    expect(keys(await index.search('create an issue', { limit: 3 }))[0]).toBe('tracker__create_issue');
    // The API it wraps: size, hasServer.
    expect(index.size).toBe(6);
    expect(index.hasServer('infra')).toBe(true);
  });

  it('scores are the reciprocal rank fusion (k = 60) of the lexical and the cosine rankings', async () => {
    const index = fill(new HybridToolIndex({ embedder: new Embedder({ model: conceptModel() }) })) as HybridToolIndex;
    await index.ready();
    const query = 'ticket in a region';
    // The two rankings, recomputed here: the lexical index's own, and cosine over the concept vectors.
    const lexical = index.lexical.search(query, { limit: 50 }).map((h) => h.key);
    const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0) / (Math.hypot(...a) * Math.hypot(...b) || 1);
    const q = conceptVector(query);
    const semantic = CATALOGUE.flatMap(([server, tools]) => tools.map((t) => ({ key: t.key, sim: cosine(q, conceptVector(embeddingText(server, t))) })))
      .filter((x) => x.sim > 0)
      .sort((a, b) => b.sim - a.sim || (a.key < b.key ? -1 : 1))
      .map((x) => x.key);
    expect(semantic.length).toBeGreaterThan(0);
    const rrf = (key: string) => [lexical, semantic].reduce((sum, list) => sum + (list.includes(key) ? 1 / (60 + list.indexOf(key) + 1) : 0), 0);
    const hits = await index.search(query, { limit: 10 });
    const expected = [...new Set([...lexical, ...semantic])].sort((a, b) => rrf(b) - rrf(a));
    expect(hits.map((h) => h.score)).toEqual(expected.map((key) => Math.round(rrf(key) * 1e6) / 1e6).slice(0, 10));
    expect(new Set(keys(hits))).toEqual(new Set(expected.slice(0, 10)));
  });

  it('embeds in the background, in batches; a search before the vectors are ready is lexical and says so', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const base = conceptModel();
    const model = conceptModel();
    model.doEmbed = async (options) => {
      model.doEmbedCalls.push(options);
      await gate;
      return base.doEmbed(options);
    };
    const index = fill(new HybridToolIndex({ embedder: new Embedder({ model, batchSize: 4 }) })) as HybridToolIndex;
    expect(index.pending).toBe(6);
    const early = await index.searchRanked('create an issue', { limit: 3 });
    expect(early).toMatchObject({ ranking: 'lexical', lexicalOnly: 'not-ready', pending: 6 });
    expect(keys(early.hits)).toEqual(keys(index.lexical.search('create an issue', { limit: 3 })));
    release();
    expect(await index.ready()).toBe(true);
    // Six texts in batches of at most four: two requests, each text once.
    expect(model.doEmbedCalls.map((c) => c.values.length)).toEqual([4, 2]);
    expect(embeddedValues(model).sort()).toEqual([...ALL_TEXTS].sort());
    expect((await index.searchRanked('kubernetes', { limit: 3 })).ranking).toBe('hybrid');
  });

  it('many indexes embedding at once share the requests: never more under way than the concurrency allows', async () => {
    let inFlight = 0;
    let most = 0;
    const base = conceptModel();
    const model = conceptModel();
    model.doEmbed = async (options) => {
      model.doEmbedCalls.push(options);
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return base.doEmbed(options);
    };
    const embedder = new Embedder({ model, batchSize: 1, concurrency: 2 });
    // Five people, each with their own connector (nothing to share), plus two with the same one.
    const indexes = [0, 1, 2, 3, 4].map((i) => {
      const index = new HybridToolIndex({ embedder });
      index.upsertServer({ name: `s${i}` }, [tool(`s${i}`, 'scale_workloads', `Scale cluster ${i}.`)]);
      return index;
    });
    for (const index of [0, 1].map(() => new HybridToolIndex({ embedder }))) {
      index.upsertServer({ name: 'shared' }, [tool('shared', 'list_regions', 'List the regions.')]);
      indexes.push(index);
    }
    expect(await Promise.all(indexes.map((i) => i.ready()))).toEqual(indexes.map(() => true));
    expect(most).toBe(2);
    // Six distinct texts, each requested once, although seven indexes asked.
    expect(embeddedValues(model)).toHaveLength(6);
  });

  it('embeds again only new or changed tools; another index with the same connectors embeds nothing; queries are cached', async () => {
    const model = conceptModel();
    const embedder = new Embedder({ model });
    const index = fill(new HybridToolIndex({ embedder })) as HybridToolIndex;
    await index.ready();
    expect(embeddedValues(model)).toHaveLength(6);

    // The tracker's list changes: create_issue gets a new description, close_issue is new, list_issues is as it was.
    const tracker: SearchableServer = { name: 'tracker', title: 'Tracker', description: 'Project tracking.' };
    const changed = [tool('tracker', 'create_issue', 'Open a new bug ticket in a project.'), tool('tracker', 'list_issues', 'List the issues of a project.'), tool('tracker', 'close_issue', 'Close an issue.')];
    const before = model.doEmbedCalls.length;
    index.upsertServer(tracker, changed);
    expect(index.pending).toBe(2);
    await index.ready();
    const again = model.doEmbedCalls.slice(before).flatMap((c) => c.values);
    expect(again.sort()).toEqual([embeddingText(tracker, changed[0]!), embeddingText(tracker, changed[2]!)].sort());

    // Another person's index with the same connectors: every vector comes from the shared cache, at once.
    const calls = model.doEmbedCalls.length;
    const other = fill(new HybridToolIndex({ embedder })) as HybridToolIndex;
    expect(other.pending).toBe(0);
    expect((await other.searchRanked('kubernetes', { limit: 3 })).hits[0]?.key).toBe('infra__scale_workloads');
    // One request: the query's vector. A repeated query is not embedded again.
    await other.search('kubernetes', { limit: 3 });
    await index.search('kubernetes', { limit: 3 });
    expect(model.doEmbedCalls.slice(calls).map((c) => c.values)).toEqual([['kubernetes']]);

    // A removed connector's tools are no longer found, by either ranking.
    index.removeServer('infra');
    expect(keys(await index.search('kubernetes', { limit: 5 }))).not.toContain('infra__scale_workloads');
    expect(index.hasServer('infra')).toBe(false);
    expect(index.size).toBe(5);
  });

  it('respects filter and regex in the embedding ranking too', async () => {
    const index = fill(new HybridToolIndex({ embedder: new Embedder({ model: conceptModel() }) })) as HybridToolIndex;
    await index.ready();
    expect(keys(await index.search('kubernetes', { limit: 5 }))).toContain('infra__scale_workloads');
    expect(keys(await index.search('kubernetes', { limit: 5, filter: (key) => key !== 'infra__scale_workloads' }))).not.toContain('infra__scale_workloads');
    // Only the embeddings find scale_workloads for "kubernetes": a regex it fails keeps it out.
    expect(await index.search('kubernetes', { limit: 5, regex: '^list_' })).toEqual([]);
    expect(keys(await index.search('kubernetes', { limit: 5, regex: '^scale' }))).toEqual(['infra__scale_workloads']);
    // "ticket" is in create_issue's words; list_issues is near it by meaning only: the regex keeps the latter.
    const listing = await index.search('ticket', { limit: 5, regex: '^list_' });
    expect(keys(listing)).toContain('tracker__list_issues');
    expect(listing.every((h) => h.tool.startsWith('list_'))).toBe(true);
    // A regex with an empty query selects alone, as in the lexical index.
    expect(await index.searchRanked('', { regex: 'invoice' })).toMatchObject({ ranking: 'lexical', lexicalOnly: 'no-query', hits: [{ key: 'billing__send_invoice' }] });
  });
});

describe('when the embedding model fails', () => {
  const unauthorized = () => new APICallError({ message: 'Incorrect API key provided', url: 'https://embeddings.example/v1/embeddings', requestBodyValues: {}, statusCode: 401, isRetryable: false });

  it('a search returns the lexical result, never an exception; the operator is told once a minute; it recovers', async () => {
    let now = 1_000_000;
    let failing = true;
    const problems: EmbeddingProblem[] = [];
    const model = conceptModel({ fail: () => (failing ? unauthorized() : undefined) });
    const embedder = new Embedder({ model, onError: (p) => problems.push(p), now: () => now, maxRetries: 0 });
    const index = fill(new HybridToolIndex({ embedder })) as HybridToolIndex;
    const lexical = fill(new ToolIndex()) as ToolIndex;
    expect(await index.ready()).toBe(false);
    for (const query of ['create an issue', 'kubernetes', 'weather forecast']) {
      const result = await index.searchRanked(query, { limit: 5 });
      expect(result).toMatchObject({ ranking: 'lexical', lexicalOnly: 'unavailable' });
      expect(result.hits).toEqual(lexical.search(query, { limit: 5 }));
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ what: 'tools', status: 401, model: 'mock-provider/mock-model-id', suppressed: 0 });
    expect(problems[0]!.message).toMatch(/could not embed tool descriptions with mock-provider\/mock-model-id: HTTP 401: Incorrect API key provided\. Searches rank lexically .* Check that the embedding service is up/);

    // The model rested; it answers again: the next search starts embedding, and searches become hybrid.
    now += 31_000;
    failing = false;
    await index.search('kubernetes', { limit: 5 });
    expect(await index.ready()).toBe(true);
    expect((await index.searchRanked('kubernetes', { limit: 5 })).hits[0]?.key).toBe('infra__scale_workloads');

    // It fails on a new query: lexical again, and not reported within the minute (counted instead)...
    failing = true;
    const down = await index.searchRanked('kubernetes cluster', { limit: 5 });
    expect(down).toMatchObject({ ranking: 'lexical', lexicalOnly: 'unavailable' });
    expect(down.hits).toEqual(lexical.search('kubernetes cluster', { limit: 5 }));
    expect(problems).toHaveLength(1);
    // ...then reported with the count of those left out.
    now += 61_000;
    await index.search('pods', { limit: 5 });
    expect(problems).toHaveLength(2);
    expect(problems[1]).toMatchObject({ what: 'query', suppressed: 1 });
  });

  it('a provider that never answers holds a search up for the query timeout only', async () => {
    const model = conceptModel({ fail: (values) => (values.includes('kubernetes') ? 'hang' : undefined) });
    const problems: EmbeddingProblem[] = [];
    const index = fill(new HybridToolIndex({ embedder: new Embedder({ model, queryTimeoutMs: 100, onError: (p) => problems.push(p) }) })) as HybridToolIndex;
    await index.ready();
    const started = Date.now();
    const result = await index.searchRanked('kubernetes', { limit: 5 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ ranking: 'lexical', lexicalOnly: 'unavailable' });
    expect(problems[0]?.what).toBe('query');
  });

  it('a throwing reporter or a plain network error does not reach the search either', async () => {
    const model = conceptModel({ fail: () => Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) }) });
    const index = fill(new HybridToolIndex({ embedder: new Embedder({ model, maxRetries: 0, onError: () => { throw new Error('logger down'); } }) })) as HybridToolIndex;
    await index.ready();
    await expect(index.search('create an issue', { limit: 2 })).resolves.toEqual(index.lexical.search('create an issue', { limit: 2 }));
  });
});

describe('an OpenAI-compatible endpoint over HTTP, built from the configuration', () => {
  let api: Awaited<ReturnType<typeof startEmbeddingServer>>;
  beforeAll(async () => {
    api = await startEmbeddingServer();
  });
  afterAll(async () => {
    await api?.close();
  });

  for (const provider of ['openai-compatible', 'openai'] as const) {
    it(`config → ${provider} provider → POST /v1/embeddings with the model and the tool texts → hybrid search`, async () => {
      api.requests.length = 0;
      const config = loadConfig({
        env: { SWITCHBOARD_EMBEDDING_PROVIDER: provider, SWITCHBOARD_EMBEDDING_MODEL: 'concept-embed-1', SWITCHBOARD_EMBEDDING_BASE_URL: api.baseUrl, SWITCHBOARD_EMBEDDING_API_KEY: 'sk-test-embedding-key', SWITCHBOARD_EMBEDDING_DIMENSIONS: '6' },
      });
      const embedding = embeddingFromSettings(config.toolSearch.embedding!);
      expect(embedding.describe).not.toContain('sk-test-embedding-key');
      const index = fill(new HybridToolIndex({ embedder: new Embedder({ model: embedding.model, dimensions: embedding.dimensions, secrets: embedding.secrets }) })) as HybridToolIndex;
      expect(await index.ready()).toBe(true);
      const result = await index.searchRanked('kubernetes', { limit: 3 });
      expect(result.ranking).toBe('hybrid');
      expect(result.hits[0]?.key).toBe('infra__scale_workloads');

      expect(api.requests.length).toBeGreaterThanOrEqual(2);
      for (const request of api.requests) {
        expect(request.path).toBe('/v1/embeddings');
        expect(request.authorization).toBe('Bearer sk-test-embedding-key');
        expect(request.body).toMatchObject({ model: 'concept-embed-1', dimensions: 6, encoding_format: 'float' });
      }
      const inputs = api.requests.flatMap((r) => r.body.input ?? []);
      expect(inputs.filter((i) => i !== 'kubernetes').sort()).toEqual([...ALL_TEXTS].sort());
      expect(api.requests.at(-1)?.body.input).toEqual(['kubernetes']);
    });
  }

  it('a 401 from the endpoint: lexical results, and a report that names the status but never the key', async () => {
    api.reject = true;
    try {
      const config = loadConfig({ env: { SWITCHBOARD_EMBEDDING_PROVIDER: 'openai-compatible', SWITCHBOARD_EMBEDDING_MODEL: 'concept-embed-1', SWITCHBOARD_EMBEDDING_BASE_URL: api.baseUrl, SWITCHBOARD_EMBEDDING_API_KEY: 'sk-test-embedding-key' } });
      const embedding = embeddingFromSettings(config.toolSearch.embedding!);
      const problems: EmbeddingProblem[] = [];
      const index = fill(new HybridToolIndex({ embedder: new Embedder({ model: embedding.model, secrets: embedding.secrets, maxRetries: 0, onError: (p) => problems.push(p) }) })) as HybridToolIndex;
      expect(await index.ready()).toBe(false);
      expect(await index.search('create an issue', { limit: 3 })).toEqual(index.lexical.search('create an issue', { limit: 3 }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ status: 401, model: 'openai-compatible.embedding/concept-embed-1' });
      // The endpoint echoed the key in its message; the report does not.
      expect(problems[0]!.message).toContain('Incorrect API key provided: [redacted]');
      expect(JSON.stringify(problems)).not.toContain('sk-test-embedding-key');
    } finally {
      api.reject = false;
    }
  });
});
