import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { disableConnector, enableConnector } from '../../src/policy/store.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { ConnectorSuggestions } from '../../src/gateway/connector-suggestions.ts';
import { processStorage } from '../helpers/db.ts';
import { startTestUpstream } from '../helpers/test-upstream.ts';

/**
 * suggest_connectors over the real /mcp endpoint: which connected connector fits a request (one → use it; several
 * close → ambiguous, all returned), which directory connector to connect (with its link), and custom connectors
 * never shown to anyone whose organization did not add them.
 */
let storage: Awaited<ReturnType<typeof processStorage>>;
let server: RunningServer;
let weather: Awaited<ReturnType<typeof startTestUpstream>>;
let lockedWeather: Awaited<ReturnType<typeof startTestUpstream>>;
const MAX = 'sbp_test_max_suggest_1';
const GINA = 'sbp_test_gina_suggest_1';
const QUERY = 'weather forecast for Paris tomorrow: will it rain?';
const FORECAST_TOOLS = [{ name: 'get_forecast', title: 'Weather forecast', description: 'Weather forecast for a city: temperature, rain and wind for the coming days.', params: { city: 'The city' } }];

async function suggest(token: string, era: 'auto' | 'legacy', query = QUERY): Promise<ConnectorSuggestions & { text: string }> {
  const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: { mode: era } });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp?tools=on_demand`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  try {
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('suggest_connectors');
    const result = await client.callTool({ name: 'suggest_connectors', arguments: { query } });
    expect(result.isError).toBeFalsy();
    const text = (result.content as Array<{ text: string }>).map((c) => c.text).join('');
    return { ...(result.structuredContent as unknown as ConnectorSuggestions), text };
  } finally {
    await client.close();
  }
}

const slugs = (s: { connector: string }[]) => s.map((c) => c.connector);

beforeAll(async () => {
  storage = await processStorage('sb-suggest-');
  weather = await startTestUpstream('weather', { tools: FORECAST_TOOLS });
  // The same tools behind a server that wants credentials (it answers 401 with a Bearer challenge: OAuth).
  lockedWeather = await startTestUpstream('locked-weather', { apiKey: () => 'never-given', tools: FORECAST_TOOLS });
  const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
  writeFileSync(
    file,
    `organizations:\n  - slug: acme\n    name: Acme\n    plan: team\n    members:\n      - { email: max@acme.test, role: member, tokens: [${MAX}] }\n  - slug: globex\n    name: Globex\n    plan: team\n    members:\n      - { email: gina@globex.test, role: owner, tokens: [${GINA}] }\n`,
  );
  server = await startServer(loadConfig({ env: { ...storage.env, PORT: '0', SWITCHBOARD_DEMO: 'off', LOG_LEVEL: 'silent', SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32' }, configFile: file }), { logger: createLogger('silent') });
  const db = server.services.database.db;
  const listing = (slug: string, name: string, url: string, authKind: 'none' | 'oauth', description: string) =>
    upsertListing(db, { slug, name, tagline: 'Weather', description, category: 'data', mcpUrl: url, authKind, source: 'import', origin: `test:${slug}`, ...(authKind === 'oauth' ? { tools: [{ name: 'get_forecast', title: 'Weather forecast' }] } : {}) });
  await listing('weather-now', 'Weather Now', weather.url, 'none', 'Weather forecasts: temperature, rain and wind.');
  await listing('weather-alt', 'Weather Alt', weather.url, 'none', 'Weather forecasts: temperature, rain and wind.');
  // In the directory, needs an account, nobody connected it.
  await listing('forecast-pro', 'Forecast Pro', lockedWeather.url, 'oauth', 'Professional weather forecasts with rain radar.');
  await enableConnector(db, OPERATOR, 'acme', 'weather-now', server.services.policyChanges);
});
afterAll(async () => {
  await server?.close();
  await weather?.close();
  await lockedWeather?.close();
  await storage?.drop();
});

describe('suggest_connectors', () => {
  for (const era of ['auto', 'legacy'] as const) {
    it(`one fitting connected connector is the one to use, without asking (${era === 'auto' ? '2026-07-28' : '2025-11-25'})`, async () => {
      const s = await suggest(MAX, era);
      expect(s.ambiguous).toBe(false);
      expect(s.use).toBe('weather-now');
      expect(slugs(s.candidates)).toEqual(['weather-now']);
      expect(s.text).toMatch(/^Use Weather Now \(weather-now\)/);
    });
  }

  it('two connected connectors that fit about equally are both returned, marked ambiguous, for the person to pick', async () => {
    const db = server.services.database.db;
    await enableConnector(db, OPERATOR, 'acme', 'weather-alt', server.services.policyChanges);
    try {
      const s = await suggest(MAX, 'auto');
      expect(s.ambiguous).toBe(true);
      expect(s.use).toBeNull();
      expect(slugs(s.candidates).sort()).toEqual(['weather-alt', 'weather-now']);
      expect(s.text).toMatch(/fit .* about equally\. Ask the person which one to use/);
    } finally {
      await disableConnector(db, OPERATOR, 'acme', 'weather-alt', server.services.policyChanges);
    }
  });

  it('a fitting directory connector not connected yet is suggested with its connect link, and whether the organization has it', async () => {
    const db = server.services.database.db;
    const before = await suggest(MAX, 'auto');
    const pro = before.unconnected.find((u) => u.connector === 'forecast-pro');
    expect(pro).toMatchObject({ name: 'Forecast Pro', connectUrl: `${server.url}/api/v1/connections/forecast-pro/authorize`, enabledInOrganization: false });
    expect(before.text).toContain(`ask an owner to add it, then connect it at ${server.url}/api/v1/connections/forecast-pro/authorize`);
    // Never among the connected candidates.
    expect(slugs(before.candidates)).not.toContain('forecast-pro');
    await enableConnector(db, OPERATOR, 'acme', 'forecast-pro', server.services.policyChanges);
    try {
      const after = await suggest(MAX, 'auto');
      expect(after.unconnected.find((u) => u.connector === 'forecast-pro')).toMatchObject({ enabledInOrganization: true });
      expect(after.text).toContain(`connect it at ${server.url}/api/v1/connections/forecast-pro/authorize`);
    } finally {
      await disableConnector(db, OPERATOR, 'acme', 'forecast-pro', server.services.policyChanges);
    }
  });

  it('a custom connector is never suggested to anyone whose organization did not add it; even there, only once connected', async () => {
    const add = async (name: string, url: string) => {
      const res = await fetch(`${server.url}/api/v1/connectors`, {
        method: 'POST',
        headers: { authorization: `Bearer ${GINA}`, 'content-type': 'application/json' },
        body: JSON.stringify({ org: 'globex', url, name, description: 'Weather forecasts: temperature, rain and wind, for Globex sites.' }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { connector: { slug: string; auth: { kind: string } } }).connector;
    };
    // Usable at once (no credentials) and one that needs an account nobody at Globex connected.
    const open = await add('Globex Weather', weather.url);
    const locked = await add('Globex Weather Locked', lockedWeather.url);
    expect(open.auth.kind).toBe('none');
    expect(locked.auth.kind).toBe('oauth');
    for (const era of ['auto', 'legacy'] as const) {
      const acme = await suggest(MAX, era);
      const seen = [...slugs(acme.candidates), ...slugs(acme.unconnected)];
      expect(seen).not.toContain(open.slug);
      expect(seen).not.toContain(locked.slug);
      expect(acme.text).not.toContain('Globex');
    }
    const globex = await suggest(GINA, 'auto');
    // Gina's organization added both: the usable one is a candidate; the unconnected one is not offered to connect.
    expect(slugs(globex.candidates)).toContain(open.slug);
    expect(slugs(globex.candidates)).not.toContain(locked.slug);
    expect(slugs(globex.unconnected)).not.toContain(locked.slug);
    expect(slugs(globex.unconnected)).not.toContain(open.slug);
    // The directory's own fitting connector is offered to her too.
    expect(slugs(globex.unconnected)).toContain('forecast-pro');
  });

  it('says so when nothing fits, and refuses an empty request with what to send', async () => {
    const none = await suggest(MAX, 'auto', 'xylophone quartet rehearsal schedule');
    expect(none).toMatchObject({ use: null, ambiguous: false, candidates: [] });
    expect(none.text).toMatch(/None of your connected connectors fits/);
    const client = new Client({ name: 'test', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp?tools=on_demand`), { requestInit: { headers: { authorization: `Bearer ${MAX}` } } }));
    try {
      const bad = await client.callTool({ name: 'suggest_connectors', arguments: { query: '' } });
      expect(bad.isError).toBe(true);
      expect((bad.content as Array<{ text: string }>)[0]!.text).toMatch(/The arguments of suggest_connectors are not valid \(query: .*\)\. Fix them/);
    } finally {
      await client.close();
    }
  });
});
