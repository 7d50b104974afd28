import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The parsed contents of `file`, or undefined when it does not exist yet. */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`could not read the demo data file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Writes `value` as JSON through a temporary file and a rename, so a crash mid-write leaves the previous
 * version intact. Synchronous on purpose: demo files are small and one writer at a time keeps them consistent.
 */
export function writeJsonFile(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}
