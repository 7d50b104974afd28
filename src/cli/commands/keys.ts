import type { Command } from 'commander';
import { parseSecretKey, resolveSecretKey } from '../../config/secret-key.ts';
import { reencryptAll } from '../../connections/reencrypt.ts';
import { rewrapForNewSecretKey, Vault } from '../../connections/vault.ts';
import { invalidInput } from '../../shared/app-error.ts';
import { readStdin, withDatabase } from '../context.ts';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Rotate the keys that protect stored credentials (see docs/security.md)');

  keys
    .command('rotate-secret')
    .description('Re-wrap the vault under a new SWITCHBOARD_SECRET_KEY (read from standard input); then restart every node with the new key')
    .action(async (_options, command: Command) => {
      const text = (await readStdin()).trim();
      const newKey = parseSecretKey(text);
      if (!newKey) throw invalidInput('Give the new key on standard input: 32 random bytes as base64 or 64 hex characters (`openssl rand -base64 32`).');
      await withDatabase(command, async (database, config) => {
        const current = resolveSecretKey(config.secretKey, config.dataDir);
        if (current.key.equals(newKey)) throw invalidInput('The new key is the key in use now; generate a different one.');
        const count = await rewrapForNewSecretKey(database.db, current.key, newKey);
        process.stdout.write(`Re-wrapped ${count} data key(s) under the new secret key.\n`);
        if (current.source === 'file') {
          process.stdout.write(`The old key is still in ${current.file}: replace its content with the new key, or set SWITCHBOARD_SECRET_KEY, before starting Switchboard.\n`);
        } else {
          process.stdout.write('Set SWITCHBOARD_SECRET_KEY to the new key on every node, then start them.\n');
        }
      });
    });

  keys
    .command('rotate-data-key')
    .description('Seal every stored secret under a fresh data key and drop the old one')
    .action(async (_options, command: Command) => {
      await withDatabase(command, async (database, config) => {
        const { key } = resolveSecretKey(config.secretKey, config.dataDir);
        const vault = await Vault.open(database.db, key);
        const id = await vault.rotateDataKey(key);
        const { resealed, droppedKeys } = await reencryptAll(database.db, vault);
        process.stdout.write(`Data key ${id} is active; ${resealed} secret(s) re-sealed; ${droppedKeys.length} old key(s) dropped.\n`);
      });
    });
}
