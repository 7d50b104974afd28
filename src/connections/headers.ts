import { invalidInput } from '../shared/app-error.ts';
import type { ConnectorTarget } from './types.ts';

export const MAX_HEADERS = 4;

/**
 * Static credentials (API keys) are limited to the header names the listing allows: a person must
 * not be able to set Host, Cookie or a hop-by-hop header on requests Switchboard sends.
 */
export function validateHeaders(connector: ConnectorTarget, headers: Record<string, string>): Record<string, string> {
  const allowed = new Map((connector.headerNames ?? []).slice(0, MAX_HEADERS).map((n) => [n.toLowerCase(), n]));
  const entries = Object.entries(headers);
  if (entries.length === 0) throw invalidInput(`${connector.name} needs ${[...allowed.values()].join(', ') || 'a header'}; give a value.`);
  if (entries.length > MAX_HEADERS) throw invalidInput(`At most ${MAX_HEADERS} headers can be stored for a connector.`);
  const clean: Record<string, string> = {};
  for (const [name, value] of entries) {
    const canonical = allowed.get(name.toLowerCase());
    if (!canonical) throw invalidInput(`${connector.name} does not take the header "${name}"; it takes ${[...allowed.values()].join(', ') || 'none'}.`);
    if (typeof value !== 'string' || value.length === 0 || value.length > 4096 || /[\r\n\0]/.test(value)) {
      throw invalidInput(`The value for ${canonical} must be 1-4096 characters on one line.`);
    }
    clean[canonical] = value;
  }
  return clean;
}
