import { AbstractChat, DefaultChatTransport, type ChatState, type ChatStatus, type UIMessage, type UIMessageChunk } from 'ai';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';

/**
 * The chat from a browser's side, without a browser: the AI SDK's own `AbstractChat` (what `useChat` wraps) with
 * its `DefaultChatTransport` pointed at Switchboard's messages endpoint, and a streaming mock model whose every
 * step a test scripts from the request it receives — the same pieces the web chat and its browser tests use.
 */

type StreamOptions = Parameters<MockLanguageModelV3['doStream']>[0];
type StreamPart = Extract<Awaited<ReturnType<MockLanguageModelV3['doStream']>>, { stream: unknown }>['stream'] extends ReadableStream<infer P> ? P : never;

/** What the model "says" in one step: text, and tool calls. */
export type ScriptedStep = Array<{ type: 'text'; text: string } | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown }>;

export const say = (text: string) => ({ type: 'text' as const, text });
export const call = (toolCallId: string, toolName: string, input: unknown) => ({ type: 'tool-call' as const, toolCallId, toolName, input });

const usage = { inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 5, text: 5, reasoning: undefined } };

/**
 * A streaming mock model (`MockLanguageModelV3`): each step answers what `script` returns for the request it got
 * (its prompt and tools), streamed in small chunks `script.delayMs` apart (0 by default).
 */
export function streamingModel(script: { current: (request: StreamOptions, step: number) => ScriptedStep; delayMs?: number }): MockLanguageModelV3 {
  let step = 0;
  return new MockLanguageModelV3({
    provider: 'mock-provider',
    modelId: 'scripted-model',
    doStream: async (request) => {
      const content = script.current(request, step++);
      const chunks: StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      content.forEach((c, i) => {
        if (c.type === 'text') {
          const id = `t${i}`;
          chunks.push({ type: 'text-start', id });
          // Word by word, as a model streams.
          for (const word of c.text.match(/\S+\s*/g) ?? ['']) chunks.push({ type: 'text-delta', id, delta: word });
          chunks.push({ type: 'text-end', id });
        } else {
          chunks.push({ type: 'tool-call', toolCallId: c.toolCallId, toolName: c.toolName, input: JSON.stringify(c.input) });
        }
      });
      const calls = content.some((c) => c.type === 'tool-call');
      chunks.push({ type: 'finish', finishReason: { unified: calls ? 'tool-calls' : 'stop', raw: undefined }, usage });
      return { stream: simulateReadableStream({ chunks, chunkDelayInMs: script.delayMs ?? 0 }) };
    },
  });
}

/** The tool names a request offered the model. */
export const offered = (request: StreamOptions) => (request.tools ?? []).map((t) => t.name);

/** Texts of the tool results the model was shown, by tool name (what it reads in its prompt). */
export function toolResultsIn(request: StreamOptions): Array<{ toolName: string; text: string }> {
  const out: Array<{ toolName: string; text: string }> = [];
  for (const message of request.prompt) {
    if (message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type !== 'tool-result') continue;
      const output = part.output as { type: string; value: unknown };
      const text = typeof output.value === 'string' ? output.value : JSON.stringify(output.value);
      out.push({ toolName: part.toolName, text });
    }
  }
  return out;
}

class MemoryState<M extends UIMessage> implements ChatState<M> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: M[];
  constructor(messages: M[]) {
    this.messages = messages;
  }
  pushMessage = (message: M) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: M) => {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/** `useChat` without React: the SDK's AbstractChat over an in-memory state. */
export class TestChat extends AbstractChat<UIMessage> {
  readonly chunks: UIMessageChunk[] = [];
  constructor(options: { baseUrl: string; token: string; conversationId: string; messages?: UIMessage[]; lastMessageOnly?: boolean }) {
    const chunks: UIMessageChunk[] = [];
    const transport = new DefaultChatTransport<UIMessage>({
      api: `${options.baseUrl}/api/v1/chat/conversations/${options.conversationId}/messages`,
      headers: { authorization: `Bearer ${options.token}` },
      // The recommended shape: only the last message travels; the server holds the history.
      ...(options.lastMessageOnly === false
        ? {}
        : { prepareSendMessagesRequest: ({ messages, body, trigger, messageId }) => ({ body: { ...body, message: messages.at(-1), trigger, messageId } }) }),
      // Every chunk the server sent, for assertions on the wire format itself.
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!response.body || !response.ok) return response;
        const [mine, theirs] = response.body.tee();
        void collectChunks(mine, chunks);
        return new Response(theirs, { status: response.status, headers: response.headers });
      },
    });
    super({ id: options.conversationId, transport, state: new MemoryState(options.messages ?? []) });
    this.chunks = chunks;
  }
  /** The message list as useChat holds it. */
  get all(): UIMessage[] {
    return this.state.messages;
  }
}

async function collectChunks(stream: ReadableStream<Uint8Array>, into: UIMessageChunk[]): Promise<void> {
  const text = await new Response(stream).text();
  into.push(...parseSse(text));
}

/** The chunks of a UI message stream as sent (Server-Sent Events of JSON). */
export function parseSse(text: string): UIMessageChunk[] {
  const out: UIMessageChunk[] = [];
  for (const block of text.split('\n\n')) {
    const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    if (!data || data === '[DONE]') continue;
    out.push(JSON.parse(data) as UIMessageChunk);
  }
  return out;
}

type AnyPart = UIMessage['parts'][number] & Record<string, unknown>;

/** The parts of a message of one type (`data-connect`, `tool-demo-tracker__create_issue`, …). */
export const partsOf = (message: UIMessage | undefined, type: string): AnyPart[] => (message?.parts ?? []).filter((p) => p.type === type) as AnyPart[];
/** Every tool part of a message (static or dynamic). */
export const toolParts = (message: UIMessage | undefined): AnyPart[] => (message?.parts ?? []).filter((p) => p.type.startsWith('tool-') || p.type === 'dynamic-tool') as AnyPart[];
export const textOf = (message: UIMessage | undefined) => (message?.parts ?? []).map((p) => (p.type === 'text' ? (p as { text: string }).text : '')).join('');
