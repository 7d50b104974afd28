import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/load.ts';
import { openDatabase, targetFor, type Database } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';

export interface GlobalOptions {
  config?: string;
}

export function configFrom(command: Command): Config {
  const { config } = command.optsWithGlobals<GlobalOptions>();
  return loadConfig({ configFile: config });
}

/** Opens the database the server would use, brings its schema up to date, runs `body`, and closes it. */
export async function withDatabase<T>(command: Command, body: (database: Database, config: Config) => Promise<T>): Promise<T> {
  const config = configFrom(command);
  const database = await openDatabase(targetFor(config.databaseUrl, config.dataDir));
  try {
    await migrateToLatest(database.db);
    return await body(database, config);
  } finally {
    await database.close();
  }
}

/** Prints rows as aligned columns for people, or as JSON with --json for scripts. */
export function output(rows: Array<Record<string, unknown>>, json: boolean, key: string): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ [key]: rows }, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(`No ${key}.\n`);
    return;
  }
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${line(columns)}\n${rows.map((r) => line(columns.map((c) => cell(r[c])))).join('\n')}\n`);
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
