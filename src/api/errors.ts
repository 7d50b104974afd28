import type { Context } from 'hono';
import { z } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { databaseUnavailable, isDatabaseUnavailable } from '../db/database.ts';
import { AppError } from '../shared/app-error.ts';
import type { AppEnv } from './context.ts';
import { errorPage, wantsErrorPage } from './error-page.ts';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'unauthorized' }),
      message: z.string().openapi({ example: 'Sign in, or send a personal access token as "Authorization: Bearer sbp_…".' }),
      reference: z.string().openapi({ description: 'Quote it when asking for help: it is also in the server log line for this request.', example: 'req_3kq0Zr1mXbQe' }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

export const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: STATUS_TEXT[s] ?? 'Error', content: { 'application/json': { schema: ErrorBody } } }]));

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is not valid',
  401: 'Not signed in, or the token is wrong',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflicts with the current state',
  429: 'Too many attempts',
  502: 'An upstream service failed',
  503: 'Not ready',
};

/**
 * PostgreSQL (and PGlite) refuse a NUL character in text (22021) and in JSON (22P05). On the API such a value comes
 * from the request (a `%00` in a path or query, a `\u0000` in a JSON string): the client's error, not a server failure.
 */
function isUnstorableText(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || !('severity' in err)) return false;
  const code = (err as { code?: unknown }).code;
  return code === '22021' || code === '22P05';
}

/** Writes the one error shape, and the log line that carries the same reference. */
export function sendError(c: Context<AppEnv>, err: unknown): Response {
  const reference = c.get('requestId') ?? 'req_unknown';
  const log = c.get('log');
  if (err instanceof AppError) {
    const level = err.status >= 500 ? 'error' : 'info';
    log?.[level]({ reference, code: err.code, status: err.status, err: err.status >= 500 ? err : undefined, detail: err.message }, 'request refused');
    if (err.retryAfterSeconds !== undefined) c.header('Retry-After', String(err.retryAfterSeconds));
    if (err.status === 401) c.header('WWW-Authenticate', 'Bearer realm="switchboard"');
    // A browser visiting a sign-in or connect link gets the same error as a page it can read.
    if (wantsErrorPage(c)) return errorPage(c, err.status, { code: err.code, message: err.message, reference });
    return c.json({ error: { code: err.code, message: err.message, reference, ...(err.details ? { details: err.details } : {}) } }, err.status as 400);
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Raised by Hono itself before our handlers run, e.g. a body that is not JSON.
    const message = /json/i.test(err.message)
      ? 'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.'
      : `The request could not be read (${err.message}). Check it and send it again.`;
    return sendError(c, new AppError(err.status, err.status === 400 ? 'invalid_request' : 'bad_request', message));
  }
  if (isUnstorableText(err)) {
    return sendError(c, new AppError(400, 'invalid_request', 'The request contains a NUL character (\\u0000, %00) or another byte sequence that cannot be stored as text. Remove it and send the request again.'));
  }
  // A restart or a failover of PostgreSQL: nothing is wrong with the request, and it can be sent again shortly.
  if (isDatabaseUnavailable(err)) return sendError(c, databaseUnavailable(err));
  log?.error({ reference, err }, 'unexpected error');
  const internal = { code: 'internal_error', message: `Something went wrong on our side. Try again; if it keeps happening, give your operator the reference ${reference}.`, reference };
  if (wantsErrorPage(c)) return errorPage(c, 500, internal);
  return c.json({ error: internal }, 500);
}
