import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may carry secrets. Redaction is the backstop: code should not log these in the first place.
 */
const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'authorization',
  '*.authorization',
  'cookie',
  '*.cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'refreshToken',
  'accessToken',
  'apiKey',
  // Also covers `model.apiKey` and `embedding.apiKey`.
  '*.apiKey',
  // The chat's and tool search's model settings (chat.model, toolSearch.embedding), should they ever be logged whole.
  '*.model.apiKey',
  '*.embedding.apiKey',
];

/**
 * Logs go to stdout as JSON lines. Without a destination of the caller's, they are written asynchronously:
 * lines logged while a write is in flight go out together in the next one. A synchronous write per line cost
 * about 7% of the gateway's tool-call throughput (bench/gateway, one audit line per call). Pending lines are
 * flushed when the process exits, even on a crash; only a SIGKILL can lose the last few.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'switchboard', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
