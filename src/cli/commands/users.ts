import type { Command } from 'commander';
import { createUser, listUsers } from '../../identity/users.ts';
import { output, readStdin, withDatabase } from '../context.ts';

export function registerUsers(program: Command): void {
  const users = program.command('users').description('Manage accounts');

  users
    .command('create')
    .description('Create an account (without a password it can sign in by SSO only)')
    .argument('<email>', 'email address, also the sign-in name')
    .option('--name <name>', 'display name')
    .option('--password <password>', 'initial password (visible in shell history: prefer --password-stdin)')
    .option('--password-stdin', 'read the initial password from standard input')
    .option('--json', 'print JSON')
    .action(async (email: string, options: { name?: string; password?: string; passwordStdin?: boolean; json?: boolean }, command: Command) => {
      const password = options.passwordStdin ? await readStdin() : options.password;
      const user = await withDatabase(command, (database) => createUser(database.db, { email, name: options.name, password }));
      if (options.json) process.stdout.write(`${JSON.stringify({ user }, null, 2)}\n`);
      else process.stdout.write(`Created ${user.email} (${user.id})${user.hasPassword ? '' : ' without a password'}.\n`);
    });

  users
    .command('list')
    .description('List accounts')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withDatabase(command, (database) => listUsers(database.db));
      output(
        list.map((u) => ({ email: u.email, name: u.name, id: u.id, password: u.hasPassword ? 'yes' : 'no', disabled: u.disabled ? 'yes' : 'no', created: u.createdAt })),
        options.json ?? false,
        'users',
      );
    });
}
