/**
 * MCP Apps (the `io.modelcontextprotocol/ui` extension) as the chat applies them. A tool's `_meta.ui` says which
 * `ui://` resource renders its results and who may call it: `visibility` (default `["model", "app"]`). A tool
 * whose visibility leaves out `"model"` is app-only: the host must never offer it to the model, and must refuse an
 * app's call to a tool whose visibility leaves out `"app"`.
 */
interface ToolWithMeta {
  _meta?: Record<string, unknown> | undefined;
}

function uiMeta(tool: ToolWithMeta): { resourceUri?: unknown; visibility?: unknown } | undefined {
  const ui = tool._meta?.['ui'];
  return ui && typeof ui === 'object' ? (ui as { resourceUri?: unknown; visibility?: unknown }) : undefined;
}

function visibility(tool: ToolWithMeta): string[] | undefined {
  const v = uiMeta(tool)?.visibility;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

/** The model may see and call it: no visibility given, or one that names "model". */
export function visibleToModel(tool: ToolWithMeta): boolean {
  const v = visibility(tool);
  return v === undefined || v.includes('model');
}

/** A rendered app of the same connector may call it: no visibility given, or one that names "app". */
export function visibleToApp(tool: ToolWithMeta): boolean {
  const v = visibility(tool);
  return v === undefined || v.includes('app');
}

/** The `ui://` resource that renders the tool's results (as the gateway renamed it), if it has one. */
export function uiResourceUri(tool: ToolWithMeta): string | undefined {
  const uri = uiMeta(tool)?.resourceUri ?? tool._meta?.['ui/resourceUri'];
  return typeof uri === 'string' && uri.startsWith('ui://') ? uri : undefined;
}
