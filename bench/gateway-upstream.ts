/**
 * The upstream of `bench/gateway.ts`, run as its own process: a tiny SDK v2 MCP server (both eras,
 * Streamable HTTP, no auth) with the peer bench's tools — `echo` (`{message:"hi"}` → `"echo: hi"`),
 * `add_note`, `delete_note` — served the way `test/helpers/test-upstream.ts` serves its tools
 * (`createMcpHandler` behind `node:http`). Prints `{"url": …}` as one line once it listens.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

const notes = new Map<string, string>();
const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'bench-upstream', version: '1.0.0' });
  server.registerTool('echo', { title: 'Echo', description: 'Echoes its message.', inputSchema: z.object({ message: z.string() }), annotations: { readOnlyHint: true } }, async ({ message }) => ({
    content: [{ type: 'text', text: `echo: ${message}` }],
  }));
  server.registerTool('add_note', { title: 'Add note', description: 'Stores a note.', inputSchema: z.object({ id: z.string(), text: z.string() }) }, async ({ id, text }) => {
    notes.set(id, text);
    return { content: [{ type: 'text', text: `stored ${id}` }] };
  });
  server.registerTool('delete_note', { title: 'Delete note', description: 'Deletes a note.', inputSchema: z.object({ id: z.string() }), annotations: { destructiveHint: true } }, async ({ id }) => ({
    content: [{ type: 'text', text: notes.delete(id) ? `deleted ${id}` : `no note ${id}` }],
  }));
  return server;
});

const http = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, ...(body.length ? { body } : {}) });
  const response = await handler.fetch(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) {
    for await (const chunk of response.body) res.write(chunk);
  }
  res.end();
});
http.keepAliveTimeout = 60_000;
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp` })}\n`);
});
const stop = () => {
  http.closeAllConnections();
  http.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
