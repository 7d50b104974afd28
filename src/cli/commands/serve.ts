import type { Command } from 'commander';
import { startServer } from '../../server/start.ts';
import { configFrom } from '../context.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the Switchboard server (web UI, REST API, MCP endpoint); migrations and the bootstrap file apply at start')
    .option('--no-demo', 'do not start the bundled demo services (same as SWITCHBOARD_DEMO=off)')
    .action(async (options: { demo: boolean }, command: Command) => {
      const config = { ...configFrom(command), ...(options.demo ? {} : { demo: false }) };
      const server = await startServer(config);
      if (process.stderr.isTTY) process.stderr.write(`\n  Switchboard is running at ${server.url}  (Node ${process.version}; Ctrl-C to stop)\n\n`);
      let signals = 0;
      const stop = (signal: string) => {
        if (++signals > 1) {
          server.services.log.warn({ signal }, 'second signal: exiting at once');
          process.exit(1);
        }
        server.services.log.info({ signal }, 'signal received');
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            server.services.log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
