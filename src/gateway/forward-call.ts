import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AuthInfo, ClientCapabilities, RequestStateCodec, ServerContext } from '@modelcontextprotocol/server';
import { Cutoff, discard, httpPost, readText, type Agents, type PostAnswer } from '../upstream/http-post.ts';
import { sendSigned, type CredentialSource } from '../upstream/mcp-client.ts';
import { couldNotReach } from '../upstream/pool.ts';
import { AppError } from '../shared/app-error.ts';
import type { Caller, GatewayConnector, GatewayCore, GatewayTool } from './core.ts';
import type { GatewayRequestState } from './mcp-server.ts';
import { capResult, toolError, withoutProtocolMeta } from './results.ts';

/**
 * The forwarding path of a `tools/call`: the request is relayed to the connector as one HTTP request and its
 * answer streamed back, instead of being re-hosted by an SDK server and re-sent by an SDK client (each hop of
 * which costs more CPU than the relay itself). It is the same path in every other respect: the tool was
 * resolved and allowed by the policy (an `ask` tool never comes here), the person's own credentials sign the
 * request (refreshed once on a 401), the answer is capped and stripped like any other, and the call is audited.
 * Only a first call without input responses, state or tasks qualifies (relay-front.ts decides).
 *
 * The connector is always spoken to in 2026-07-28 (only connectors that speak it are relayed to). A 2025-11-25
 * client's call is translated: the era's headers and `_meta`, and its session's client capabilities.
 */

const CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
const CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
const PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
const SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
export const MODERN = '2026-07-28';
/** A JSON answer is read whole before it is capped; beyond this the connector is misbehaving. */
const MAX_ANSWER = 32 * 1024 * 1024;

export interface ToolsCallMessage {
  jsonrpc: '2.0';
  id: string | number;
  method: 'tools/call';
  params: { name: string; arguments?: Record<string, unknown> | undefined; _meta?: Record<string, unknown> | undefined };
}

export interface ForwardDeps {
  core: GatewayCore;
  version: string;
  callTimeoutMs: number;
  requestState: RequestStateCodec<GatewayRequestState>;
  /** The egress guard's agents for a connector (every connection checked and pinned); plain keep-alive agents when absent. */
  agentsFor?: ((connector: GatewayConnector) => Agents) | undefined;
}

/** One call to relay, as relay-front.ts established it. */
export interface RelayedCall {
  message: ToolsCallMessage;
  /** The person's client's request headers (Node's lower-cased form). */
  headers: IncomingHttpHeaders;
  caller: Caller;
  authInfo: AuthInfo;
  tool: GatewayTool;
  connector: GatewayConnector;
  /** `legacy`: a 2025-11-25 session's call, with the capabilities its client declared at initialize. */
  era: 'modern' | 'legacy';
  clientCapabilities?: ClientCapabilities | undefined;
  /** Headers every answer carries (the request id, the session id). */
  answerHeaders: Record<string, string>;
}

/**
 * `answered`: the call's answer was written. `ask-session`: a 2025 client's connector asked for input before
 * anything was written; that takes the session's SDK path (which can ask the person mid-call), so the caller
 * serves the request there instead.
 */
export type ForwardOutcome = 'answered' | 'ask-session';

type JsonRpcAnswer = { jsonrpc: '2.0'; id: unknown; result?: Record<string, unknown>; error?: unknown };

export async function forwardToolCall(deps: ForwardDeps, call: RelayedCall, res: ServerResponse): Promise<ForwardOutcome> {
  const { message, caller, tool, connector } = call;
  const started = performance.now();
  const timeoutMs = connector.callTimeoutMs ?? deps.callTimeoutMs;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN,
    'mcp-method': 'tools/call',
    'mcp-name': tool.originalName,
  };
  // Parameter headers mirror arguments the gateway passes unchanged (and has checked against them).
  for (const name in call.headers) if (name.startsWith('mcp-param-')) headers[name] = String(call.headers[name]);
  const meta: Record<string, unknown> =
    call.era === 'modern'
      ? { ...message.params._meta, [CLIENT_INFO]: { name: 'switchboard', version: deps.version } }
      : { ...message.params._meta, [PROTOCOL_VERSION]: MODERN, [CLIENT_INFO]: { name: 'switchboard', version: deps.version }, [CLIENT_CAPABILITIES]: call.clientCapabilities ?? {} };
  // Our own deadline, and the person's client going away, both end the exchange with the connector.
  const cutoff = new Cutoff();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    cutoff.cut(new Error('the connector did not answer in time'));
  }, timeoutMs);
  const onGone = () => {
    if (!res.writableFinished) cutoff.cut(new Error('the client closed the request'));
  };
  res.once('close', onGone);
  const done = () => {
    clearTimeout(timer);
    res.off('close', onGone);
  };
  const cutOff = () => couldNotReach(connector, `did not finish ${tool.originalName} within ${Math.round(timeoutMs / 1000)} s`);

  /** A failed call is a tool error the model can read (as on the SDK path), and an audit event. */
  const failure = (text: string): JsonRpcAnswer => {
    void deps.core.recordCall(caller, tool, 'error', started, text);
    return { jsonrpc: '2.0', id: message.id, result: finish(toolError(text) as unknown as Record<string, unknown>) };
  };
  const finish = (result: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...result, _meta: { ...(result['_meta'] as Record<string, unknown> | undefined), [SERVER_INFO]: { name: 'switchboard', version: deps.version } } };
    if (call.era === 'modern') out['resultType'] = 'complete';
    else delete out['resultType'];
    return out;
  };
  const writeJson = (value: unknown, status = 200): ForwardOutcome => {
    res.writeHead(status, { ...call.answerHeaders, 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
    return 'answered';
  };

  let body: string;
  try {
    body = JSON.stringify({ ...message, params: { ...message.params, name: tool.originalName, _meta: meta } });
  } catch {
    // Arguments nested deeper than JSON.stringify can walk (a RangeError past some thousands of levels) cannot be
    // sent on: a tool error like any other refused call, not a failure of the relay.
    done();
    return writeJson(failure(`${tool.originalName} was not called: its arguments are nested too deeply to send to ${connector.name}. Send flatter arguments.`));
  }
  let upstream: PostAnswer;
  try {
    upstream = await credentialedPost(deps.core.credentials(caller.userId, connector.slug), connector.url, headers, body, cutoff, deps.agentsFor?.(connector));
  } catch (err) {
    done();
    return writeJson(failure(deps.core.upstreamFailed(caller, connector, tool.originalName, timedOut ? cutOff() : err)));
  }
  if (upstream.status === 401 || upstream.status === 403) {
    done();
    discard(upstream.body);
    return writeJson(failure(deps.core.upstreamFailed(caller, connector, tool.originalName, { status: 401 })));
  }

  /** The connector's answer as the person's client gets it; `undefined` when a 2025 client must be asked. */
  const rewrite = async (msg: JsonRpcAnswer): Promise<JsonRpcAnswer | undefined> => {
    // What is relayed must be an answer to this call the person's client can read: anything else is the connector's
    // fault, told as one (a result of the wrong shape would otherwise fail the client, or this relay, obscurely).
    const wrong = answerProblem(msg, message.id);
    if (wrong) return failure(deps.core.upstreamFailed(caller, connector, tool.originalName, couldNotReach(connector, `answered ${tool.originalName} with ${wrong}`)));
    if (msg.error !== undefined || !msg.result) {
      void deps.core.recordCall(caller, tool, 'error', started, 'the connector answered with a protocol error');
      return msg;
    }
    if (msg.result['resultType'] === 'input_required') {
      if (call.era === 'legacy') return undefined;
      // The connector's own questions go to the person's client; its state travels sealed inside ours.
      const ctx = { mcpReq: { method: 'tools/call' }, http: { authInfo: call.authInfo } } as unknown as ServerContext;
      const requestState = await deps.requestState.mint({ tool: tool.name, approved: false, upstream: msg.result['requestState'] as string | undefined }, ctx);
      return { ...msg, result: { ...msg.result, requestState } };
    }
    if (!isToolResult(msg.result)) return failure(deps.core.upstreamFailed(caller, connector, tool.originalName, couldNotReach(connector, `answered ${tool.originalName} with a result that is not a tool result`)));
    const capped = withoutProtocolMeta(capResult(msg.result as Parameters<typeof capResult>[0]));
    void deps.core.recordCall(caller, tool, capped.isError ? 'error' : 'ok', started);
    return { ...msg, result: finish(capped as unknown as Record<string, unknown>) };
  };

  const type = upstream.contentType;
  if (type.startsWith('application/json')) {
    let msg: JsonRpcAnswer;
    try {
      const text = await readText(upstream.body, MAX_ANSWER).catch((err: unknown) => {
        throw timedOut ? cutOff() : couldNotReach(connector, `closed the connection in the middle of its answer to ${tool.originalName}`, err);
      });
      try {
        msg = JSON.parse(text) as JsonRpcAnswer;
      } catch (err) {
        throw couldNotReach(connector, `answered ${tool.originalName} with something that is not JSON`, err);
      }
    } catch (err) {
      done();
      return writeJson(failure(deps.core.upstreamFailed(caller, connector, tool.originalName, err)));
    }
    done();
    const answer = await rewrite(msg);
    if (!answer) return 'ask-session';
    // A connector's JSON-RPC error keeps its HTTP status; a result (a failure told as a tool error included) is a 200.
    return writeJson(answer, answer.error !== undefined && upstream.status >= 400 ? upstream.status : 200);
  }
  if (type.startsWith('text/event-stream')) {
    const source = upstream.body;
    const events = new SseEvents();
    let answered = false;
    let opened = false;
    const send = (data: string) => {
      if (!opened) {
        opened = true;
        res.writeHead(200, { ...call.answerHeaders, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      }
      res.write(`event: message\ndata: ${data}\n\n`);
    };
    /** Relays one event; false when the stream must be handed to the session instead (nothing sent yet). */
    const relay = async (data: string): Promise<boolean> => {
      let msg: JsonRpcAnswer;
      try {
        msg = JSON.parse(data) as JsonRpcAnswer;
      } catch {
        send(data); // not JSON: relayed as it came
        return true;
      }
      if (!msg || typeof msg !== 'object' || !('result' in msg || 'error' in msg)) {
        send(data);
        return true;
      }
      // An answer to some other request is not this client's (its SDK would drop it, or take it for another call).
      if (msg.id !== message.id) return true;
      const answer = await rewrite(msg);
      if (!answer) {
        if (!opened) return false;
        // Notifications went out already: the call cannot move to the session any more.
        send(JSON.stringify(failure(`${connector.name} asked for more input after it had started answering; this client's session cannot take the question now. Try the call again.`)));
      } else send(JSON.stringify(answer));
      answered = true;
      return true;
    };
    let broken: unknown;
    let handOver = false;
    try {
      const decoder = new TextDecoder();
      // Read to the end (not just to the result): a stream read whole gives its socket back to the pool.
      for await (const chunk of source) {
        for (const data of events.push(decoder.decode(chunk as Buffer, { stream: true }))) if (!(await relay(data))) handOver = true;
        if (handOver) break;
      }
      if (!handOver) for (const data of events.end()) if (!(await relay(data))) handOver = true;
    } catch (err) {
      broken = err;
    }
    done();
    if (handOver) {
      source.destroy();
      return 'ask-session';
    }
    // The connector stopped (timeout, reset) or ended without a result: the call still gets an answer.
    if (!answered) {
      const reason =
        broken === undefined
          ? couldNotReach(connector, `ended its answer to ${tool.originalName} without a result`)
          : timedOut
            ? cutOff()
            : broken instanceof AppError
              ? broken
              : couldNotReach(connector, `closed the connection in the middle of its answer to ${tool.originalName}`, broken);
      send(JSON.stringify(failure(deps.core.upstreamFailed(caller, connector, tool.originalName, reason))));
    }
    res.end();
    return 'answered';
  }
  done();
  discard(upstream.body);
  return writeJson(failure(deps.core.upstreamFailed(caller, connector, tool.originalName, couldNotReach(connector, `answered ${tool.originalName} with HTTP ${upstream.status}`))));
}

/** Why a connector's JSON-RPC answer cannot be relayed as the answer to request `id`; undefined when it can. */
function answerProblem(msg: unknown, id: string | number): string | undefined {
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return 'something that is not a JSON-RPC response';
  const m = msg as Record<string, unknown>;
  if (m['jsonrpc'] !== '2.0' || !('result' in m || 'error' in m)) return 'something that is not a JSON-RPC response';
  if (m['id'] !== id) return `a response to another request (id ${JSON.stringify(m['id'])})`;
  if ('error' in m) {
    const e = m['error'] as Record<string, unknown> | null;
    if (!e || typeof e !== 'object' || typeof e['code'] !== 'number' || typeof e['message'] !== 'string') return 'a JSON-RPC error that is not well-formed';
  } else if (!m['result'] || typeof m['result'] !== 'object' || Array.isArray(m['result'])) return 'a result that is not a tool result';
  return undefined;
}

/**
 * The shape of a tool result, as far as relaying it needs (a list of content blocks, each with its type): enough to
 * cap it and for the person's client to read it, without the cost of validating every block on every call.
 */
function isToolResult(result: Record<string, unknown>): boolean {
  const content = result['content'];
  // Left out, it is an empty list (the SDK's own default).
  if (content === undefined) return result['isError'] === undefined || typeof result['isError'] === 'boolean';
  if (!Array.isArray(content)) return false;
  for (const block of content) if (!block || typeof block !== 'object' || typeof (block as { type?: unknown }).type !== 'string') return false;
  return result['isError'] === undefined || typeof result['isError'] === 'boolean';
}

function credentialedPost(credentials: CredentialSource, url: string, headers: Record<string, string>, body: string, cutoff: Cutoff, agents: Agents | undefined): Promise<PostAnswer> {
  return sendSigned(
    credentials,
    (signed) => httpPost(url, { ...headers, ...signed }, body, cutoff, agents),
    (refused) => discard(refused.body),
  );
}

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
