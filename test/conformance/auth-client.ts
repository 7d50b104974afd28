/**
 * The MCP conformance suite's client under test: Switchboard's upstream OAuth client (the
 * connections module: DB-backed provider, vault, refresh) and upstream MCP client, driven headlessly.
 * Run by `conformance client --command "node test/conformance/auth-client.ts" --suite auth`, which
 * appends the mock server's URL and names the scenario in MCP_CONFORMANCE_SCENARIO.
 */
import { randomBytes } from 'node:crypto';
import { computeScopeUnion, InsufficientScopeError } from '@modelcontextprotocol/client';
import { setPreregisteredClient } from '../../src/connections/preregistered-client.ts';
import { ConnectionService } from '../../src/connections/service.ts';
import type { ConnectorTarget } from '../../src/connections/types.ts';
import { Vault } from '../../src/connections/vault.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createUser } from '../../src/identity/users.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { openUpstream } from '../../src/upstream/mcp-client.ts';

const serverUrl = process.argv.at(-1)!;
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as { client_id?: string; client_secret?: string };
// An https public URL lets the client use a Client ID Metadata Document where the AS supports it;
// the mock AS redirects to it and this script reads the redirect instead of following it.
const publicUrl = 'https://switchboard.conformance.test';

// Each scenario gets its own throw-away embedded database: nothing is shared between scenarios.
const database = await openDatabase({ kind: 'pglite-memory' });
await migrateToLatest(database.db);
const db = database.db;
const vault = await Vault.open(db, randomBytes(32));
const user = await createUser(db, { email: `conformance-${randomBytes(4).toString('hex')}@switchboard.test` });
const connector: ConnectorTarget = { slug: `conformance-${randomBytes(4).toString('hex')}`, name: 'Conformance server', url: serverUrl, auth: 'oauth' };
if (context.client_id) await setPreregisteredClient(db, vault, connector.slug, context.client_id, context.client_secret);
const log = createLogger(process.env.CONFORMANCE_LOG ?? 'silent');
// The mock authorization server checks for this exact Client ID Metadata Document URL.
const clientMetadataUrl = 'https://conformance-test.local/client-metadata.json';
const connections = new ConnectionService({ db, vault, publicUrl, clientMetadataUrl, resolveConnector: async (slug) => (slug === connector.slug ? connector : undefined), log });

/** What a person's browser does: open the authorization URL, land on our callback with the answer. */
async function authorize(scope?: string): Promise<void> {
  const { authorizationUrl } = await connections.startOAuth(user.id, connector.slug, { scope });
  const res = await fetch(authorizationUrl, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (!location) throw new Error(`the authorization endpoint answered ${res.status} without a redirect`);
  await connections.finishOAuth(new URL(location).searchParams);
}

const credentials = { get: (options?: { rejectedAccessToken?: string }) => connections.credentialsFor(user.id, connector.slug, options) };

try {
  await authorize();
  let client = await openUpstream(serverUrl, credentials);
  const { tools } = await client.listTools();
  const tool = tools[0];
  if (scenario === 'tools_call') {
    await client.callTool({ name: 'add_numbers', arguments: { a: 5, b: 3 } });
  } else if (tool) {
    try {
      await client.callTool({ name: tool.name, arguments: {} });
    } catch (err) {
      if (!(err instanceof InsufficientScopeError)) throw err;
      // Step-up: ask again for what we had plus what the server says this call needs.
      const had = (await connections.get(user.id, connector.slug))?.scope ?? undefined;
      await authorize(computeScopeUnion(had, err.requiredScope));
      await client.close();
      client = await openUpstream(serverUrl, credentials);
      await client.callTool({ name: tool.name, arguments: {} });
    }
  }
  await client.close();
} finally {
  await database.close();
}
