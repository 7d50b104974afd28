import type { z } from 'zod';

/** One bad value, located as precisely as we can: a file position or an environment variable. */
export interface ConfigProblem {
  /** `organizations[0].plan`, or the environment variable name. */
  field: string;
  /** `/etc/switchboard.yaml:4:11`, or `environment`. */
  where: string;
  message: string;
}

/** Raised for any configuration the server cannot start with; its message lists every problem. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(headline: string, problems: ConfigProblem[]) {
    super([headline, ...problems.map((p) => `  - ${p.where}: ${p.field}: ${p.message}`)].join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(top level)';
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === '[hidden]') return 'a value not shown here';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** Turns a zod issue into a sentence a person can act on, naming what was found. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  // Secrets are never echoed back, not even in an error about them.
  const secret = issue.path.some((p) => typeof p === 'string' && /password|token|secret|key/i.test(p));
  const got = secret ? '[hidden]' : valueAt(input, issue.path);
  switch (issue.code) {
    case 'custom':
      return issue.message;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (check the spelling; docs/configuration.md lists every key)`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; got ${describeValue(got)}`;
    case 'invalid_type':
      return got === undefined ? `is required (expected ${issue.expected})` : `expected ${issue.expected}; got ${describeValue(got)}`;
    case 'invalid_union':
      return `${issue.message === 'Invalid input' ? 'is not valid' : issue.message}; got ${describeValue(got)}`;
    default:
      return `${issue.message}; got ${describeValue(got)}`;
  }
}
