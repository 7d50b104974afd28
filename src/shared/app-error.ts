/**
 * An error meant for the person who caused it: `message` says what happened and what to do next.
 * Modules throw it; the API turns it into `{"error":{"code","message","reference"}}`.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfterSeconds: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, options: { retryAfterSeconds?: number; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }
}

export const notFound = (message: string) => new AppError(404, 'not_found', message);
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
export const conflict = (message: string) => new AppError(409, 'conflict', message);
export const invalidInput = (message: string, details?: Record<string, unknown>) => new AppError(400, 'invalid_request', message, details ? { details } : {});
export const unauthorized = (message: string) => new AppError(401, 'unauthorized', message);
