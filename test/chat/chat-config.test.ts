import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chatModelFromSettings, injectedChatModel, withoutSecrets } from '../../src/chat/model-provider.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { LogCapture } from '../helpers/app.ts';
import { streamingModel } from '../helpers/chat-client.ts';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('chat.model', () => {
  it('is unset by default: the chat then shows how to configure one', () => {
    expect(loadConfig({ env: {} }).chat).toEqual({});
  });

  it('reads the environment variables', () => {
    const config = loadConfig({
      env: { SWITCHBOARD_CHAT_PROVIDER: 'openai-compatible', SWITCHBOARD_CHAT_MODEL: 'llama3.1', SWITCHBOARD_CHAT_BASE_URL: 'http://127.0.0.1:11434/v1/', SWITCHBOARD_CHAT_CONTEXT_TOKENS: '32768' },
    });
    expect(config.chat.model).toEqual({ provider: 'openai-compatible', model: 'llama3.1', baseUrl: 'http://127.0.0.1:11434/v1', contextTokens: 32768 });
  });

  it('reads the file, and a variable wins over the same key there', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sb-chat-config-')), 'switchboard.yaml');
    writeFileSync(file, 'chat:\n  model:\n    provider: anthropic\n    model: claude-sonnet-4-5\n    apiKey: sk-ant-file-key-123\n');
    expect(loadConfig({ env: {}, configFile: file }).chat.model).toEqual({ provider: 'anthropic', model: 'claude-sonnet-4-5', apiKey: 'sk-ant-file-key-123' });
    expect(loadConfig({ env: { SWITCHBOARD_CHAT_MODEL: 'claude-haiku-4-5' }, configFile: file }).chat.model).toMatchObject({ model: 'claude-haiku-4-5', apiKey: 'sk-ant-file-key-123' });
  });

  it('says which variable or key is missing, and never repeats the key', () => {
    const lonely = configError(() => loadConfig({ env: { SWITCHBOARD_CHAT_API_KEY: 'sk-lonely-chat-key-789' } }));
    const byField = Object.fromEntries(lonely.problems.map((p) => [p.field, p.message]));
    expect(byField['chat.model.provider']).toMatch(/is required to use a chat model: "anthropic", "openai" or "openai-compatible" \(SWITCHBOARD_CHAT_PROVIDER\)\. Without a chat model, leave chat\.model and every SWITCHBOARD_CHAT_\* variable unset/);
    expect(byField['chat.model.model']).toMatch(/is required: the chat model's name at the provider, e\.g\. claude-sonnet-4-5, gpt-4\.1 or llama3\.1 \(SWITCHBOARD_CHAT_MODEL\)/);
    expect(lonely.message).not.toContain('sk-lonely-chat-key-789');

    const compatible = configError(() => loadConfig({ env: { SWITCHBOARD_CHAT_PROVIDER: 'openai-compatible', SWITCHBOARD_CHAT_MODEL: 'llama3.1' } }));
    expect(compatible.problems).toEqual([
      { field: 'chat.model.baseUrl', where: 'environment', message: expect.stringMatching(/is required for the "openai-compatible" provider: the API's base URL, e\.g\. http:\/\/127\.0\.0\.1:11434\/v1 for Ollama .*\(SWITCHBOARD_CHAT_BASE_URL\)/) },
    ]);
    for (const provider of ['anthropic', 'openai']) {
      const keyless = configError(() => loadConfig({ env: { SWITCHBOARD_CHAT_PROVIDER: provider, SWITCHBOARD_CHAT_MODEL: 'm' } }));
      expect(keyless.problems.map((p) => `${p.field}: ${p.message}`)).toEqual([`chat.model.apiKey: is required for the "${provider}" provider: set SWITCHBOARD_CHAT_API_KEY (or chat.model.apiKey in the file)`]);
    }

    const bad = configError(() => loadConfig({ env: { SWITCHBOARD_CHAT_PROVIDER: 'ollama', SWITCHBOARD_CHAT_BASE_URL: 'localhost:11434', SWITCHBOARD_CHAT_CONTEXT_TOKENS: 'lots' } }));
    expect(bad.problems.map((p) => p.field).sort()).toEqual(['SWITCHBOARD_CHAT_BASE_URL', 'SWITCHBOARD_CHAT_CONTEXT_TOKENS', 'SWITCHBOARD_CHAT_PROVIDER']);
    expect(bad.problems.find((p) => p.field === 'SWITCHBOARD_CHAT_PROVIDER')!.message).toBe('must be one of "anthropic", "openai", "openai-compatible"; got "ollama"');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sb-chat-config-')), 'switchboard.yaml');
    writeFileSync(file, 'chat:\n  model:\n    provider: openai\n    model: gpt-4.1\n    apiKey: sk-x\n    contextTokens: 12\n    temperature: 2\n');
    const fileProblems = configError(() => loadConfig({ env: {}, configFile: file })).problems.map((p) => `${p.field}: ${p.message}`);
    expect(fileProblems).toEqual(expect.arrayContaining([expect.stringMatching(/^chat\.model: unknown key "temperature"/), expect.stringMatching(/^chat\.model\.contextTokens: must be a whole number of tokens from 1000 to 10000000/)]));
  });
});

describe('the model provider', () => {
  it('builds each provider from the settings, with the key passed explicitly and kept out of the description', async () => {
    const anthropic = await chatModelFromSettings({ provider: 'anthropic', model: 'claude-sonnet-4-5', apiKey: 'sk-ant-secret-1' });
    expect(anthropic).toMatchObject({ provider: 'anthropic', modelId: 'claude-sonnet-4-5', contextTokens: 200_000, secrets: ['sk-ant-secret-1'] });
    expect(anthropic.model.provider).toMatch(/^anthropic/);
    expect(anthropic.model.modelId).toBe('claude-sonnet-4-5');
    const openai = await chatModelFromSettings({ provider: 'openai', model: 'gpt-4.1', apiKey: 'sk-openai-secret-2' });
    expect(openai).toMatchObject({ provider: 'openai', contextTokens: 128_000 });
    expect(openai.model.provider).toMatch(/^openai/);
    const local = await chatModelFromSettings({ provider: 'openai-compatible', model: 'llama3.1', baseUrl: 'http://127.0.0.1:11434/v1/', contextTokens: 8192 });
    expect(local).toMatchObject({ provider: 'openai-compatible', modelId: 'llama3.1', contextTokens: 8192, secrets: [] });
    expect(local.describe).toBe('openai-compatible llama3.1 at http://127.0.0.1:11434/v1 (context 8,192 tokens)');
    for (const m of [anthropic, openai]) for (const secret of m.secrets) expect(m.describe).not.toContain(secret);
  });

  it('talks to an OpenAI-compatible server (a stand-in for its HTTP API), sending the key only as the bearer token', async () => {
    const seen: Array<{ url: string; authorization: string | null; body: Record<string, unknown> }> = [];
    const fakeFetch = (async (url: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(url), authorization: new Headers(init?.headers).get('authorization'), body: JSON.parse(String(init?.body)) as Record<string, unknown> });
      return new Response(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'llama3.1', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the local model.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } }), { headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const local = await chatModelFromSettings({ provider: 'openai-compatible', model: 'llama3.1', baseUrl: 'http://127.0.0.1:11434/v1', apiKey: 'local-key-3' }, { fetch: fakeFetch });
    const { generateText } = await import('ai');
    const result = await generateText({ model: local.model, prompt: 'Hi' });
    expect(result.text).toBe('Hello from the local model.');
    expect(seen[0]).toMatchObject({ url: 'http://127.0.0.1:11434/v1/chat/completions', authorization: 'Bearer local-key-3', body: { model: 'llama3.1' } });
    expect(JSON.stringify(seen[0]!.body)).not.toContain('local-key-3');
  });

  it('an injected model (tests, the browser tests) names itself', () => {
    const injected = injectedChatModel(streamingModel({ current: () => [] }), 50_000);
    expect(injected).toMatchObject({ provider: 'mock-provider', modelId: 'scripted-model', contextTokens: 50_000, secrets: [] });
  });

  it('keeps keys out of the log, should the settings ever be logged whole', () => {
    const logs = new LogCapture();
    createLogger('info', logs).info({ chat: { model: { provider: 'openai', apiKey: 'sk-logged-1' } }, settings: { model: { apiKey: 'sk-logged-2' } } }, 'settings');
    expect(logs.raw.join('\n')).not.toMatch(/sk-logged/);
  });

  it('keeps keys out of error messages', () => {
    expect(withoutSecrets('401: key sk-ant-secret-1 is invalid', ['sk-ant-secret-1'])).toBe('401: key [redacted] is invalid');
  });
});
