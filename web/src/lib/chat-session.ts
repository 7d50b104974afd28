import { Chat } from '@ai-sdk/react';
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses } from 'ai';
import { csrfHeaders, errorFromResponse, ApiError } from '../api/client.ts';
import type { ChatMessage } from '../api/chat.ts';

/**
 * One useChat `Chat` per conversation, kept while the app runs: an answer keeps streaming when the person opens
 * another conversation (or when a new conversation's address replaces /chat), and shows where it is on return.
 * The transport sends only the new message (docs/chat.md): the server holds the history.
 */
const chats = new Map<string, Chat<ChatMessage>>();

/** Fired (on window) when an answer ends, so the conversation list can show the title the server gave it. */
export const CHAT_FINISHED = 'switchboard:chat-finished';

async function chatFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const headers = new Headers(init?.headers);
  for (const [name, value] of Object.entries(csrfHeaders())) headers.set(name, value);
  let res: Response;
  try {
    res = await fetch(input, { ...init, headers, credentials: 'same-origin' });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Switchboard could not be reached. Check your network connection, then try again.');
  }
  // A refusal before the stream (not configured, busy, a bad request) reads like every other API error.
  if (!res.ok) throw await errorFromResponse(res);
  return res;
}

export function isBusy(chat: Chat<ChatMessage>): boolean {
  return chat.status === 'submitted' || chat.status === 'streaming';
}

/** The conversation's Chat: the one kept (still answering, or already shown), else a new one with `messages`. */
export function chatFor(id: string, messages: ChatMessage[]): Chat<ChatMessage> {
  const kept = chats.get(id);
  if (kept) {
    // Nothing under way: the stored conversation is the truth (it may have changed in another tab), unless it
    // has fewer messages than shown here (an answer that just ended is being stored).
    if (!isBusy(kept) && messages.length >= kept.messages.length) kept.messages = messages;
    return kept;
  }
  const chat = new Chat<ChatMessage>({
    id,
    messages,
    transport: new DefaultChatTransport<ChatMessage>({
      api: `/api/v1/chat/conversations/${encodeURIComponent(id)}/messages`,
      fetch: chatFetch,
      prepareSendMessagesRequest: ({ messages: all, body, trigger, messageId }) => ({ body: { ...body, message: all.at(-1), trigger, messageId } }),
    }),
    // Approval answers go back as soon as every pending request of the answer has one.
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    onFinish: () => window.dispatchEvent(new CustomEvent(CHAT_FINISHED, { detail: id })),
  });
  chats.set(id, chat);
  return chat;
}

/** A new conversation's Chat, before its first message (nothing to load). */
export function newChat(id: string): Chat<ChatMessage> {
  return chatFor(id, []);
}

export function forgetChat(id: string): void {
  const chat = chats.get(id);
  if (chat && isBusy(chat)) void chat.stop();
  chats.delete(id);
}
