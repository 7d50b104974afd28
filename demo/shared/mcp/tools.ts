import { requireScopes, type CallToolResult, type McpServer, type ToolAnnotations, type ToolCallback } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import type { ToolCaller } from '../types.ts';

/** What a tool does to the service's data; it decides the annotations and the scope the tool needs. */
export type ToolKind = 'read' | 'create' | 'update' | 'delete';

/**
 * Honest hints: reads change nothing; creating twice makes two things; updating to the same value again or
 * deleting something already gone changes nothing more. Nothing here reaches outside the service.
 */
const HINTS: Record<ToolKind, Omit<ToolAnnotations, 'title'>> = {
  read: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  create: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  update: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  delete: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
};

export interface ToolSpec<Input extends z.ZodObject> {
  title: string;
  description: string;
  kind: ToolKind;
  input: Input;
}

/** Registers a tool with its annotations and its scope challenge: reads need `<service>.read`, the rest `<service>.write`. */
export function addTool<Input extends z.ZodObject>(
  server: McpServer,
  caller: ToolCaller,
  name: string,
  spec: ToolSpec<Input>,
  run: (args: z.output<Input>) => CallToolResult,
): void {
  const scope = spec.kind === 'read' ? caller.scopes.read : caller.scopes.write;
  server.registerTool(
    name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: spec.input,
      annotations: { title: spec.title, ...HINTS[spec.kind] },
      scopeChallenge: requireScopes(scope),
    },
    // The SDK's callback type is conditional on the schema; TypeScript cannot resolve it for a generic Input.
    (async (args: z.output<Input>) => {
      caller.countCall(name);
      return run(args);
    }) as ToolCallback<Input>,
  );
}

/** A successful result: a sentence for the model plus the data, also as structured content. */
export function ok(summary: string, data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: `${summary}\n\n${JSON.stringify(data, null, 2)}` }], structuredContent: data };
}

/** A tool error the model can act on: the message says what went wrong and what to call instead. */
export function fail(message: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }] };
}
