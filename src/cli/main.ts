#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/errors.ts';
import { AppError } from '../shared/app-error.ts';
import { registerDemo } from './commands/demo.ts';
import { registerConnectors } from './commands/connectors.ts';
import { registerKeys } from './commands/keys.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerOrgs } from './commands/orgs.ts';
import { registerServe } from './commands/serve.ts';
import { registerToolSearch } from './commands/search-tools.ts';
import { registerTokens } from './commands/tokens.ts';
import { registerUsers } from './commands/users.ts';

export function buildProgram(): Command {
  const program = new Command('switchboard')
    .description('Switchboard: a self-hosted connectors platform for AI assistants')
    .option('-c, --config <file>', 'YAML configuration file (or set SWITCHBOARD_CONFIG)')
    .showHelpAfterError('(run with --help for usage)');
  registerServe(program);
  registerMigrate(program);
  registerUsers(program);
  registerOrgs(program);
  registerTokens(program);
  registerKeys(program);
  registerConnectors(program);
  registerToolSearch(program);
  registerDemo(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError || err instanceof AppError) process.stderr.write(`switchboard: ${err.message}\n`);
    else process.stderr.write(`switchboard: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  // `serve` keeps running until a signal; every other command ends here.
  if (code !== 0 || !process.argv.slice(2).includes('serve')) process.exitCode = code;
}
