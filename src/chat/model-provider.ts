import type { LanguageModel } from 'ai';

/** `chat.model` of the configuration (src/config/schema.ts), as validated there. */
export interface ChatModelSettings {
  provider: 'anthropic' | 'openai' | 'openai-compatible';
  /** The model's name at the provider, e.g. `claude-sonnet-4-5`, `gpt-4.1`, `llama3.1`. */
  model: string;
  /** The API's base URL (with `/v1`): required for `openai-compatible`, e.g. Ollama's `http://127.0.0.1:11434/v1`. */
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  /** The model's context window in tokens; a default per provider otherwise (DEFAULT_CONTEXT_BY_PROVIDER). */
  contextTokens?: number | undefined;
}

/** A language model with what the chat and the log need to know about it. */
export interface ChatModel {
  model: Exclude<LanguageModel, string>;
  /** Provider and model id, for the status answer (`anthropic`, `claude-sonnet-4-5`). */
  provider: string;
  modelId: string;
  /** The context window Auto's budget is a tenth of. */
  contextTokens: number;
  /** For the log: provider, model and URL, never the key. */
  describe: string;
  /** Strings never to show or log (the API key). */
  secrets: string[];
}

/**
 * Context windows assumed when the operator gives none: Anthropic's current models take 200,000 tokens and
 * OpenAI's 128,000 or more; local models behind an OpenAI-compatible server are often run with far less, so
 * 32,768 there (set `contextTokens` to the server's real setting).
 */
export const DEFAULT_CONTEXT_BY_PROVIDER: Record<ChatModelSettings['provider'], number> = {
  anthropic: 200_000,
  openai: 128_000,
  'openai-compatible': 32_768,
};

/**
 * The chat model the operator configured. The provider package is imported only here, when a model is
 * configured. The operator's own service, like the database: not a connection made for a person, so it does
 * not go through the egress guard (Ollama on loopback is a normal choice). The key is always passed
 * explicitly: the SDKs' fallbacks to ANTHROPIC_API_KEY / OPENAI_API_KEY would be hidden second settings.
 */
export async function chatModelFromSettings(settings: ChatModelSettings, options: { fetch?: typeof fetch } = {}): Promise<ChatModel> {
  const baseURL = settings.baseUrl?.replace(/\/+$/, '');
  const apiKey = settings.apiKey;
  const fetchOption = options.fetch ? { fetch: options.fetch } : {};
  let model: Exclude<LanguageModel, string>;
  switch (settings.provider) {
    case 'anthropic': {
      if (!apiKey) throw new Error('chat.model.apiKey (or SWITCHBOARD_CHAT_API_KEY) is required for the anthropic provider.');
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      model = createAnthropic({ apiKey, ...(baseURL ? { baseURL } : {}), ...fetchOption })(settings.model);
      break;
    }
    case 'openai': {
      if (!apiKey) throw new Error('chat.model.apiKey (or SWITCHBOARD_CHAT_API_KEY) is required for the openai provider.');
      const { createOpenAI } = await import('@ai-sdk/openai');
      model = createOpenAI({ apiKey, ...(baseURL ? { baseURL } : {}), ...fetchOption })(settings.model);
      break;
    }
    case 'openai-compatible': {
      if (!baseURL) throw new Error('chat.model.baseUrl is required for the openai-compatible provider (e.g. http://127.0.0.1:11434/v1 for Ollama).');
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      model = createOpenAICompatible({ name: 'openai-compatible', baseURL, ...(apiKey ? { apiKey } : {}), ...fetchOption }).chatModel(settings.model);
      break;
    }
  }
  const contextTokens = settings.contextTokens ?? DEFAULT_CONTEXT_BY_PROVIDER[settings.provider];
  return {
    model,
    provider: settings.provider,
    modelId: settings.model,
    contextTokens,
    describe: `${settings.provider} ${settings.model}${baseURL ? ` at ${baseURL}` : ''} (context ${contextTokens.toLocaleString('en')} tokens)`,
    secrets: apiKey ? [apiKey] : [],
  };
}

/**
 * A model handed in by code (tests, and the browser tests' scripted model), never by configuration: its provider
 * and id come from the model itself.
 */
export function injectedChatModel(model: Exclude<LanguageModel, string>, contextTokens = 200_000): ChatModel {
  return { model, provider: model.provider, modelId: model.modelId, contextTokens, describe: `${model.provider} ${model.modelId} (injected)`, secrets: [] };
}

/** A text with every secret replaced, for messages that may quote a provider's error. */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
