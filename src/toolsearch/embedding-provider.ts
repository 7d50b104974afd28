import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { EmbeddingModel } from 'ai';

/** `toolSearch.embedding` of the configuration (src/config/schema.ts), as validated there. */
export interface EmbeddingSettings {
  provider: 'openai' | 'openai-compatible';
  /** The model's name at the provider, e.g. `text-embedding-3-small`, `nomic-embed-text`. */
  model: string;
  /** The API's base URL (with `/v1`); required for `openai-compatible`, e.g. Ollama's `http://127.0.0.1:11434/v1`. */
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  dimensions?: number | undefined;
}

/** The model, and what the embedder and the log need to know about it. */
export interface ConfiguredEmbedding {
  model: EmbeddingModel;
  dimensions: number | undefined;
  /** For the log: provider, model and URL, never the key. */
  describe: string;
  /** Strings never to log (the API key). */
  secrets: string[];
}

/**
 * The embedding model the operator configured. This is the operator's own service, set in the server's
 * configuration like the database URL, not a connection made for a person, so it does not go through the
 * egress guard (docs/networking.md): Ollama on loopback is a normal choice.
 */
export function embeddingFromSettings(settings: EmbeddingSettings, options: { fetch?: typeof fetch } = {}): ConfiguredEmbedding {
  const baseURL = settings.baseUrl?.replace(/\/+$/, '');
  const apiKey = settings.apiKey;
  const fetchOption = options.fetch ? { fetch: options.fetch } : {};
  let model: EmbeddingModel;
  if (settings.provider === 'openai') {
    // The key is always passed explicitly: the SDK's own fallback to OPENAI_API_KEY would be a hidden second setting.
    if (!apiKey) throw new Error('toolSearch.embedding.apiKey (or SWITCHBOARD_EMBEDDING_API_KEY) is required for the openai provider.');
    model = createOpenAI({ apiKey, ...(baseURL ? { baseURL } : {}), ...fetchOption }).embedding(settings.model);
  } else {
    if (!baseURL) throw new Error('toolSearch.embedding.baseUrl is required for the openai-compatible provider (e.g. http://127.0.0.1:11434/v1 for Ollama).');
    model = createOpenAICompatible({ name: 'openai-compatible', baseURL, ...(apiKey ? { apiKey } : {}), ...fetchOption }).embeddingModel(settings.model);
  }
  return {
    model,
    dimensions: settings.dimensions,
    describe: `${settings.provider} ${settings.model} at ${baseURL ?? 'https://api.openai.com/v1'}${settings.dimensions ? ` (${settings.dimensions} dimensions)` : ''}`,
    secrets: apiKey ? [apiKey] : [],
  };
}
