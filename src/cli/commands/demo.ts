import { Argument, type Command } from 'commander';
import { DEMO_SERVICE_NAMES, type DemoServiceName } from '../../../demo/shared/types.ts';
import { invalidInput } from '../../shared/app-error.ts';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidInput('--port must be a whole number from 0 to 65535 (0 lets the system choose).');
  return port;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run one bundled demo service (an MCP server with its own OAuth server and demo accounts) in the foreground')
    .addArgument(new Argument('<service>', 'which demo service').choices(DEMO_SERVICE_NAMES))
    .option('--port <port>', 'preferred port; a taken port falls back to a free one, 0 lets the system choose (default: tracker 7401, chat 7402, drive 7403)', parsePort)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--data-dir <dir>', 'keep registered clients, tokens and data in this folder across restarts (default: memory only)')
    .action(async (service: DemoServiceName, options: { port?: number; host: string; dataDir?: string }) => {
      // Loaded here so other commands do not pay for the OAuth server and the MCP SDK.
      const { DEMO_PEOPLE, startDemoService } = await import('../../../demo/index.ts');
      const handle = await startDemoService(service, { host: options.host, ...(options.port === undefined ? {} : { port: options.port }), ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
      const accounts = DEMO_PEOPLE.map((p) => `    ${p.email.padEnd(18)} ${p.password}`).join('\n');
      process.stdout.write(
        `${handle.listing.name} is running.\n  MCP URL: ${handle.url}\n  Issuer:  ${handle.issuer}\n  Demo accounts (email, password):\n${accounts}\nStop it with Ctrl-C.\n`,
      );
      const stop = () => {
        handle.close().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`switchboard: the demo service did not stop cleanly: ${(err as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
