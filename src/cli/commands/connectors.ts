import { readFileSync } from 'node:fs';
import { CommanderError, type Command } from 'commander';
import { computeCapabilities, type Capabilities } from '../../directory/capabilities.ts';
import { importConnectors, type ImportReport, type ImportSource } from '../../directory/import.ts';
import { listListings } from '../../directory/search.ts';
import { syncSeedCatalog } from '../../directory/seed.ts';
import { OPERATOR } from '../../identity/actor.ts';
import { invalidInput } from '../../shared/app-error.ts';
import { configFrom, output, readStdin, withDatabase } from '../context.ts';
import { resolveSecretKey } from '../../config/secret-key.ts';
import { removePreregisteredClient, setPreregisteredClient } from '../../connections/preregistered-client.ts';
import { Vault } from '../../connections/vault.ts';
import { findListing } from '../../directory/store.ts';
import { diagnose, type Diagnosis } from '../../upstream/diagnose.ts';
import { EgressGuard } from '../../upstream/egress.ts';

const MARK = { ok: '✓', failed: '✗', skipped: '-' } as const;

function printDiagnosis(d: Diagnosis): void {
  const lines = [`Diagnosing ${d.url}`];
  for (const s of d.steps) {
    lines.push(`${MARK[s.status]} ${s.step.padEnd(10)} ${s.detail}${s.status === 'skipped' ? '' : ` (${s.ms} ms)`}`);
    if (s.fix) lines.push(`  fix: ${s.fix}`);
  }
  lines.push(d.ok ? `OK${d.era ? `: the server speaks MCP ${d.era}` : ''}.` : 'A step failed: see its fix above.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A path is a server.json file; an http(s) URL is a registry's base URL. */
function importSource(arg: string): ImportSource {
  if (/^https?:\/\//i.test(arg)) return { registryUrl: arg };
  let text: string;
  try {
    text = readFileSync(arg, 'utf8');
  } catch (err) {
    throw invalidInput(`Cannot read ${arg} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Give the path of a server.json file, or a registry URL starting with https://.`);
  }
  try {
    return { serverJson: JSON.parse(text) as unknown };
  } catch (err) {
    throw invalidInput(`${arg} is not JSON (${(err as Error).message}); a server.json file is a JSON object.`);
  }
}

const capabilityText = (c: Capabilities) => (c.status === 'unknown' ? 'unknown' : `${c.readOnly} read, ${c.writeDelete} write, ${c.other} other`);

function printReport(report: ImportReport): void {
  const line = (verb: string, items: ImportReport['created']) => items.map((i) => `  ${verb} ${i.slug}  ${i.name}  ${i.mcpUrl}\n`).join('');
  process.stdout.write(
    `Imported: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged, ${report.skipped.length} skipped.\n` +
      line('created  ', report.created) +
      line('updated  ', report.updated) +
      line('unchanged', report.unchanged) +
      report.skipped.map((s) => `  skipped   ${s.server}${s.remote !== undefined ? ` (remote ${s.remote})` : ''}: ${s.reason}\n`).join('') +
      report.notes.map((n) => `  note: ${n}\n`).join(''),
  );
}

export function registerConnectors(program: Command): void {
  const connectors = program.command('connectors').description('The connector directory: list it, import from the MCP Registry format');
  registerConnectorClient(connectors);

  connectors
    .command('import')
    .description('Import listings from a server.json file, or from a registry base URL (reads its /v0.1/servers)')
    .argument('<source>', 'path of a server.json file, or https://… base URL of an MCP Registry')
    .option('--json', 'print JSON')
    .action(async (arg: string, options: { json?: boolean }, command: Command) => {
      const source = importSource(arg);
      const report = await withDatabase(command, async (database) => {
        // Same catalog the server applies at start, so imports see the seed slugs and URLs they must not take.
        await syncSeedCatalog(database.db);
        return importConnectors(database.db, OPERATOR, source);
      });
      if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report);
    });

  connectors
    .command('diagnose')
    .description("Diagnose the connection to an MCP server: DNS and the egress decision, TCP/TLS, MCP handshake (spec era), auth discovery")
    .argument('<url>', "the MCP server's URL, e.g. https://mcp.example.com/mcp")
    .option('--json', 'print JSON')
    .option('--timeout <seconds>', 'give each step this long', '10')
    .action(async (url: string, options: { json?: boolean; timeout: string }, command: Command) => {
      // The server's own egress rules (egress.allow, SWITCHBOARD_EGRESS_ALLOW): what passes here passes there.
      const guard = new EgressGuard({ allow: configFrom(command).egressAllow });
      try {
        const timeoutMs = Math.max(1, Number(options.timeout) || 10) * 1000;
        const diagnosis = await diagnose(url, { guard, timeoutMs });
        if (options.json) process.stdout.write(`${JSON.stringify(diagnosis, null, 2)}\n`);
        else printDiagnosis(diagnosis);
        // Exit status 1, the report above being the message (main() turns a CommanderError into its exit code).
        if (!diagnosis.ok) throw new CommanderError(1, 'switchboard.diagnoseFailed', 'A diagnostic step failed.');
      } finally {
        await guard.close();
      }
    });

  connectors
    .command('list')
    .description('List the directory (seed catalog, bootstrap, demo and imported listings)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const page = await withDatabase(command, async (database) => {
        await syncSeedCatalog(database.db);
        return listListings(database.db, { limit: 10_000 });
      });
      const json = options.json ?? false;
      output(
        page.listings.map((l) => ({
          slug: l.slug,
          name: l.name,
          category: l.category,
          auth: l.authKind,
          source: l.source,
          url: l.mcpUrl,
          ...(json ? { transport: l.transport, capabilities: computeCapabilities(l.tools) } : { capabilities: capabilityText(computeCapabilities(l.tools)) }),
        })),
        json,
        'connectors',
      );
    });
}

/**
 * `connectors set-client SLUG --client-id ID [--client-secret-stdin]`: a client registered by hand at the
 * connector's authorization server, used before metadata documents and dynamic registration.
 */
export function registerConnectorClient(connectors: Command): void {
  connectors
    .command('set-client')
    .description("Use an OAuth client you registered at a connector's authorization server (for services without dynamic registration)")
    .argument('<slug>', 'connector slug')
    .option('--client-id <id>', 'the client id the service gave you')
    .option('--client-secret-stdin', 'read the client secret from standard input (omit for a public client)')
    .option('--remove', 'forget the client; Switchboard registers itself again where it can')
    .action(async (slug: string, options: { clientId?: string; clientSecretStdin?: boolean; remove?: boolean }, command: Command) => {
      await withDatabase(command, async (database, config) => {
        const listing = await findListing(database.db, slug);
        if (!listing) throw invalidInput(`No connector has the slug "${slug}"; see \`switchboard connectors list\`.`);
        if (options.remove) {
          const removed = await removePreregisteredClient(database.db, slug);
          process.stdout.write(removed ? `Removed the OAuth client of ${slug}.\n` : `${slug} had no OAuth client set.\n`);
          return;
        }
        if (!options.clientId) throw invalidInput('Give --client-id (and --client-secret-stdin for a confidential client), or --remove.');
        const secret = options.clientSecretStdin ? (await readStdin()).trim() : undefined;
        const vault = await Vault.open(database.db, resolveSecretKey(config.secretKey, config.dataDir).key);
        await setPreregisteredClient(database.db, vault, slug, options.clientId, secret);
        process.stdout.write(`${listing.name} now uses client ${options.clientId}${secret ? ' (with a secret, sealed in the vault)' : ''}. Register ${config.publicUrl}/api/v1/connections/callback as its redirect URI.\n`);
      });
    });
}
