import { createHash } from 'node:crypto';

/**
 * The development quarter of a dataset's queries (by a hash of the query id): the only queries looked at
 * while choosing the ranking's parameters. The rest is held out and reported apart.
 */
export function isDevQuery(id: string): boolean {
  return createHash('sha256').update(id).digest()[0]! < 64;
}
