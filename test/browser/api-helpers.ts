import { expect } from 'vitest';
import { DEMO_PEOPLE } from '../../demo/index.ts';
import { authorizeAtDemo } from '../helpers/demo-browser.ts';
import type { BrowserApp } from './harness.ts';

/**
 * What the Settings and Admin browser tests use to check, outside the browser, that what a person did in the app
 * took effect: the REST API and the MCP endpoint called with a personal access token, as any client would.
 */

export async function apiWith<T>(app: BrowserApp, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${app.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** GET that must succeed. */
export async function apiGet<T>(app: BrowserApp, token: string, path: string): Promise<T> {
  const { status, body } = await apiWith<T>(app, token, 'GET', path);
  expect(status, `GET ${path}`).toBe(200);
  return body;
}

export interface JsonRpcAnswer {
  result?: { tools?: Array<{ name: string }>; content?: Array<{ type: string; text?: string }>; isError?: boolean };
  error?: { code: number; message: string };
}

/** One JSON-RPC request to the MCP endpoint (2025-11-25, without a session: answered on its own). */
export async function mcp(app: BrowserApp, token: string, method: string, params: Record<string, unknown> = {}): Promise<{ status: number; answer: JsonRpcAnswer | undefined }> {
  const res = await fetch(`${app.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, answer: undefined };
  const json = text.startsWith('{') ? text : text.split('\n').find((l) => l.startsWith('data: '))!.slice(6);
  return { status: res.status, answer: JSON.parse(json) as JsonRpcAnswer };
}

export const resultText = (answer: JsonRpcAnswer | undefined) => (answer?.result?.content ?? []).map((c) => c.text ?? '').join('');

/** Connects a person to the demo tracker with a demo account, through the real OAuth flow done without a browser. */
export async function connectTracker(app: BrowserApp, email: string, demoPerson: (typeof DEMO_PEOPLE)[number]): Promise<void> {
  const db = app.server.services.database.db;
  const user = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  const { authorizationUrl } = await app.server.services.connections.startOAuth(user.id, 'demo-tracker');
  const callback = await authorizeAtDemo(authorizationUrl, demoPerson, { callbackPrefix: app.url });
  await app.server.services.connections.finishOAuth(callback.searchParams);
}

export { DEMO_PEOPLE };
