import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { upsertListing } from '../../src/directory/store.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { enableConnector } from '../../src/policy/store.ts';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { processStorage } from '../helpers/db.ts';
import { startEverythingUpstream, type EverythingUpstream } from './everything-upstream.ts';

const TOKEN = 'sbp_conformance_profile_token_1';

export interface GatewayProfile {
  /** The /mcp URL the conformance CLI talks to (through the token-adding relay). */
  url: string;
  server: RunningServer;
  upstream: EverythingUpstream;
  close(): Promise<void>;
}

/**
 * The documented pass-through test profile (docs/conformance.md): a real Switchboard with
 * `SWITCHBOARD_MCP_NAMING=passthrough`, the everything fixture as its only connector (auth `none`,
 * enabled for the person's organization), and a relay in front that adds the person's token, because the
 * conformance CLI cannot send an Authorization header. The relay forwards Host and Origin untouched, so
 * the DNS-rebinding scenario tests Switchboard's own guard.
 */
export async function startGatewayProfile(): Promise<GatewayProfile> {
  const storage = await processStorage('sb-conformance-gw-');
  const upstream = await startEverythingUpstream();
  const file = path.join(storage.env.SWITCHBOARD_DATA_DIR!, 'bootstrap.yaml');
  writeFileSync(file, `organizations:\n  - slug: conformance\n    name: Conformance\n    plan: team\n    members:\n      - { email: referee@conformance.test, role: owner, tokens: [${TOKEN}] }\n`);
  const server = await startServer(
    loadConfig({ env: { ...storage.env, PORT: '0', SWITCHBOARD_DEMO: 'off', LOG_LEVEL: 'silent', SWITCHBOARD_EGRESS_ALLOW: '127.0.0.1/32', SWITCHBOARD_MCP_NAMING: 'passthrough' }, configFile: file }),
    { logger: createLogger('silent') },
  );
  const db = server.services.database.db;
  await upsertListing(db, { slug: 'everything', name: 'Everything', tagline: 'Conformance fixture', description: 'The MCP conformance everything server.', category: 'other', mcpUrl: upstream.url, authKind: 'none', source: 'import', origin: 'test:everything' });
  await enableConnector(db, OPERATOR, 'conformance', 'everything');

  const target = new URL(`${server.url}/mcp`);
  const relay: HttpServer = createServer((req, res) => {
    const forwarded = httpRequest(
      { host: target.hostname, port: target.port, path: `${target.pathname}${req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''}`, method: req.method, headers: { ...req.headers, authorization: `Bearer ${TOKEN}` } },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    forwarded.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => forwarded.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/mcp`;
  return {
    url,
    server,
    upstream,
    async close() {
      relay.closeAllConnections();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      await server.close();
      await upstream.close();
      await storage.drop();
    },
  };
}

// As a script: keep the profile up for manual runs of the conformance CLI.
if (import.meta.url === `file://${process.argv[1]}`) {
  const profile = await startGatewayProfile();
  console.log(`gateway profile: ${profile.url} (upstream ${profile.upstream.url})`);
  const stop = () => void profile.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
