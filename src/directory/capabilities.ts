import type { KnownTool } from './listing.ts';

export const TOOL_CLASSES = ['read-only', 'write-delete', 'other'] as const;
export type ToolClass = (typeof TOOL_CLASSES)[number];

export type Capabilities =
  | { status: 'unknown' }
  | { status: 'known'; readOnly: number; writeDelete: number; other: number; total: number };

/**
 * The rule (also in docs/directory.md), applied to the tool's annotations as the server declares them:
 *
 * - read-only:    `readOnlyHint` is exactly `true` (whatever `destructiveHint` says: the spec makes it
 *                 meaningful only for tools that are not read-only);
 * - write-delete: otherwise, when `readOnlyHint` is exactly `false`, or `destructiveHint` is exactly `true`;
 * - other:        everything else, i.e. no `readOnlyHint` and no `destructiveHint: true`.
 *
 * The MCP defaults (readOnlyHint false, destructiveHint true) would put every unannotated tool under
 * write-delete; we keep "the server said nothing" visible as `other` instead, which is also how the
 * Connectors Directory presents tools without hints. Policy may still treat `other` as cautiously as writes.
 */
export function classifyTool(tool: Pick<KnownTool, 'annotations'>): ToolClass {
  const hints = tool.annotations;
  if (hints?.readOnlyHint === true) return 'read-only';
  if (hints?.readOnlyHint === false || hints?.destructiveHint === true) return 'write-delete';
  return 'other';
}

/** No tool list is "unknown", never zeros: an empty list (a server with no tools) is known and counts 0. */
export function computeCapabilities(tools: ReadonlyArray<Pick<KnownTool, 'annotations'>> | null | undefined): Capabilities {
  if (tools === null || tools === undefined) return { status: 'unknown' };
  const counts = { 'read-only': 0, 'write-delete': 0, other: 0 };
  for (const tool of tools) counts[classifyTool(tool)]++;
  return { status: 'known', readOnly: counts['read-only'], writeDelete: counts['write-delete'], other: counts.other, total: tools.length };
}
