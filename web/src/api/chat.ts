import type { UIMessage } from 'ai';
import { request } from './client.ts';
import type { ToolAccessMode } from './settings.ts';

/**
 * The chat API (docs/chat.md): status, conversations, per-conversation settings, Allow always, and the MCP Apps
 * host's calls. The streamed answers go through useChat's transport (lib/chat-session.ts), not through here. The
 * data parts are the server's (src/chat/stream-parts.ts), repeated here because the app knows only the API.
 */

export type { ToolAccessMode };

export interface ChatStatus {
  configured: boolean;
  provider: string | null;
  model: string | null;
  contextTokens: number | null;
  /** When not configured: how an operator configures a model. */
  banner: string | null;
  /** The origin interactive apps render on; null: they are shown as text. */
  sandboxUrl: string | null;
}

export interface Conversation {
  id: string;
  title: string;
  organization: string | null;
  toolAccess: ToolAccessMode | null;
  /** Connectors switched off here (slug → false). */
  connectors: Record<string, boolean>;
  createdAt: string;
  updatedAt: string;
}

export interface ConversationSettings {
  toolAccess: {
    override: ToolAccessMode | null;
    personDefault: ToolAccessMode;
    mode: ToolAccessMode;
    resolvesTo: 'always' | 'on_demand';
    reason: string;
    definitionTokens: number;
    budgetTokens: number;
    contextTokens: number;
  };
  connectors: Array<{ connector: string; name: string; on: boolean; tools: number }>;
  advice: string | null;
  problems: Array<{ connector: string; message: string }>;
}

/** On every tool part: where the call goes. */
export interface ToolMetadata {
  connector: string;
  connectorName: string;
  tool: string;
  title?: string;
  decision: 'allow' | 'ask';
  resourceUri?: string;
}

export interface ApprovalData {
  approvalId: string;
  toolCallId: string;
  toolName: string;
  connector: string;
  connectorName: string;
  tool: string;
  title?: string;
  input: unknown;
  reason: string;
  allowAlways: { possible: boolean; reason: string };
}

export interface ConnectData {
  toolCallId: string;
  toolName: string;
  connector: string;
  name: string;
  connectUrl: string;
  code: 'not_connected' | 'connection_expired' | 'upstream_auth_failed';
  message: string;
  status: 'needed' | 'connected';
  reference: string;
}

export interface RefusalData {
  toolCallId: string;
  toolName: string;
  connector: string;
  tool: string;
  reason: string;
  reference: string;
}

export interface AppChoiceData {
  query: string;
  apps: Array<{ connector: string; name: string; description: string }>;
}

export interface AppSuggestionData {
  connector: string;
  name: string;
  description: string;
  connectUrl: string;
  enabledInOrganization: boolean;
}

export interface ToolAccessData {
  mode: ToolAccessMode;
  loading: 'always' | 'on_demand';
  reason: string;
  connectors: number;
  definitionTokens: number;
  budgetTokens: number;
}

export interface ErrorData {
  message: string;
  reference: string;
}

export type ChatDataParts = {
  'tool-access': ToolAccessData;
  approval: ApprovalData;
  connect: ConnectData;
  refusal: RefusalData;
  'app-choice': AppChoiceData;
  'app-suggestion': AppSuggestionData;
  error: ErrorData;
};

export type ChatMessage = UIMessage<unknown, ChatDataParts>;

/** An MCP CallToolResult, as tool parts carry it in `output`. */
export interface CallToolResult {
  content?: Array<{ type: string; text?: string; [key: string]: unknown }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

export interface UiResourceContent {
  uri: string;
  mimeType?: string;
  text?: string;
  blob?: string;
  _meta?: { ui?: { csp?: Record<string, string[]>; permissions?: Record<string, unknown>; prefersBorder?: boolean; domain?: string } } & Record<string, unknown>;
}

export interface AppToolCallAnswer {
  result: CallToolResult;
  approvalRequired: { reason: string } | null;
  connect: { connector: string; name: string; connectUrl: string; code: string } | null;
}

const enc = encodeURIComponent;
const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

export const chatApi = {
  status: (signal?: AbortSignal) => request<ChatStatus>('GET', '/chat/status', opts(signal)),
  list: (signal?: AbortSignal) => request<{ conversations: Conversation[] }>('GET', '/chat/conversations', opts(signal)),
  create: (body: { org?: string; title?: string }) => request<Conversation>('POST', '/chat/conversations', { body }),
  get: (id: string, signal?: AbortSignal) => request<{ conversation: Conversation; messages: ChatMessage[] }>('GET', `/chat/conversations/${enc(id)}`, opts(signal)),
  rename: (id: string, title: string) => request<Conversation>('PATCH', `/chat/conversations/${enc(id)}`, { body: { title } }),
  remove: (id: string) => request<void>('DELETE', `/chat/conversations/${enc(id)}`),
  settings: (id: string, signal?: AbortSignal) => request<ConversationSettings>('GET', `/chat/conversations/${enc(id)}/settings`, opts(signal)),
  setSettings: (id: string, body: { toolAccess?: ToolAccessMode | null; connectors?: Record<string, boolean> }) =>
    request<ConversationSettings>('PUT', `/chat/conversations/${enc(id)}/settings`, { body }),
  allowAlways: (id: string, approvalId: string) =>
    request<{ changed: boolean; connector: string; tool: string; reason: string }>('POST', `/chat/conversations/${enc(id)}/approvals/${enc(approvalId)}/allow-always`),
  appToolCall: (body: { conversationId?: string; connector: string; tool: string; arguments?: Record<string, unknown>; approved?: boolean }) =>
    request<AppToolCallAnswer>('POST', '/chat/app-tool-call', { body }),
  appResource: (uri: string, conversationId: string | undefined, signal?: AbortSignal) => {
    const params = new URLSearchParams({ uri });
    if (conversationId) params.set('conversationId', conversationId);
    return request<{ contents: UiResourceContent[] }>('GET', `/chat/app-resource?${params}`, opts(signal));
  },
};

/** The text of a tool result, as a person reads it (its text blocks; else its structured content). */
export function resultText(output: unknown): string {
  const result = output as CallToolResult | undefined;
  if (!result || typeof result !== 'object') return output === undefined ? '' : JSON.stringify(output, null, 2);
  const texts = (result.content ?? []).filter((c) => c.type === 'text' && typeof c.text === 'string').map((c) => c.text!);
  if (texts.length > 0) return texts.join('\n');
  if (result.structuredContent) return JSON.stringify(result.structuredContent, null, 2);
  return (result.content ?? []).map((c) => `[${c.type}]`).join('\n');
}
