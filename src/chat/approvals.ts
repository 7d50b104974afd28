import type { ModelMessage, ToolApprovalStatus } from 'ai';
import type { GatewayTool } from '../gateway/core.ts';

/**
 * `ask` tools go through the AI SDK's own approval flow: the generation stops with a
 * `tool-approval-request` (carrying the policy's reason for the card), and runs the tool only when the
 * next request's messages hold an approving `tool-approval-response`. Allow once / Deny are that
 * response; Allow always is a policy change the UI makes besides answering once.
 */
export function approvalRules(tools: readonly GatewayTool[]): Record<string, ToolApprovalStatus> {
  const rules: Record<string, ToolApprovalStatus> = {};
  for (const t of tools) if (t.decision === 'ask') rules[t.name] = { type: 'user-approval', reason: t.reason };
  return rules;
}

/**
 * Whether the messages a tool runs with approve this very call: an approval request for `toolCallId`
 * and an approving response to it. The SDK only executes approved calls when `toolApproval` is passed;
 * this second check keeps an `ask` tool from running if a caller forgets to pass it.
 */
export function approvedInMessages(messages: readonly ModelMessage[], toolCallId: string): boolean {
  const approvalIds = new Set<string>();
  for (const m of messages) {
    if (m.role !== 'assistant' || typeof m.content === 'string') continue;
    for (const part of m.content) if (part.type === 'tool-approval-request' && part.toolCallId === toolCallId) approvalIds.add(part.approvalId);
  }
  if (approvalIds.size === 0) return false;
  return messages.some((m) => m.role === 'tool' && m.content.some((part) => part.type === 'tool-approval-response' && part.approved && approvalIds.has(part.approvalId)));
}

/** What the approval card shows: the SDK's request joined with the connector and the policy's reason. */
export interface ApprovalPrompt {
  approvalId: string;
  toolCallId: string;
  toolName: string;
  connector: string;
  /** The tool's own name at its connector. */
  tool: string;
  title: string | undefined;
  input: unknown;
  reason: string;
}

/** The approval requests a generation stopped on (from `result.content` or a step's content). */
export function approvalPrompts(content: ReadonlyArray<{ type: string }>, byName: ReadonlyMap<string, GatewayTool>): ApprovalPrompt[] {
  const prompts: ApprovalPrompt[] = [];
  for (const part of content) {
    if (!isApprovalRequest(part) || part.isAutomatic) continue;
    const t = byName.get(part.toolCall.toolName);
    if (t) prompts.push(approvalPrompt(t, { approvalId: part.approvalId, toolCallId: part.toolCall.toolCallId, input: part.toolCall.input, reason: part.reason }));
  }
  return prompts;
}

/** The card of one approval request for `t`: the request's reason, else the policy's. */
export function approvalPrompt(t: GatewayTool, request: { approvalId: string; toolCallId: string; input: unknown; reason: string | undefined }): ApprovalPrompt {
  return {
    approvalId: request.approvalId,
    toolCallId: request.toolCallId,
    toolName: t.name,
    connector: t.connector,
    tool: t.originalName,
    title: t.tool.title ?? t.tool.annotations?.title,
    input: request.input,
    reason: request.reason ?? t.reason,
  };
}

interface ApprovalRequestPart {
  type: 'tool-approval-request';
  approvalId: string;
  isAutomatic?: boolean | undefined;
  reason?: string | undefined;
  toolCall: { toolCallId: string; toolName: string; input: unknown };
}

function isApprovalRequest(part: { type: string }): part is ApprovalRequestPart {
  return part.type === 'tool-approval-request';
}
