import { APICallError } from 'ai';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../shared/app-error.ts';
import { withoutSecrets, type ChatModel } from './model-provider.ts';

/**
 * What the person reads when a turn fails, with the reference: a refusal's own sentence, the model provider's
 * error (never with the API key), or anything else. Logs each error once: the same error can be asked about twice
 * (the stored note, then the SDK's error chunk).
 */
export function errorDescriber(requestId: string, model: ChatModel, log: Logger): (error: unknown) => string {
  const said = new WeakMap<object, string>();
  return (error) => {
    const known = error && typeof error === 'object' ? said.get(error) : undefined;
    if (known) return known;
    const text = describeError(error, requestId, model, log);
    if (error && typeof error === 'object') said.set(error, text);
    return text;
  };
}

function describeError(error: unknown, requestId: string, model: ChatModel, log: Logger): string {
  const clean = (text: string) => withoutSecrets(text, model.secrets);
  if (error instanceof AppError) {
    log.info({ code: error.code, detail: error.message }, 'chat turn refused');
    return `${error.message} (reference ${requestId})`;
  }
  log.error({ err: error instanceof Error ? { message: clean(error.message), name: error.name } : String(error) }, 'chat turn failed');
  if (APICallError.isInstance(error)) {
    const status = error.statusCode ? ` (HTTP ${error.statusCode})` : '';
    const hint = error.statusCode === 401 || error.statusCode === 403 ? ' The API key (chat.model.apiKey) may be wrong or revoked: tell your operator.' : ' Try again in a moment.';
    return `The chat model (${model.provider} ${model.modelId}) could not answer${status}: ${clean(error.message)}.${hint} Reference ${requestId}.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `The answer could not be completed: ${clean(message)}. Try again; if it keeps failing, give your operator the reference ${requestId}.`;
}
