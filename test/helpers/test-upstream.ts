import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, inputRequired, inputResponse, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

/**
 * A small real MCP server (SDK v2, both eras, no auth) with tools that misbehave on purpose: one that
 * never answers, one with a huge result, and well-behaved ones. For gateway tests.
 */
export interface TestUpstreamOptions {
  /** Require this `x-api-key` (read on each request, so a test can rotate it). */
  apiKey?: () => string;
  /** Also offer this many numbered tools (`tool_000`…), for pagination. */
  extraTools?: number;
  /** Offer an MCP Apps widget: a `ui://` resource and a tool whose `_meta.ui.resourceUri` names it. */
  widget?: boolean;
  /** With `widget`: also `refresh_widget`, callable by the app only (`visibility: ["app"]`), and `model_only` (`["model"]`). */
  appTools?: boolean;
  /** Offer `confirm_first`, which asks the client a question (2026 input_required) before it answers. */
  asks?: boolean;
  /** The loopback address to listen on (default 127.0.0.1; Linux answers on all of 127.0.0.0/8). */
  host?: string;
  /** Also offer these tools, each answering `<server>/<tool>: <arguments as JSON>` (for search and suggestion tests). */
  tools?: Array<{ name: string; title?: string; description: string; params?: Record<string, string> }>;
}

export async function startTestUpstream(name: string, options: TestUpstreamOptions = {}): Promise<{ url: string; calls: Record<string, number>; requests(): number; close(): Promise<void> }> {
  const calls: Record<string, number> = {};
  const count = (tool: string) => (calls[tool] = (calls[tool] ?? 0) + 1);
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name, version: '1.0.0' });
    server.registerTool('echo', { title: 'Echo', description: 'Echoes its text.', inputSchema: z.object({ text: z.string() }), annotations: { readOnlyHint: true } }, async ({ text }) => {
      count('echo');
      return { content: [{ type: 'text', text: `${name}: ${text}` }] };
    });
    server.registerTool('hang', { title: 'Hang', description: 'Never answers.', annotations: { readOnlyHint: true } }, async () => {
      count('hang');
      return new Promise(() => {});
    });
    server.registerTool('progress_then_hang', { title: 'Progress, then nothing', description: 'Reports progress once, then never answers.', annotations: { readOnlyHint: true } }, async (ctx) => {
      count('progress_then_hang');
      const token = ctx.mcpReq._meta?.progressToken;
      if (token !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 10, message: 'started' } });
      return new Promise(() => {});
    });
    server.registerTool('huge', { title: 'Huge', description: 'Returns 200,000 characters.', annotations: { readOnlyHint: true } }, async () => {
      count('huge');
      return { content: [{ type: 'text', text: 'x'.repeat(200_000) }] };
    });
    for (const extra of options.tools ?? []) {
      const shape = Object.fromEntries(Object.entries(extra.params ?? {}).map(([param, description]) => [param, z.string().describe(description)]));
      server.registerTool(extra.name, { ...(extra.title ? { title: extra.title } : {}), description: extra.description, inputSchema: z.object(shape), annotations: { readOnlyHint: true } }, async (args) => {
        count(extra.name);
        return { content: [{ type: 'text', text: `${name}/${extra.name}: ${JSON.stringify(args)}` }] };
      });
    }
    for (let i = 0; i < (options.extraTools ?? 0); i++) {
      const tool = `tool_${String(i).padStart(3, '0')}`;
      server.registerTool(tool, { description: `Numbered tool ${i}.`, annotations: { readOnlyHint: true } }, async () => ({ content: [{ type: 'text', text: tool }] }));
    }
    if (options.widget) {
      server.registerResource('widget', 'ui://widget/index.html', { mimeType: 'text/html;profile=mcp-app' }, async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/html;profile=mcp-app', text: '<p>widget</p>' }] }));
      server.registerTool('show_widget', { description: 'Shows the widget.', annotations: { readOnlyHint: true }, _meta: { ui: { resourceUri: 'ui://widget/index.html' } } }, async () => ({ content: [{ type: 'text', text: 'shown' }] }));
      if (options.appTools) {
        server.registerTool('refresh_widget', { description: "Refreshes the widget's data (for the widget itself).", annotations: { readOnlyHint: true }, _meta: { ui: { resourceUri: 'ui://widget/index.html', visibility: ['app'] } } }, async () => {
          count('refresh_widget');
          return { content: [{ type: 'text', text: 'refreshed' }] };
        });
        server.registerTool('model_only', { description: 'A tool for the model, not for apps.', annotations: { readOnlyHint: true }, _meta: { ui: { visibility: ['model'] } } }, async () => {
          count('model_only');
          return { content: [{ type: 'text', text: 'model only' }] };
        });
      }
    }
    // Asks the person first (a 2026 input-required round trip), then says what they answered.
    if (options.asks) server.registerTool('confirm_first', { title: 'Confirm first', description: 'Asks for a confirmation, then reports it.', annotations: { readOnlyHint: true } }, async (ctx) => {
      count('confirm_first');
      const reply = inputResponse(ctx.mcpReq.inputResponses, 'confirm');
      if (reply.kind === 'elicit') return { content: [{ type: 'text', text: `${name} confirmed: ${reply.action}` }] };
      return inputRequired({ inputRequests: { confirm: { method: 'elicitation/create', params: { mode: 'form', message: `${name} asks: go ahead?`, requestedSchema: { type: 'object', properties: { approve: { type: 'boolean' } } } } } } });
    });
    server.registerTool('erase_everything', { title: 'Erase everything', description: 'Deletes all data.', annotations: { destructiveHint: true } }, async () => {
      count('erase_everything');
      return { content: [{ type: 'text', text: 'erased' }] };
    });
    return server;
  });
  const http: HttpServer = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, ...(body.length ? { body } : {}) });
    // With an API key, the server turns away any request without the current one (a rotated key).
    const response =
      options.apiKey && req.headers['x-api-key'] !== options.apiKey()
        ? new Response(JSON.stringify({ error: 'invalid_token' }), { status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' } })
        : await handler.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) {
      for await (const chunk of response.body) res.write(chunk);
    }
    res.end();
  });
  const host = options.host ?? '127.0.0.1';
  let requests = 0;
  http.on('request', () => requests++);
  await new Promise<void>((resolve) => http.listen(0, host, resolve));
  const url = `http://${host}:${(http.address() as AddressInfo).port}/mcp`;
  return {
    url,
    calls,
    /** HTTP requests of any kind it received. */
    requests: () => requests,
    close: async () => {
      await handler.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
