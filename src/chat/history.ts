import { isToolUIPart, type UIMessage } from 'ai';
import { z } from 'zod';
import { CONNECT_META, type ConnectNeeded } from '../gateway/core.ts';
import { splitToolName } from '../gateway/naming.ts';
import { AppError, conflict, invalidInput } from '../shared/app-error.ts';
import type { ToolPartMetadata } from './stream-parts.ts';

/**
 * Reading a conversation's stored UI messages and what a request asks of them. The stored messages are the
 * source of truth: from a request the chat takes only the new user message, or the answers to approval
 * requests it stored itself (matched by approval id and tool call), or the call to retry. Whatever else the
 * browser sends is ignored, so a forged history can neither approve a call nor put words in the assistant's mouth.
 */

export const MAX_MESSAGE_CHARACTERS = 100_000;

/** The request body of a turn: what `useChat`'s default transport sends, plus Switchboard's own fields. */
export const turnRequestSchema = z.object({
  /** useChat's chat id (the URL names the conversation; ignored). */
  id: z.string().max(200).optional(),
  /** The new message alone (recommended: `prepareSendMessagesRequest` sending `messages.at(-1)`). */
  message: z.record(z.string(), z.unknown()).optional(),
  /** useChat's default: the whole history. Only the last message is read. */
  messages: z.array(z.record(z.string(), z.unknown())).max(10_000).optional(),
  trigger: z.enum(['submit-message', 'regenerate-message']).optional(),
  messageId: z.string().max(200).optional(),
  /** After connecting in the OAuth popup: run this paused tool call again, with the same input. */
  retry: z.strictObject({ toolCallId: z.string().min(1).max(200) }).optional(),
  /** The app(s) the person picked from the suggestion chips: only their tools are used for this turn. */
  focus: z.array(z.string().min(1).max(64)).max(10).optional(),
});
export type TurnRequest = z.infer<typeof turnRequestSchema>;

/** One answer to an approval request the chat stored. */
export interface ApprovalAnswer {
  toolCallId: string;
  approvalId: string;
  approved: boolean;
  reason: string | undefined;
}

export type TurnPlan =
  /** A new user message: `messages` ends with it. */
  | { kind: 'new'; messages: UIMessage[]; from: number; text: string }
  /** Answer the last user message again (`messages` ends with it). */
  | { kind: 'regenerate'; messages: UIMessage[]; from: number; text: string }
  /** Approvals answered: `messages` ends with the stored assistant message, the answers applied. */
  | { kind: 'approvals'; messages: UIMessage[]; from: number; answers: ApprovalAnswer[] }
  /** A paused call to run again: `messages` ends with the assistant message holding it. */
  | { kind: 'retry'; messages: UIMessage[]; from: number; toolCallId: string };

const userMessageSchema = z.object({
  id: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, { error: 'must be 1-200 letters, digits, "_", ".", ":" or "-"' }).optional(),
  role: z.literal('user'),
  parts: z.array(z.record(z.string(), z.unknown())).min(1).max(100),
});

const answerPartSchema = z.object({
  toolCallId: z.string(),
  state: z.literal('approval-responded'),
  approval: z.object({ id: z.string(), approved: z.boolean(), reason: z.string().max(2000).optional() }),
});

/** The text of a message's text parts. */
export function textOf(message: { parts: ReadonlyArray<{ type: string }> }): string {
  return message.parts
    .filter((p): p is { type: 'text'; text: string } => p.type === 'text' && typeof (p as { text?: unknown }).text === 'string')
    .map((p) => p.text)
    .join('\n');
}

/** Decides what a request asks of the stored conversation. Throws a 400 or 409 saying what to send instead. */
export function planTurn(stored: readonly UIMessage[], request: TurnRequest, newId: () => string): TurnPlan {
  const messages = structuredClone([...stored]);
  const last = messages.at(-1);

  if (request.retry) {
    const part = last?.role === 'assistant' ? toolPart(last, request.retry.toolCallId) : undefined;
    if (!part) {
      throw conflict(`There is no paused tool call "${request.retry.toolCallId}" in the last answer of this conversation: only a call of the last answer can be retried. Send a new message instead.`);
    }
    // Only a call that failed runs again: running one that worked could repeat what it did.
    const failed = part.state === 'output-error' || (part.state === 'output-available' && isErrorResult(part.output));
    if (!failed) throw conflict(`The tool call "${request.retry.toolCallId}" did not fail, so it is not run again: running it twice could repeat what it did. Send a new message instead.`);
    return { kind: 'retry', messages, from: messages.length - 1, toolCallId: request.retry.toolCallId };
  }

  if (request.trigger === 'regenerate-message') {
    let end = messages.length;
    if (request.messageId) {
      const at = messages.findIndex((m) => m.id === request.messageId);
      if (at >= 0) end = messages[at]!.role === 'assistant' ? at : at + 1;
    }
    while (end > 0 && messages[end - 1]!.role !== 'user') end--;
    if (end === 0) throw invalidInput('There is no message of yours to answer again in this conversation. Send a message first.');
    const kept = messages.slice(0, end);
    return { kind: 'regenerate', messages: kept, from: end, text: textOf(kept.at(-1)!) };
  }

  const incoming = request.message ?? request.messages?.at(-1);
  if (!incoming) throw invalidInput('The request holds no message. Send {"message": {"role": "user", "parts": [{"type": "text", "text": "…"}]}} (or useChat\'s "messages").');

  if (incoming['role'] === 'assistant') {
    if (!last || last.role !== 'assistant' || last.id !== incoming['id']) {
      throw conflict('These approval answers are for an answer that is not the last one of this conversation. Reload the conversation and answer the approval requests shown.');
    }
    const answers: ApprovalAnswer[] = [];
    for (const raw of Array.isArray(incoming['parts']) ? incoming['parts'] : []) {
      const parsed = answerPartSchema.safeParse(raw);
      if (!parsed.success) continue;
      // Only an approval request the chat itself stored, for the same call, can be answered.
      const storedPart = last.parts.find((p) => isToolUIPart(p) && p.toolCallId === parsed.data.toolCallId);
      if (!storedPart || !isToolUIPart(storedPart) || storedPart.state !== 'approval-requested' || storedPart.approval.id !== parsed.data.approval.id) continue;
      answers.push({ toolCallId: parsed.data.toolCallId, approvalId: parsed.data.approval.id, approved: parsed.data.approval.approved, reason: parsed.data.approval.reason });
    }
    if (answers.length === 0) {
      throw invalidInput('Nothing to continue: the last answer has no unanswered approval request matching this request. Answer the approval card (Allow once or Deny), or send a new message.');
    }
    for (const answer of answers) applyAnswer(last, answer);
    return { kind: 'approvals', messages, from: messages.length - 1, answers };
  }

  const user = userMessageSchema.safeParse(incoming);
  if (!user.success) {
    const issues = user.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ');
    throw invalidInput(`The message is not valid (${issues}). Send {"role": "user", "parts": [{"type": "text", "text": "…"}]}.`);
  }
  const unsupported = user.data.parts.find((p) => p['type'] !== 'text' || typeof p['text'] !== 'string');
  if (unsupported) throw invalidInput(`Messages carry text only for now; a part of type "${String(unsupported['type'])}" cannot be sent. Send the text alone.`);
  const text = user.data.parts.map((p) => p['text'] as string).join('\n');
  if (!text.trim()) throw invalidInput('The message is empty. Type something to send.');
  if (text.length > MAX_MESSAGE_CHARACTERS) throw invalidInput(`The message has ${text.length.toLocaleString('en')} characters; at most ${MAX_MESSAGE_CHARACTERS.toLocaleString('en')} fit. Send a shorter one.`);

  const id = user.data.id ?? newId();
  const existing = messages.findIndex((m) => m.id === id);
  if (existing >= 0) {
    // The same message sent again (a client retrying after a lost answer): answer it again if it is the last one of the person.
    if (messages.slice(existing + 1).some((m) => m.role === 'user')) throw conflict('This message was already sent and answered. Send a new message instead.');
    const kept = messages.slice(0, existing + 1);
    return { kind: 'regenerate', messages: kept, from: existing + 1, text: textOf(kept.at(-1)!) };
  }
  let from = messages.length;
  // Approval requests left unanswered when the person moves on are closed as not approved: the model reads that.
  if (last?.role === 'assistant' && expirePendingApprovals(last)) from = messages.length - 1;
  messages.push({ id, role: 'user', parts: user.data.parts.map((p) => ({ type: 'text' as const, text: p['text'] as string })) });
  return { kind: 'new', messages, from, text };
}

function applyAnswer(message: UIMessage, answer: ApprovalAnswer): void {
  message.parts = message.parts.map((p) =>
    isToolUIPart(p) && p.toolCallId === answer.toolCallId && p.state === 'approval-requested'
      ? ({ ...p, state: 'approval-responded', approval: { ...p.approval, approved: answer.approved, ...(answer.reason ? { reason: answer.reason } : {}) } } as unknown as typeof p)
      : p,
  );
}

function expirePendingApprovals(message: UIMessage): boolean {
  let changed = false;
  message.parts = message.parts.map((p) => {
    if (!isToolUIPart(p) || (p.state !== 'approval-requested' && p.state !== 'approval-responded')) return p;
    changed = true;
    return { ...p, state: 'output-denied', approval: { ...p.approval, approved: false, reason: 'Not answered before the next message, so it did not run.' } } as unknown as typeof p;
  });
  return changed;
}

/** A tool part of the message by its call id. */
export function toolPart(message: UIMessage | undefined, toolCallId: string) {
  const part = message?.parts.find((p) => isToolUIPart(p) && p.toolCallId === toolCallId);
  return part && isToolUIPart(part) ? part : undefined;
}

/** The client-facing tool name of a tool part. */
export function toolNameOf(part: { type: string; toolName?: string }): string {
  return part.type === 'dynamic-tool' ? (part.toolName ?? '') : part.type.slice('tool-'.length);
}

/** Sets a tool part's output (a call the chat ran itself: an approved call, a retry). */
export function setToolOutput(message: UIMessage, toolCallId: string, output: unknown): void {
  message.parts = message.parts.map((p) => {
    if (!isToolUIPart(p) || p.toolCallId !== toolCallId) return p;
    const { errorText: _e, ...rest } = p as typeof p & { errorText?: string };
    return { ...rest, state: 'output-available', output } as typeof p;
  });
}

export function setToolDenied(message: UIMessage, toolCallId: string): void {
  message.parts = message.parts.map((p) => (isToolUIPart(p) && p.toolCallId === toolCallId ? ({ ...p, state: 'output-denied' } as typeof p) : p));
}

/** The connector and tool a tool part was for: from its metadata, else from a `connector__tool` name. */
export function originOf(part: { type: string; toolName?: string; toolMetadata?: unknown }): { connector: string; tool: string } | undefined {
  const meta = part.toolMetadata as Partial<ToolPartMetadata> | undefined;
  if (meta && typeof meta.connector === 'string' && typeof meta.tool === 'string') return { connector: meta.connector, tool: meta.tool };
  return splitToolName(toolNameOf(part));
}

/** The connect information a tool result carries when the person must connect (gateway core, `CONNECT_META`). */
export function connectNeededOf(output: unknown): ConnectNeeded | undefined {
  const meta = (output as { _meta?: Record<string, unknown> } | undefined)?._meta?.[CONNECT_META] as ConnectNeeded | undefined;
  return meta && typeof meta.connectUrl === 'string' && typeof meta.connector === 'string' ? meta : undefined;
}

/** The text of a tool result (a CallToolResult's text blocks). */
export function resultText(output: unknown): string {
  const content = (output as { content?: Array<{ type?: string; text?: string }> } | undefined)?.content;
  return Array.isArray(content) ? content.map((c) => (c.type === 'text' ? (c.text ?? '') : '')).join('\n').trim() : '';
}

export function isErrorResult(output: unknown): boolean {
  return (output as { isError?: unknown } | undefined)?.isError === true;
}

/** Thrown when a conversation is already answering. */
export function busy(): AppError {
  return new AppError(409, 'conversation_busy', 'An answer is still being written in this conversation. Wait for it to finish (or stop it), then send again.');
}
