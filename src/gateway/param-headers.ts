/**
 * SEP-2243 (2026-07-28): a tool argument whose schema says `"x-mcp-header": "Region"` is mirrored by the
 * client into an `Mcp-Param-Region` header, so proxies and load balancers can route on it without reading
 * the body. A server must refuse a request whose headers and body disagree (HTTP 400, -32020): otherwise
 * something routing on the header acts on a value the tool never sees.
 */

export const HEADER_MISMATCH = -32020;

export interface ParamDeclaration {
  path: string[];
  header: string;
  type: string | undefined;
}

const HEADER_TOKEN = /^[A-Za-z0-9-]+$/;

/** Every `x-mcp-header` declaration in a tool's input schema (nested object properties included). */
export function paramDeclarations(schema: unknown, path: string[] = []): ParamDeclaration[] {
  if (!schema || typeof schema !== 'object') return [];
  const properties = (schema as { properties?: unknown }).properties;
  if (!properties || typeof properties !== 'object') return [];
  const out: ParamDeclaration[] = [];
  for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
    if (!property || typeof property !== 'object') continue;
    const header = (property as Record<string, unknown>)['x-mcp-header'];
    const type = (property as { type?: unknown }).type;
    if (typeof header === 'string' && HEADER_TOKEN.test(header)) out.push({ path: [...path, name], header, type: typeof type === 'string' ? type : undefined });
    out.push(...paramDeclarations(property, [...path, name]));
  }
  return out;
}

function valueAt(args: unknown, path: string[]): unknown {
  let value = args;
  for (const key of path) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** `=?base64?…?=` carries values a header cannot hold as they are; anything else is the value itself. */
function decode(header: string): string | undefined {
  const match = /^=\?base64\?(.*)\?=$/.exec(header);
  if (!match) return header;
  const encoded = match[1]!;
  const bytes = Buffer.from(encoded, 'base64');
  // Only canonical Base64 of valid UTF-8: a lenient decoder is how two readers come to disagree.
  if (bytes.toString('base64') !== encoded) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Why the headers and the body disagree, or undefined when they agree. */
export function paramHeaderMismatch(declarations: ParamDeclaration[], args: unknown, headers: Pick<Headers, 'get'>): string | undefined {
  for (const declaration of declarations) {
    const name = `Mcp-Param-${declaration.header}`;
    const body = valueAt(args, declaration.path);
    if (body === undefined || body === null || typeof body === 'object') continue;
    const header = headers.get(name);
    const field = declaration.path.join('.');
    if (header === null) return `the body carries ${field}=${JSON.stringify(body)} but the ${name} header is absent`;
    const decoded = decode(header);
    if (decoded === undefined) return `the ${name} header carries an invalid Base64 value`;
    const numeric = (declaration.type === 'integer' || declaration.type === 'number') && typeof body === 'number';
    if (numeric ? Number(decoded) !== body : decoded !== String(body)) return `the ${name} header decodes to ${JSON.stringify(decoded)} but the body carries ${field}=${JSON.stringify(body)}`;
  }
  return undefined;
}
