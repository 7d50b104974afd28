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
 * Logs go to stdout as JSON lines. Without a destination of the caller's, they are written asynchronously and in
 * batches (`stdoutInBatches`). A synchronous write per line cost about 7% of the gateway's tool-call throughput
 * (bench/gateway, one audit line per call). Pending lines are flushed when the process exits, even on a crash; only a
 * SIGKILL can lose the last 100 ms.
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
    destination ?? stdoutInBatches(),
  );
}

/** Lines wait until 8 KiB are pending or 100 ms have passed, whichever comes first. */
const BATCH_BYTES = 8192;
const BATCH_MS = 100;

/**
 * Standard output written in batches: one write per line, even asynchronous, cost about 0.1 ms of CPU per tool call
 * under load (BENCHMARKS.md, "Two nodes vs one": the per-call line was a third of a node's CPU per call), because
 * each write is a system call and a wake-up of the reader. A line never waits longer than `BATCH_MS`.
 */
function stdoutInBatches(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // a write is in flight; the next tick or batch takes these lines
    }
  }, BATCH_MS).unref();
  return destination;
}
