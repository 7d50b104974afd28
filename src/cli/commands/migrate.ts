import type { Command } from 'commander';
import { openDatabase, targetFor } from '../../db/database.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { configFrom } from '../context.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply database migrations and exit (serve also does this at start)')
    .action(async (_options, command: Command) => {
      const config = configFrom(command);
      const database = await openDatabase(targetFor(config.databaseUrl, config.dataDir));
      try {
        const report = await migrateToLatest(database.db);
        process.stdout.write(
          report.applied.length > 0
            ? `Applied ${report.applied.join(', ')} to ${database.describe}.\n`
            : `${database.describe} is up to date (${report.current ?? 'no migrations'}).\n`,
        );
      } finally {
        await database.close();
      }
    });
}
