import { envelope, GARBAGE_VALUES, json, LEGACY, mcpHeaders, meta, MODERN, nested, post, uuid, type CorpusContext, type Expectation, type Generated } from './fuzz-parts.ts';
import type { Rng } from './helpers.ts';

/** Malformed JSON-RPC and HTTP for `/mcp`, in both spec eras (see fuzz-corpus.ts). */

const UNKNOWN_METHODS = ['', 'tools', 'tools/', 'tools/list/', 'TOOLS/LIST', 'tools/call/../list', 'rpc.discover', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'sampling/createMessage', 'elicitation/create', 'roots/list', 'notifications/../tools/list', 'x'.repeat(5000), 'tools\u0000/list', 'résources/read'];

type McpGenerator = (rng: Rng, ctx: CorpusContext, era: string, token: string | undefined) => Generated;

const listBody = (era: string, id: unknown = 1) => json(envelope(era, 'tools/list', {}, id));

export const MCP_CASES: Record<string, { weight: number; make: McpGenerator }> = {
  'malformed-json': {
    weight: 12,
    make: (rng, ctx, era, token) => {
      const valid = JSON.stringify(envelope(era, 'tools/call', { name: ctx.tool, arguments: { text: 'hi' } }));
      const body = rng.pick([
        () => valid.slice(0, rng.int(0, valid.length - 1)),
        () => `${valid},`,
        () => valid.replace(/"/g, "'"),
        () => `\ufeff${valid}x`,
        () => valid.replace('"2.0"', 'NaN'),
        () => `{"jsonrpc":"2.0","id":1,"method":"tools/list",}`,
        () => `/* comment */ ${valid}`,
        () => `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"a":undefined}}`,
        () => rng.bytes(rng.int(1, 400)).toString('latin1'),
        () => '{'.repeat(rng.int(1, 50)),
        () => 'null',
        () => '',
        () => `${valid}${valid}`,
        () => '"just a string"',
        () => '12345',
        () => 'true',
      ])();
      // `null`, numbers and strings are valid JSON but not JSON-RPC: still refused.
      return { request: post(mcpHeaders(era, token, 'tools/call', ctx.tool), Buffer.from(body, 'latin1')), expect: 'error' };
    },
  },
  'jsonrpc-version': {
    weight: 6,
    make: (rng, _ctx, era, token) => {
      const message: Record<string, unknown> = envelope(era, 'tools/list', {});
      const version = rng.pick<unknown>(['1.0', '2', 2, null, '', '2.0 ', ' 2.0', '3.0', true, {}, [], '2.00', undefined]);
      if (version === undefined) delete message.jsonrpc;
      else message.jsonrpc = version;
      return { request: post(mcpHeaders(era, token, 'tools/list'), json(message)), expect: 'error' };
    },
  },
  'id-types': {
    weight: 8,
    make: (rng, _ctx, era, token) => {
      // Strings and integers are valid ids (the answer then is a result); everything else must be refused.
      const valid = rng.pick<unknown>(['', 'x'.repeat(rng.int(1, 5000)), 0, -1, 2 ** 53 - 1, 'id with spaces', '\u00e9\u4e2d']);
      const invalid = rng.pick<unknown>([null, true, false, {}, [], [1], { id: 1 }, 1.5, -0.25, 1e300]);
      const useValid = rng.chance(0.35);
      const method = rng.pick(['tools/list', 'ping', 'resources/list', 'prompts/list']);
      return { request: post(mcpHeaders(era, token, method), json(envelope(era, method, {}, useValid ? valid : invalid))), expect: useValid ? 'any' : 'error' };
    },
  },
  batch: {
    weight: 6,
    make: (rng, ctx, era, token) => {
      const one = envelope(era, 'tools/list', {});
      const body = rng.pick<unknown>([[], [one], [one, { ...one, id: 2 }], [1, 2, 3], [[]], [null], [{ jsonrpc: '2.0', method: 'notifications/initialized' }], Array.from({ length: 200 }, (_, i) => ({ ...one, id: i })), [envelope(era, 'tools/call', { name: ctx.tool, arguments: { text: 'b' } })]]);
      // 2025-11-25 servers still take JSON-RPC batches (answered message by message); 2026-07-28 has none.
      return { request: post(mcpHeaders(era, token, 'tools/list'), json(body)), expect: era === LEGACY ? 'any' : 'error' };
    },
  },
  'deep-nesting': {
    weight: 4,
    make: (rng, ctx, era, token) => {
      const depth = rng.pick([100, 1_000, 10_000, 100_000]);
      const kind = rng.pick(['array', 'object'] as const);
      const inner = nested(depth, kind);
      const where = rng.pick(['arguments', 'params', 'id', 'meta']);
      const text =
        where === 'arguments'
          ? `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${ctx.tool}","arguments":{"text":${inner}},"_meta":${JSON.stringify(meta(era))}}}`
          : where === 'params'
            ? `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":${inner}}`
            : where === 'id'
              ? `{"jsonrpc":"2.0","id":${inner},"method":"tools/list","params":{}}`
              : `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${inner}}}`;
      // Unknown members of params and _meta are ignored, however deep; a non-object params or id is refused.
      const expect: Expectation = where === 'arguments' ? 'tool-error' : where === 'id' || kind === 'array' ? 'error' : 'any';
      return { request: post(mcpHeaders(era, token, where === 'arguments' ? 'tools/call' : 'tools/list', where === 'arguments' ? ctx.tool : undefined), Buffer.from(text)), expect };
    },
  },
  huge: {
    weight: 3,
    make: (rng, ctx, era, token) => {
      const size = rng.int(100_000, 3_500_000);
      const kind = rng.pick(['name', 'method', 'array', 'echo'] as const);
      if (kind === 'echo') {
        // A valid call with a huge argument: answered (capped) or refused, never a crash.
        return { request: post(mcpHeaders(era, token, 'tools/call', ctx.tool), json(envelope(era, 'tools/call', { name: ctx.tool, arguments: { text: 'x'.repeat(size) } }))), expect: 'any' };
      }
      if (kind === 'array') {
        const body = json(envelope(era, 'tools/call', { name: ctx.tool, arguments: { text: Array.from({ length: Math.floor(size / 8) }, (_, i) => i) } }));
        return { request: post(mcpHeaders(era, token, 'tools/call', ctx.tool), body), expect: 'tool-error' };
      }
      const big = 'n'.repeat(size);
      const body = kind === 'name' ? json(envelope(era, 'tools/call', { name: big, arguments: {} })) : json(envelope(era, big, {}));
      return { request: post(mcpHeaders(era, token, kind === 'name' ? 'tools/call' : 'tools/list', kind === 'name' ? 'x' : undefined), body), expect: 'error' };
    },
  },
  'unknown-method': {
    weight: 8,
    make: (rng, _ctx, era, token) => {
      const method = rng.chance(0.3) ? rng.bytes(rng.int(1, 40)).toString('base64') : rng.pick(UNKNOWN_METHODS);
      return { request: post(mcpHeaders(era, token, 'tools/list'), json(envelope(era, method, rng.chance(0.5) ? {} : { x: rng.pick(GARBAGE_VALUES) }))), expect: 'error' };
    },
  },
  'wrong-params': {
    weight: 16,
    make: (rng, ctx, era, token) => {
      const garbage = () => rng.pick(GARBAGE_VALUES.filter((v) => typeof v !== 'string' || v === '__proto__'));
      const cases: Array<() => { method: string; params: unknown; name?: string; expect: Expectation }> = [
        () => ({ method: 'initialize', params: rng.pick<unknown>(['x', 1, [], null, true]), expect: 'error' }),
        () => ({ method: 'initialize', params: { protocolVersion: rng.pick<unknown>([1, null, {}, []]), capabilities: {}, clientInfo: { name: 'f', version: '1' } }, expect: 'error' }),
        () => ({ method: 'initialize', params: { protocolVersion: LEGACY, capabilities: rng.pick<unknown>(['x', 1, [], null]), clientInfo: { name: 'f', version: '1' } }, expect: 'error' }),
        () => ({ method: 'initialize', params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: rng.pick<unknown>([null, 'x', { name: 1 }, { version: '1' }, []]) }, expect: 'error' }),
        () => ({ method: 'tools/list', params: rng.pick<unknown>(['x', 1, [], true]), expect: 'error' }),
        () => ({ method: 'tools/list', params: { cursor: rng.pick<unknown>([1, {}, [], true, 'not-a-cursor', 'bm90LW91cnM', '../../', 'x'.repeat(3000)]) }, expect: 'error' }),
        () => ({ method: 'tools/call', params: rng.pick<unknown>(['x', 1, [], null]), expect: 'error' }),
        () => ({ method: 'tools/call', params: { name: garbage(), arguments: {} }, expect: 'error' }),
        // A tool that is not the person's: a JSON-RPC error (2026) or a tool result with isError saying why (2025).
        () => ({ method: 'tools/call', params: { name: rng.pick(['nope__nothing', `${ctx.connector}__nope`, `../${ctx.tool}`, `${ctx.tool}\u0000`, 'gamma__echo', '__echo', `${ctx.connector}__`, ctx.tool.toUpperCase()]), arguments: {} }, expect: 'tool-error' }),
        () => ({ method: 'tools/call', name: ctx.tool, params: { name: ctx.tool, arguments: rng.pick<unknown>(['x', 1, [], true]) }, expect: 'error' }),
        () => ({ method: 'tools/call', name: ctx.tool, params: { name: ctx.tool, arguments: { text: rng.pick<unknown>([1, null, {}, [], true]) } }, expect: 'tool-error' }),
        () => ({ method: 'tools/call', name: ctx.tool, params: { name: ctx.tool, arguments: {} }, expect: 'tool-error' }),
        () => ({ method: 'resources/read', params: rng.pick<unknown>(['x', 1, [], null, {}]), expect: 'error' }),
        () => ({ method: 'resources/read', params: { uri: rng.pick<unknown>([1, null, {}, [], true]) }, expect: 'error' }),
        () => ({ method: 'resources/read', params: { uri: rng.pick(['file:///etc/passwd', '../../etc/passwd', 'ui://../../etc/passwd', `ui://${ctx.connector}/../../x`, 'http://169.254.169.254/latest/meta-data/', 'ui://nope/x', '', 'x'.repeat(5000), 'javascript:alert(1)']) }, expect: 'error' }),
        () => ({ method: 'prompts/get', params: { name: garbage() }, expect: 'error' }),
        () => ({ method: 'completion/complete', params: { ref: garbage(), argument: garbage() }, expect: 'error' }),
        () => ({ method: 'logging/setLevel', params: { level: rng.pick<unknown>(['loud', 1, null]) }, expect: 'error' }),
        () => ({ method: 'resources/subscribe', params: { uri: garbage() }, expect: 'error' }),
      ];
      const c = rng.pick(cases)();
      const message = { jsonrpc: '2.0', id: rng.int(1, 1e6), method: c.method, params: c.params !== null && typeof c.params === 'object' && !Array.isArray(c.params) ? { ...(c.params as object), ...(era === MODERN ? { _meta: meta(era) } : {}) } : c.params };
      return { request: post(mcpHeaders(era, token, c.method, c.name), json(message)), expect: c.expect };
    },
  },
  headers: {
    weight: 14,
    make: (rng, ctx, era, token) => {
      // Half of them on a tools/call the /mcp relay front would take (relay-front.ts), half on a tools/list.
      const relayable = rng.chance(0.5);
      const headers = relayable ? mcpHeaders(era, token, 'tools/call', ctx.tool) : mcpHeaders(era, token, 'tools/list');
      const body = relayable ? json(envelope(era, 'tools/call', { name: ctx.tool, arguments: { text: 'h' } })) : listBody(era);
      const set = (name: string, value: string | undefined) => {
        const i = headers.findIndex(([n]) => n === name);
        if (i >= 0) headers.splice(i, 1);
        if (value !== undefined) headers.push([name, value]);
      };
      let expect: Expectation = 'error';
      let path = '/mcp';
      const mutation = rng.int(0, 11);
      if (mutation === 0) {
        const type = rng.pick([undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', '', 'application/xml']);
        set('content-type', type);
      }
      else if (mutation === 1) {
        // Two content types: whichever the server reads, it must not choke.
        headers.push(['content-type', rng.pick(['text/plain', 'application/json', 'image/png'])]);
        expect = 'any';
      } else if (mutation === 2) {
        set('accept', rng.pick([undefined, 'text/html', 'image/png', 'application/xml', '', ';;;', 'text/event-stream;q=0']));
        // 2025-11-25 requires both media types (406 otherwise); a 2026 server may answer JSON whatever Accept says.
        expect = era === LEGACY ? 'error' : 'any';
      }
      else if (mutation === 3) {
        set('accept', rng.pick(['*/*', 'application/json', 'text/event-stream', 'application/*, text/*']));
        expect = 'any';
      } else if (mutation === 4) set('mcp-protocol-version', rng.pick(['garbage', '2099-01-01', '', '1.0', '2025-13-45', `${MODERN}, ${LEGACY}`, LEGACY.replace(/-/g, '/')]));
      else if (mutation === 5) {
        headers.push(['mcp-protocol-version', era === MODERN ? LEGACY : MODERN]);
        expect = 'any';
      } else if (mutation === 6) {
        const id = rng.pick(['garbage', '00000000-0000-0000-0000-000000000000', uuid(rng), 'x'.repeat(8000), '', '../../', '%00']);
        set('mcp-session-id', id);
        // A 2025 request with an unknown session is refused (404); an empty one is no session; 2026 has no sessions.
        expect = era === LEGACY && id !== '' ? 'error' : 'any';
      } else if (mutation === 7) {
        headers.push(['mcp-session-id', 'a'], ['mcp-session-id', 'b']);
        expect = era === LEGACY ? 'error' : 'any';
      } else if (mutation === 8) set('x-switchboard-org', rng.pick(['nope', '', ' ', '../acme', `${ctx.org} x`, 'x'.repeat(500), '%00', 'ACME']));
      // Foreign Host and Origin values (DNS rebinding); a Host that is not even a host name is Node's to refuse.
      else if (mutation === 9) {
        if (rng.chance(0.5)) set('host', rng.pick(['evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', 'evil.example:80', 'xn--80ak6aa92e.com']));
        else set('origin', rng.pick(['http://evil.example', 'null', 'http://localhost.evil.example', 'http://[::1]:1@evil.example', 'file://', 'https://127.0.0.1.nip.io']));
      }
      else if (mutation === 10) {
        set('mcp-name', rng.pick(['other__tool', ctx.tool, '', 'x'.repeat(300)]));
        set('mcp-method', rng.pick(['tools/call', 'resources/read', '', 'garbage']));
        expect = 'any';
      } else {
        path = rng.pick(['/mcp?tools=garbage', '/mcp?tools=', '/mcp?org=nope', `/mcp?org=${ctx.org}&org=nope`, '/mcp?%ff=%fe', '/mcp?tools=always&tools=garbage', '/mcp?' + 'a=1&'.repeat(500)]);
        // The first of repeated parameters counts (so `org=acme&org=nope` is acme's); a bad first value is refused.
        expect = /^\/mcp\?(tools=garbage|tools=$|org=nope$)/.test(path) ? 'error' : 'any';
      }
      // An empty `x-switchboard-org` (spaces are trimmed) names the default organization: the request is valid.
      if (mutation === 8 && headers.some(([n, v]) => n === 'x-switchboard-org' && v.trim() === '')) expect = 'any';
      return { request: post(headers, body, path), expect };
    },
  },
  'http-method': {
    weight: 6,
    make: (rng, _ctx, era, token) => {
      const method = rng.pick(['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE']);
      const headers = mcpHeaders(era, token, 'tools/list');
      if (method === 'GET' && rng.chance(0.5)) headers.push(['mcp-session-id', uuid(rng)]);
      // `/MCP` is not a server path: a GET there is a page of the web app, so it is only tried with other methods.
      const paths = method === 'GET' || method === 'HEAD' ? ['/mcp', '/mcp/', '/mcp/x'] : ['/mcp', '/mcp/', '/mcp/x', '/MCP'];
      return { request: { method, path: rng.pick(paths), headers, ...(method === 'GET' || method === 'HEAD' ? {} : { body: listBody(era) }) }, expect: 'error' };
    },
  },
  'prototype-pollution': {
    weight: 2,
    make: (rng, ctx, era, token) => {
      // Own `__proto__` and `constructor` members, as JSON.parse makes them, where the gateway copies and merges
      // objects (arguments, _meta, params); the test then checks Object.prototype of the server's process.
      const poison = '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}';
      const m = JSON.stringify(meta(era)).slice(1, -1);
      const where = rng.pick(['arguments', 'meta', 'params'] as const);
      const text =
        where === 'arguments'
          ? `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${ctx.tool}","arguments":{"text":"p","__proto__":{"admin":true}},"_meta":{${m}}}}`
          : where === 'meta'
            ? `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{${m}${m ? ',' : ''}"__proto__":{"admin":true}}}}`
            : `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":${poison}}`;
      return { request: post(mcpHeaders(era, token, where === 'arguments' ? 'tools/call' : 'tools/list', where === 'arguments' ? ctx.tool : undefined), Buffer.from(text)), expect: 'any' };
    },
  },
  'invalid-utf8': {
    weight: 5,
    make: (rng, ctx, era, token) => {
      const bad = rng.pick([Buffer.from([0xff, 0xfe]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from('\\ud800', 'latin1'), Buffer.from('\\udfff\\ud800', 'latin1')]);
      const where = rng.pick(['text', 'method', 'key', 'name'] as const);
      const head = (s: string) => Buffer.from(s, 'utf8');
      const m = JSON.stringify(meta(era));
      const parts =
        where === 'text'
          ? [head(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${ctx.tool}","arguments":{"text":"a`), bad, head(`b"},"_meta":${m}}}`)]
          : where === 'method'
            ? [head('{"jsonrpc":"2.0","id":1,"method":"tools/'), bad, head(`list","params":{"_meta":${m}}}`)]
            : where === 'key'
              ? [head('{"jsonrpc":"2.0","id":1,"'), bad, head(`":1,"method":"tools/list","params":{"_meta":${m}}}`)]
              : [head('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x'), bad, head(`","arguments":{},"_meta":${m}}}`)];
      // Replacement characters in the argument leave a valid call; anywhere else the request is wrong.
      return { request: post(mcpHeaders(era, token, where === 'method' ? 'tools/list' : 'tools/call', where === 'text' ? ctx.tool : 'x'), Buffer.concat(parts)), expect: where === 'text' ? 'any' : where === 'key' ? 'any' : 'error' };
    },
  },
};
