import type { UIMessage } from 'ai';

/**
 * What the chat adds to the AI SDK's UI message stream (docs/chat.md#stream-parts), for the web chat's `useChat`.
 * Each is a typed data part (`data-<name>`); those with an `id` are updated in place when a later chunk carries
 * the same type and id (a Connect card turning into "connected"). Every tool part also carries `toolMetadata`
 * (`ToolPartMetadata`): the connector and the tool's own name.
 */

/** On every tool part (`part.toolMetadata`): where the tool comes from. Set from the tool, never by the model. */
export interface ToolPartMetadata {
  [key: string]: string | undefined;
  /** The connector's slug, e.g. `demo-tracker`. */
  connector: string;
  /** Its display name, e.g. `Demo Tracker`. */
  connectorName: string;
  /** The tool's own name at the connector, e.g. `create_issue`. */
  tool: string;
  /** The tool's title, when it has one. */
  title?: string | undefined;
  /** `allow` or `ask` when the turn began. */
  decision: 'allow' | 'ask';
  /** MCP Apps: the `ui://` resource that renders this tool's results (read it with GET /chat/app-resource). */
  resourceUri?: string | undefined;
}

/** `data-tool-access` (transient: not stored): the turn's tool access mode and why. */
export interface ToolAccessData {
  mode: 'auto' | 'always' | 'on_demand';
  loading: 'always' | 'on_demand';
  reason: string;
  connectors: number;
  definitionTokens: number;
  budgetTokens: number;
}

/** `data-approval` (id `approval-<approvalId>`): the card of an `ask` tool, next to the SDK's approval request. */
export interface ApprovalData {
  approvalId: string;
  toolCallId: string;
  /** The tool part's name (client-facing), e.g. `demo-tracker__create_issue`. */
  toolName: string;
  connector: string;
  connectorName: string;
  tool: string;
  title?: string | undefined;
  input: unknown;
  /** The policy's reason for asking. */
  reason: string;
  /** Whether the card may offer Allow always, and what it would do or why it cannot. */
  allowAlways: { possible: boolean; reason: string };
}

/** `data-connect` (id `connect-<toolCallId>`): the call needs the person to connect or reconnect; the turn paused. */
export interface ConnectData {
  toolCallId: string;
  toolName: string;
  connector: string;
  /** The connector's display name. */
  name: string;
  /** Open it in the OAuth popup; then POST …/retry with the toolCallId (or send `retry` with the next request). */
  connectUrl: string;
  code: 'not_connected' | 'connection_expired' | 'upstream_auth_failed';
  /** What happened and what to do, with the reference. */
  message: string;
  /** `needed` until a retry of the same call got past the connection; then `connected`. */
  status: 'needed' | 'connected';
  /** The request that found it (also in the server's log line). */
  reference: string;
}

/** `data-refusal` (id `refusal-<toolCallId>`): the policy (or the conversation's settings) refused the call. */
export interface RefusalData {
  toolCallId: string;
  toolName: string;
  connector: string;
  tool: string;
  /** The policy's sentence: who decided, and what the person can do. */
  reason: string;
  /** The request that was refused (also in the audit log and the server's log line). */
  reference: string;
}

/** `data-app-choice` (id `app-choice`): two or more connected apps fit; the turn paused for the person to pick one. */
export interface AppChoiceData {
  /** The request the apps fit. */
  query: string;
  apps: Array<{ connector: string; name: string; description: string }>;
}

/** `data-app-suggestion` (id `app-suggestion-<connector>`): a directory connector that fits and is not connected. */
export interface AppSuggestionData {
  connector: string;
  name: string;
  description: string;
  connectUrl: string;
  /** False when the organization has not added it: an owner must, before it can be connected and used. */
  enabledInOrganization: boolean;
}

/** `data-error`: the turn failed; stored, so the conversation shows it after a reload. */
export interface ErrorData {
  message: string;
  reference: string;
}

export interface ChatDataParts {
  [key: string]: unknown;
  'tool-access': ToolAccessData;
  approval: ApprovalData;
  connect: ConnectData;
  refusal: RefusalData;
  'app-choice': AppChoiceData;
  'app-suggestion': AppSuggestionData;
  error: ErrorData;
}

export type ChatUIMessage = UIMessage<unknown, ChatDataParts>;
