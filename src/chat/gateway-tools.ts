import type { CallToolResult } from '@modelcontextprotocol/client';
import { jsonSchema, tool, type JSONSchema7, type JSONValue } from 'ai';
import { z } from 'zod';
import type { Caller, GatewayTool } from '../gateway/core.ts';
import { approvedInMessages } from './approvals.ts';
import { toModelOutput } from './tool-result-output.ts';
import type { ToolPartMetadata } from './stream-parts.ts';

/**
 * The chat's view of the gateway core: the two methods it uses. `GatewayCore` fits it as it is; tests
 * pass a plain object. Every tool call of the chat goes through `callTool`, the one path (policy,
 * the person's credentials, audit).
 */
export interface ChatGateway {
  listTools(caller: Caller): Promise<{ tools: GatewayTool[] }>;
  callTool(caller: Caller, tool: GatewayTool, args: Record<string, unknown> | undefined, options?: { approved?: boolean; signal?: AbortSignal | undefined }): Promise<CallToolResult>;
}

/** Who is chatting. The surface is fixed here, so chat calls are never audited as another way in. */
export const chatCallerSchema = z.object({
  userId: z.string().min(1),
  orgId: z.string().min(1).optional(),
  requestId: z.string().min(1).optional(),
});
export type ChatCaller = z.input<typeof chatCallerSchema>;

export function toCaller(input: ChatCaller): Caller {
  const c = chatCallerSchema.parse(input);
  return { userId: c.userId, orgId: c.orgId, surface: 'chat', requestId: c.requestId };
}

/** How a tool is offered on the first request of a turn. */
export type Deferral = 'none' | 'sdk' | 'anthropic';

const argumentsSchema = z.record(z.string(), z.unknown());

/**
 * One gateway tool as an AI SDK tool. `deferral` says who holds its definition back until a search
 * finds it: the AI SDK (`deferLoading`, provider-neutral: the definition is not sent at all) or
 * Anthropic (`defer_loading`: sent, but kept out of the model's context until its own tool search
 * returns a reference to it).
 */
export function gatewayTool(gateway: ChatGateway, caller: Caller, t: GatewayTool, deferral: Deferral, metadata?: ToolPartMetadata) {
  return tool({
    description: t.tool.description ?? t.tool.title ?? t.originalName,
    // Not sent to the model: the SDK copies it onto the tool's call and result parts (`toolMetadata`) for the UI.
    ...(metadata ? { metadata: jsonObject(metadata) } : {}),
    // Connectors publish JSON Schema; the connector validates the arguments itself.
    inputSchema: jsonSchema<Record<string, unknown>>((t.tool.inputSchema ?? { type: 'object' }) as JSONSchema7),
    ...(deferral === 'sdk' ? { deferLoading: true } : {}),
    ...(deferral === 'anthropic' ? { providerOptions: { anthropic: { deferLoading: true } } } : {}),
    execute: async (input, { toolCallId, messages, abortSignal }): Promise<CallToolResult> => {
      const args = argumentsSchema.parse(input ?? {});
      const approved = t.decision === 'ask' && approvedInMessages(messages, toolCallId);
      // Without an approval the core refuses an `ask` tool (and audits the refusal): it never runs.
      return gateway.callTool(caller, t, args, { approved, signal: abortSignal });
    },
    toModelOutput: ({ output }) => toModelOutput(output),
  });
}

/** The metadata without undefined fields (a JSON object, as the SDK wants it). */
function jsonObject(metadata: ToolPartMetadata): { [key: string]: JSONValue } {
  const out: { [key: string]: JSONValue } = {};
  for (const [key, value] of Object.entries(metadata)) if (value !== undefined) out[key] = value;
  return out;
}
