/**
 * The stdio twin of bench/gateway-upstream.ts, for the stdio→HTTP bridges `bench/gateway.ts --peers` measures
 * (mcp-proxy, supergateway): the same SDK v2 server with the same three tools — `echo` (`{message:"hi"}` →
 * `"echo: hi"`), `add_note`, `delete_note` — served over stdin/stdout with `serveStdio` (both eras: the opening
 * exchange picks one per connection), as the peer bench's `upstream-stdio.mjs` did. The bridges spawn it.
 */
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const notes = new Map<string, string>();
serveStdio(() => {
  const server = new McpServer({ name: 'bench-upstream-stdio', version: '1.0.0' });
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
