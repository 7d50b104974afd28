import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockEmbeddingModelV4 } from 'ai/test';

/**
 * A deterministic stand-in for an embedding model: one dimension per concept, counting the words of each
 * concept in the text. Words of one concept ("kubernetes" and "container") meet; nothing else does. Enough to
 * show what embeddings add (a query sharing no word with the right tool) without a real model.
 */
export const CONCEPTS: readonly (readonly string[])[] = [
  ['kubernetes', 'k8s', 'container', 'cluster', 'workloads', 'pods'],
  ['issue', 'issues', 'ticket', 'bug'],
  ['weather', 'forecast', 'rain', 'temperature'],
  ['invoice', 'billing', 'payment', 'customer'],
  ['region', 'regions', 'datacenter', 'zone'],
  ['note', 'notes', 'notebook', 'jot'],
];

export function conceptVector(text: string, dimensions = CONCEPTS.length): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().split(/[^a-z0-9]+/)) {
    CONCEPTS.forEach((words, i) => {
      if (i < dimensions && words.includes(word)) v[i]!++;
    });
  }
  return v;
}

/** The AI SDK's mock embedding model answering with concept vectors; `doEmbedCalls` records every request. */
export function conceptModel(options: { fail?: (values: string[]) => Error | 'hang' | undefined; maxEmbeddingsPerCall?: number } = {}): MockEmbeddingModelV4 {
  return new MockEmbeddingModelV4({
    maxEmbeddingsPerCall: options.maxEmbeddingsPerCall ?? 100,
    doEmbed: async ({ values, abortSignal }) => {
      const failure = options.fail?.(values);
      if (failure === 'hang') {
        // A provider that never answers: only the caller's abort signal ends the wait (as with a real fetch).
        return new Promise((_, reject) => abortSignal?.addEventListener('abort', () => reject(abortSignal.reason), { once: true }));
      }
      if (failure) throw failure;
      return { embeddings: values.map((v) => conceptVector(v)), warnings: [] };
    },
  });
}

/** Every value the model was asked to embed, in order. */
export const embeddedValues = (model: MockEmbeddingModelV4): string[] => model.doEmbedCalls.flatMap((call) => call.values);

export interface EmbeddingRequest {
  path: string;
  authorization: string | undefined;
  body: { model?: string; input?: string[]; dimensions?: number; encoding_format?: string };
}

/**
 * A tiny OpenAI-compatible embeddings API on 127.0.0.1 (`POST /v1/embeddings`), answering with concept vectors
 * (`dimensions` long when asked). `reject` makes it answer 401 with a message echoing the key, as a careless
 * provider might.
 */
export async function startEmbeddingServer(): Promise<{ baseUrl: string; requests: EmbeddingRequest[]; reject: boolean; close(): Promise<void> }> {
  const requests: EmbeddingRequest[] = [];
  const state = { reject: false };
  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    let body: EmbeddingRequest['body'] = {};
    try {
      body = JSON.parse(raw) as EmbeddingRequest['body'];
    } catch {
      // Recorded as empty: the assertions say what was expected.
    }
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
    res.setHeader('content-type', 'application/json');
    if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    if (state.reject) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization?.replace(/^Bearer /, '')}`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
      return;
    }
    const input = Array.isArray(body.input) ? body.input : [];
    const data = input.map((text, index) => ({ object: 'embedding', index, embedding: conceptVector(String(text), body.dimensions ?? CONCEPTS.length) }));
    res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: input.length, total_tokens: input.length } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get reject() {
      return state.reject;
    },
    set reject(value: boolean) {
      state.reject = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
