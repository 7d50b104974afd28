import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UpstreamPool } from '../../src/upstream/pool.ts';

/** A connector whose tool list the test changes between requests, and that counts how often it is listed. */
let tools = ['first'];
let listed = 0;
let server: Server;
let url: string;
const none = { get: async () => ({ headers: {} }) };

let handler: ReturnType<typeof createMcpHandler>;
beforeAll(async () => {
  handler = createMcpHandler(() => {
    const mcp = new McpServer({ name: 'changing', version: '1' });
    for (const name of tools) mcp.registerTool(name, { description: `The ${name} tool.`, inputSchema: z.object({}) }, async () => ({ content: [{ type: 'text', text: name }] }));
    return mcp;
  });
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    if (body.includes('"tools/list"')) listed++;
    const answer = await handler.fetch(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, ...(body ? { body } : {}) }));
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    // Streamed: a notification stream never ends.
    if (answer.body) for await (const chunk of answer.body) res.write(chunk);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  await handler.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('upstream tool lists past their TTL', () => {
  it('are answered at once with the list in hand while a fresh one is fetched, once for concurrent lists', async () => {
    const pool = new UpstreamPool({ toolsTtlMs: 150 });
    const target = { slug: 'changing', name: 'Changing', url };
    try {
      tools = ['first'];
      expect((await pool.listTools('u1', target, none)).tools.map((t) => t.name)).toEqual(['first']);
      const before = listed;
      tools = ['first', 'second'];
      await new Promise((r) => setTimeout(r, 200));
      // Aged: the old list now, and one fetch behind it for all three.
      const aged = await Promise.all([0, 1, 2].map(() => pool.listTools('u1', target, none)));
      for (const listing of aged) expect(listing).toMatchObject({ stale: false, tools: [expect.objectContaining({ name: 'first' })] });
      await expect.poll(async () => (await pool.listTools('u1', target, none)).tools.map((t) => t.name)).toEqual(['first', 'second']);
      expect(listed - before).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('wait for the fresh list when the one in hand is too old to serve (ten TTLs)', async () => {
    const pool = new UpstreamPool({ toolsTtlMs: 20 });
    const target = { slug: 'changing', name: 'Changing', url };
    try {
      tools = ['first'];
      await pool.listTools('u2', target, none);
      tools = ['third'];
      await new Promise((r) => setTimeout(r, 250));
      expect((await pool.listTools('u2', target, none)).tools.map((t) => t.name)).toEqual(['third']);
    } finally {
      await pool.close();
    }
  });
});
