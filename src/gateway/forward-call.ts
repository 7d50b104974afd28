import type { AuthInfo, RequestStateCodec, ServerContext } from '@modelcontextprotocol/server';
import { discard, httpPost, readText, type PostAnswer } from '../upstream/http-post.ts';
import { sendSigned, type CredentialSource } from '../upstream/mcp-client.ts';
import { couldNotReach } from '../upstream/pool.ts';
import type { Caller, GatewayConnector, GatewayCore, GatewayTool } from './core.ts';
import type { GatewayRequestState } from './mcp-server.ts';
import { capResult, toolError, withoutProtocolMeta } from './results.ts';

/**
 * The forwarding path of a 2026-07-28 `tools/call`: the request is relayed to the connector as one HTTP request
 * and its answer streamed back, instead of being re-hosted by an SDK server and re-sent by an SDK client (each
 * hop of which costs more CPU than the relay itself). It is the same path in every other respect: the tool was
 * resolved and allowed by the policy (an `ask` tool never comes here), the person's own credentials sign the
 * request (refreshed once on a 401), the answer is capped and stripped like any other, and the call is audited.
 * Only a first call without input responses or state qualifies; multi-round retries take the SDK path.
 */

const CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
/** A JSON answer is read whole before it is capped; beyond this the connector is misbehaving. */
const MAX_ANSWER = 32 * 1024 * 1024;
const SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
const FORWARDED_HEADERS = ['accept', 'mcp-protocol-version', 'mcp-method'];

export interface ToolsCallMessage {
  jsonrpc: '2.0';
  id: string | number;
  method: 'tools/call';
  params: { name: string; arguments?: Record<string, unknown> | undefined; _meta?: Record<string, unknown> | undefined } & Record<string, unknown>;
}

const PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
const MODERN = '2026-07-28';

/**
 * Only a plain, well-formed first call: its standard headers agree with its body (the SDK's validation ladder
 * answers anything else, with the right error, on the SDK path), and there is nothing the gateway would have
 * to interpret on the way (input rounds, tasks).
 */
export function isForwardable(request: Request, message: ToolsCallMessage): boolean {
  const headers = request.headers;
  return (
    headers.get('mcp-method') === 'tools/call' &&
    headers.get('mcp-name') === message.params.name &&
    headers.get('mcp-protocol-version') === MODERN &&
    message.params._meta?.[PROTOCOL_VERSION] === MODERN &&
    Object.keys(message.params).every((key) => key === 'name' || key === 'arguments' || key === '_meta')
  );
}

export interface ForwardDeps {
  core: GatewayCore;
  version: string;
  callTimeoutMs: number;
  requestState: RequestStateCodec<GatewayRequestState>;
}

type JsonRpcAnswer = { jsonrpc: '2.0'; id: unknown; result?: Record<string, unknown>; error?: unknown };

export async function forwardToolCall(deps: ForwardDeps, request: Request, message: ToolsCallMessage, caller: Caller, authInfo: AuthInfo, tool: GatewayTool, connector: GatewayConnector): Promise<Response> {
  const started = performance.now();
  const timeoutMs = connector.callTimeoutMs ?? deps.callTimeoutMs;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'mcp-name': tool.originalName };
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  // Parameter headers mirror arguments the gateway passes unchanged (and has checked against them).
  request.headers.forEach((value, name) => {
    if (name.startsWith('mcp-param-')) headers[name] = value;
  });
  const meta = { ...message.params._meta, [CLIENT_INFO]: { name: 'switchboard', version: deps.version } };
  const body = JSON.stringify({ ...message, params: { ...message.params, name: tool.originalName, _meta: meta } });
  const signal = AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]);

  /** A failed call is a tool error the model can read (as on the SDK path), and an audit event. */
  const failure = async (text: string): Promise<JsonRpcAnswer> => {
    await deps.core.recordCall(caller, tool, 'error', started, text);
    return { jsonrpc: '2.0', id: message.id, result: { ...toolError(text), resultType: 'complete', _meta: { [SERVER_INFO]: serverInfo(deps) } } };
  };
  const failed = async (text: string): Promise<Response> => json(await failure(text));
  // Our own deadline, not the person's client going away.
  const timedOut = () => signal.aborted && !request.signal.aborted;
  const cutOff = () => couldNotReach(connector, `did not finish ${tool.originalName} within ${Math.round(timeoutMs / 1000)} s`);

  let upstream: PostAnswer;
  try {
    upstream = await credentialedPost(deps.core.credentials(caller.userId, connector.slug), connector.url, headers, body, signal);
  } catch (err) {
    return failed(deps.core.explain(connector, (err as Error).name === 'TimeoutError' || timedOut() ? cutOff() : err));
  }
  if (upstream.status === 401 || upstream.status === 403) {
    discard(upstream.body);
    return failed(deps.core.explain(connector, { status: 401 }));
  }
  const type = upstream.contentType;
  const rewrite = async (msg: JsonRpcAnswer): Promise<JsonRpcAnswer> => {
    if (msg.error !== undefined || !msg.result) {
      await deps.core.recordCall(caller, tool, 'error', started, 'the connector answered with a protocol error');
      return msg;
    }
    if (msg.result['resultType'] === 'input_required') {
      // The connector's own questions go to the person's client; its state travels sealed inside ours.
      const ctx = { mcpReq: { method: 'tools/call' }, http: { authInfo } } as unknown as ServerContext;
      const requestState = await deps.requestState.mint({ tool: tool.name, approved: false, upstream: msg.result['requestState'] as string | undefined }, ctx);
      return { ...msg, result: { ...msg.result, requestState } };
    }
    const capped = withoutProtocolMeta(capResult(msg.result as Parameters<typeof capResult>[0]));
    await deps.core.recordCall(caller, tool, capped.isError ? 'error' : 'ok', started);
    return { ...msg, result: { ...capped, _meta: { ...capped._meta, [SERVER_INFO]: serverInfo(deps) } } };
  };

  if (type.startsWith('application/json')) {
    let msg: JsonRpcAnswer;
    try {
      msg = JSON.parse(await readText(upstream.body, MAX_ANSWER)) as JsonRpcAnswer;
    } catch (err) {
      return failed(deps.core.explain(connector, couldNotReach(connector, `answered ${tool.originalName} with something that is not JSON`, err)));
    }
    return json(await rewrite(msg), upstream.status);
  }
  if (type.startsWith('text/event-stream')) {
    const source = upstream.body;
    let answered = false;
    const events = new SseEvents();
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const relay = async (data: string): Promise<string> => {
      let msg: JsonRpcAnswer;
      try {
        msg = JSON.parse(data) as JsonRpcAnswer;
      } catch {
        return data; // not JSON: relayed as it came
      }
      if (msg.id !== message.id || !('result' in msg || 'error' in msg)) return data;
      answered = true;
      return JSON.stringify(await rewrite(msg));
    };
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (data: string) => controller.enqueue(encoder.encode(`event: message\ndata: ${data}\n\n`));
        let broken: unknown;
        try {
          for await (const chunk of source) for (const data of events.push(decoder.decode(chunk as Buffer, { stream: true }))) send(await relay(data));
          for (const data of events.end()) send(await relay(data));
        } catch (err) {
          broken = err;
        }
        // The connector stopped (timeout, reset) or ended without a result: the call still gets an answer.
        if (!answered) {
          const reason = broken === undefined ? couldNotReach(connector, `ended its answer to ${tool.originalName} without a result`) : timedOut() ? cutOff() : broken;
          send(JSON.stringify(await failure(deps.core.explain(connector, reason))));
        }
        controller.close();
      },
      cancel() {
        source.destroy();
      },
    });
    return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
  }
  discard(upstream.body);
  return failed(deps.core.explain(connector, couldNotReach(connector, `answered ${tool.originalName} with HTTP ${upstream.status}`)));
}

function credentialedPost(credentials: CredentialSource, url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<PostAnswer> {
  return sendSigned(
    credentials,
    (signed) => httpPost(url, { ...headers, ...signed }, body, signal),
    (refused) => discard(refused.body),
  );
}

const serverInfo = (deps: ForwardDeps) => ({ name: 'switchboard', version: deps.version });

const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status: status === 200 || status >= 400 ? status : 200, headers: { 'content-type': 'application/json' } });

/**
 * The data of each event of a connector's event stream, as it arrives. Its event ids and retry hints are dropped:
 * they belong to the connector's stream with Switchboard, not to the person's stream.
 */
class SseEvents {
  #buffer = '';

  push(text: string): string[] {
    this.#buffer += text.replace(/\r\n/g, '\n');
    const out: string[] = [];
    let end: number;
    while ((end = this.#buffer.indexOf('\n\n')) !== -1) {
      const data = dataOf(this.#buffer.slice(0, end));
      this.#buffer = this.#buffer.slice(end + 2);
      if (data !== undefined) out.push(data);
    }
    return out;
  }

  end(): string[] {
    const data = dataOf(this.#buffer);
    this.#buffer = '';
    return data === undefined ? [] : [data];
  }
}

function dataOf(block: string): string | undefined {
  const data = block
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
    .join('\n');
  return data.trim() === '' ? undefined : data;
}
