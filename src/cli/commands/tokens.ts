import type { Command } from 'commander';
import { createAccessToken, listAccessTokens, revokeAccessToken, revokeAccessTokenBySecret } from '../../identity/access-tokens.ts';
import { OPERATOR } from '../../identity/actor.ts';
import { findUserByEmail } from '../../identity/users.ts';
import { invalidInput, notFound } from '../../shared/app-error.ts';
import type { Database } from '../../db/database.ts';
import { output, withDatabase } from '../context.ts';

async function userIdFor(database: Database, email: string): Promise<string> {
  const user = await findUserByEmail(database.db, email);
  if (!user) throw notFound(`No account has the email ${email}; list accounts with \`switchboard users list\`.`);
  return user.id;
}

export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('Manage personal access tokens (sbp_…)');

  tokens
    .command('create')
    .description('Create a personal access token for an account; prints it once')
    .requiredOption('--user <email>', 'the account the token acts as')
    .requiredOption('--name <name>', 'what will use it, e.g. "Claude Desktop"')
    .option('--expires-in-days <days>', 'expiry in days (default: never)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw invalidInput('--expires-in-days must be a whole number of days, 1 or more.');
      return n;
    })
    .option('--json', 'print JSON')
    .action(async (options: { user: string; name: string; expiresInDays?: number; json?: boolean }, command: Command) => {
      const created = await withDatabase(command, async (database) =>
        createAccessToken(database.db, {
          userId: await userIdFor(database, options.user),
          name: options.name,
          source: 'cli',
          expiresAt: options.expiresInDays ? new Date(Date.now() + options.expiresInDays * 86_400_000) : null,
        }),
      );
      if (options.json) process.stdout.write(`${JSON.stringify({ token: created.secret, accessToken: created.token }, null, 2)}\n`);
      else process.stdout.write(`${created.secret}\n`);
      if (!options.json && process.stderr.isTTY) process.stderr.write('Store this token now: it is not shown again.\n');
    });

  tokens
    .command('list')
    .description("List an account's tokens (never their secrets)")
    .requiredOption('--user <email>', 'account email')
    .option('--json', 'print JSON')
    .action(async (options: { user: string; json?: boolean }, command: Command) => {
      const list = await withDatabase(command, async (database) => listAccessTokens(database.db, await userIdFor(database, options.user)));
      output(
        list.map((t) => ({ id: t.id, name: t.name, hint: t.hint, source: t.source, created: t.createdAt, lastUsed: t.lastUsedAt, expires: t.expiresAt, revoked: t.revokedAt })),
        options.json ?? false,
        'tokens',
      );
    });

  tokens
    .command('revoke')
    .description('Revoke a token by id, or by its value with --token; it stops working at once')
    .argument('[id]', 'token id (from `tokens list`)')
    .option('--token <value>', 'the token value itself')
    .action(async (id: string | undefined, options: { token?: string }, command: Command) => {
      if (!id && !options.token) throw invalidInput('Give the token id (see `switchboard tokens list --user EMAIL`) or --token VALUE.');
      const token = await withDatabase(command, (database) =>
        options.token ? revokeAccessTokenBySecret(database.db, options.token) : revokeAccessToken(database.db, OPERATOR, id!),
      );
      process.stdout.write(`Revoked ${token.hint} (${token.name}).\n`);
    });
}
