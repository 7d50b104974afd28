import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeIssue, formatPath, type ConfigProblem } from './errors.ts';
import {
  bootstrapSchema,
  cidrSchema,
  configFileSchema,
  databaseUrlSchema,
  CHAT_PROVIDERS,
  EMBEDDING_PROVIDERS,
  LOG_LEVELS,
  redisUrlSchema,
  serverSettingsSchema,
  type BootstrapDocument,
  type ServerSettings,
} from './schema.ts';

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  /** Absolute path of the data folder (PGlite data, generated secret key, lock file). */
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** As given in SWITCHBOARD_SECRET_KEY; resolved (or generated) by `resolveSecretKey`. */
  secretKey: string | undefined;
  logLevel: ServerSettings['log']['level'];
  /** Start the bundled demo services. */
  demo: boolean;
  shutdownGraceSeconds: number;
  gateway: ServerSettings['gateway'];
  /** Requests per minute per person and per organization (0: off). */
  rateLimits: ServerSettings['rateLimits'];
  /** Tool search: the embedding model for hybrid ranking, when the operator configured one. */
  toolSearch: ServerSettings['toolSearch'];
  /** The web chat: the model the operator configured, when one is. */
  chat: ServerSettings['chat'];
  /**
   * The interactive app sandbox's origin (MCP Apps): off, or on with its port (`portDefaulted`: not set by the
   * operator, so a taken port falls back to a free one) and, when set, the URL browsers reach it at.
   */
  sandbox: { enabled: boolean; port: number; portDefaulted: boolean; publicUrl: string | undefined };
  auth: ServerSettings['auth'];
  /** Absolute path of the YAML file, when one was given. */
  configFile: string | undefined;
  bootstrap: BootstrapDocument;
  /** Address ranges the egress guard opens: the bootstrap's `egress.allow` and SWITCHBOARD_EGRESS_ALLOW. */
  egressAllow: string[];
}

type Env = Record<string, string | undefined>;

const PORT_RANGE = 'must be a port number between 1 and 65535 (or 0 for any free port)';

const onOffSchema = z.enum(['on', 'off', 'true', 'false', '1', '0'], { error: 'must be "on" or "off"' }).transform((v) => v === 'on' || v === 'true' || v === '1');
const portEnvSchema = z.string().regex(/^\d{1,5}$/, { error: PORT_RANGE }).transform(Number).pipe(z.number().max(65535, { error: PORT_RANGE }));
const tokensEnvSchema = z.string().regex(/^\d{1,9}$/, { error: 'must be a whole number of tokens, e.g. 200000' }).transform(Number);
/** A model provider's base URL (chat, embeddings). */
const modelBaseUrlEnvSchema = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:11434/v1' });

/** Each environment variable, the settings key it overrides, and how its text becomes a value. */
const ENV_VARS: ReadonlyArray<{ name: string; path: string[]; schema: z.ZodType }> = [
  { name: 'PORT', path: ['server', 'port'], schema: portEnvSchema },
  { name: 'HOST', path: ['server', 'host'], schema: z.string().min(1) },
  { name: 'PUBLIC_URL', path: ['server', 'publicUrl'], schema: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }) },
  { name: 'SWITCHBOARD_DATA_DIR', path: ['dataDir'], schema: z.string().min(1) },
  { name: 'DATABASE_URL', path: ['database', 'url'], schema: databaseUrlSchema },
  { name: 'REDIS_URL', path: ['redis', 'url'], schema: redisUrlSchema },
  { name: 'LOG_LEVEL', path: ['log', 'level'], schema: z.enum(LOG_LEVELS) },
  { name: 'SWITCHBOARD_DEMO', path: ['demo', 'enabled'], schema: onOffSchema },
  { name: 'SWITCHBOARD_MCP_NAMING', path: ['gateway', 'naming'], schema: z.enum(['namespaced', 'passthrough']) },
  { name: 'SWITCHBOARD_MCP_CONTEXT_TOKENS', path: ['gateway', 'mcpContextTokens'], schema: tokensEnvSchema },
  {
    name: 'SWITCHBOARD_ALLOWED_HOSTS',
    path: ['gateway', 'allowedHosts'],
    schema: z.string().transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean)),
  },
  { name: 'SWITCHBOARD_RATE_LIMIT_PERSON', path: ['rateLimits', 'personPerMinute'], schema: z.string().regex(/^\d{1,8}$/, { error: 'must be a whole number of requests per minute, e.g. 1200 (0 turns the limit off)' }).transform(Number) },
  { name: 'SWITCHBOARD_RATE_LIMIT_ORG', path: ['rateLimits', 'organizationPerMinute'], schema: z.string().regex(/^\d{1,9}$/, { error: 'must be a whole number of requests per minute, e.g. 12000 (0 turns the limit off)' }).transform(Number) },
  { name: 'SWITCHBOARD_EMBEDDING_PROVIDER', path: ['toolSearch', 'embedding', 'provider'], schema: z.enum(EMBEDDING_PROVIDERS) },
  { name: 'SWITCHBOARD_EMBEDDING_MODEL', path: ['toolSearch', 'embedding', 'model'], schema: z.string().trim().min(1) },
  { name: 'SWITCHBOARD_EMBEDDING_BASE_URL', path: ['toolSearch', 'embedding', 'baseUrl'], schema: modelBaseUrlEnvSchema },
  { name: 'SWITCHBOARD_EMBEDDING_API_KEY', path: ['toolSearch', 'embedding', 'apiKey'], schema: z.string().min(1) },
  { name: 'SWITCHBOARD_EMBEDDING_DIMENSIONS', path: ['toolSearch', 'embedding', 'dimensions'], schema: z.string().regex(/^\d{1,5}$/, { error: 'must be a whole number of dimensions, e.g. 512' }).transform(Number) },
  { name: 'SWITCHBOARD_CHAT_PROVIDER', path: ['chat', 'model', 'provider'], schema: z.enum(CHAT_PROVIDERS) },
  { name: 'SWITCHBOARD_CHAT_MODEL', path: ['chat', 'model', 'model'], schema: z.string().trim().min(1) },
  { name: 'SWITCHBOARD_CHAT_BASE_URL', path: ['chat', 'model', 'baseUrl'], schema: modelBaseUrlEnvSchema },
  { name: 'SWITCHBOARD_CHAT_API_KEY', path: ['chat', 'model', 'apiKey'], schema: z.string().min(1) },
  { name: 'SWITCHBOARD_CHAT_CONTEXT_TOKENS', path: ['chat', 'model', 'contextTokens'], schema: tokensEnvSchema },
  { name: 'SWITCHBOARD_SANDBOX', path: ['sandbox', 'enabled'], schema: onOffSchema },
  { name: 'SWITCHBOARD_SANDBOX_PORT', path: ['sandbox', 'port'], schema: portEnvSchema },
  { name: 'SWITCHBOARD_SANDBOX_URL', path: ['sandbox', 'publicUrl'], schema: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. https://apps.switchboard.example.com' }) },
  { name: 'SWITCHBOARD_SSO_ISSUER', path: ['auth', 'sso', 'issuer'], schema: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }) },
  { name: 'SWITCHBOARD_SSO_CLIENT_ID', path: ['auth', 'sso', 'clientId'], schema: z.string().min(1) },
  { name: 'SWITCHBOARD_SSO_CLIENT_SECRET', path: ['auth', 'sso', 'clientSecret'], schema: z.string().min(1) },
];

const BOOTSTRAP_KEYS = ['organizations', 'connectors', 'policies', 'egress'] as const;

export interface LoadOptions {
  env?: Env;
  /** `--config FILE`; falls back to SWITCHBOARD_CONFIG. */
  configFile?: string | undefined;
  cwd?: string;
}

/** Reads the YAML file (if any) and the environment, validates both, and returns one settled config. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const fileArg = options.configFile ?? nonEmpty(env.SWITCHBOARD_CONFIG);
  const configFile = fileArg ? path.resolve(cwd, fileArg) : undefined;

  const problems: ConfigProblem[] = [];
  let fileSettings: Record<string, unknown> = {};
  let bootstrapRaw: Record<string, unknown> = {};

  if (configFile) {
    const parsed = readYaml(configFile);
    const located = (issuePath: ReadonlyArray<PropertyKey>, keys?: string[]) => `${configFile}${parsed.position(issuePath, keys)}`;
    const top = configFileSchema.safeParse(parsed.value);
    if (!top.success) {
      for (const issue of top.error.issues) {
        problems.push({ field: formatPath(issue.path), where: located(issue.path, issue.code === 'unrecognized_keys' ? issue.keys : undefined), message: describeIssue(issue, parsed.value) });
      }
    } else {
      const { organizations, connectors, policies, egress, ...settings } = top.data;
      fileSettings = settings;
      bootstrapRaw = { organizations, connectors, policies, egress };
      for (const key of BOOTSTRAP_KEYS) if (bootstrapRaw[key] === undefined) delete bootstrapRaw[key];
      const boot = bootstrapSchema.safeParse(bootstrapRaw);
      if (!boot.success) {
        for (const issue of boot.error.issues) {
          problems.push({ field: formatPath(issue.path), where: located(issue.path, issue.code === 'unrecognized_keys' ? issue.keys : undefined), message: describeIssue(issue, bootstrapRaw) });
        }
      }
    }
  }

  const merged = structuredClone(fileSettings);
  for (const variable of ENV_VARS) {
    const raw = nonEmpty(env[variable.name]);
    if (raw === undefined) continue;
    const result = variable.schema.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push({ field: variable.name, where: 'environment', message: describeIssue(issue, raw) });
      }
      continue;
    }
    setPath(merged, variable.path, result.data);
  }

  let egressFromEnv: string[] = [];
  const egressRaw = nonEmpty(env.SWITCHBOARD_EGRESS_ALLOW);
  if (egressRaw !== undefined) {
    const ranges = z.array(cidrSchema).safeParse(egressRaw.split(',').map((r) => r.trim()).filter(Boolean));
    if (ranges.success) egressFromEnv = ranges.data;
    else for (const issue of ranges.error.issues) problems.push({ field: 'SWITCHBOARD_EGRESS_ALLOW', where: 'environment', message: describeIssue(issue, egressRaw) });
  }

  if (problems.length > 0) throw new ConfigError(headline(configFile), problems);

  const settings = serverSettingsSchema.safeParse(merged);
  if (!settings.success) {
    const envProblems = settings.error.issues.map((issue) => ({
      field: formatPath(issue.path),
      where: configFile ? `${configFile} and environment` : 'environment',
      message: describeIssue(issue, merged),
    }));
    throw new ConfigError(headline(configFile), envProblems);
  }
  const s = settings.data;
  const bootstrap = bootstrapSchema.parse(bootstrapRaw);

  return {
    port: s.server.port,
    host: s.server.host,
    publicUrl: (s.server.publicUrl ?? defaultPublicUrl(s.server.host, s.server.port)).replace(/\/+$/, ''),
    dataDir: path.resolve(cwd, s.dataDir),
    databaseUrl: s.database.url,
    redisUrl: s.redis.url,
    secretKey: nonEmpty(env.SWITCHBOARD_SECRET_KEY),
    logLevel: s.log.level,
    demo: s.demo.enabled,
    shutdownGraceSeconds: s.server.shutdownGraceSeconds,
    gateway: s.gateway,
    rateLimits: s.rateLimits,
    toolSearch: s.toolSearch,
    chat: s.chat,
    sandbox: {
      enabled: s.sandbox.enabled,
      port: s.sandbox.port ?? (s.server.port === 0 ? 0 : Math.min(s.server.port + 1, 65535)),
      portDefaulted: s.sandbox.port === undefined,
      publicUrl: s.sandbox.publicUrl,
    },
    auth: s.auth,
    configFile,
    bootstrap,
    egressAllow: [...new Set([...bootstrap.egress.allow, ...egressFromEnv])],
  };
}

function headline(configFile: string | undefined): string {
  return configFile
    ? `Switchboard cannot start: the configuration in ${configFile} or the environment has problems. Fix each one below and start again.`
    : 'Switchboard cannot start: the environment has problems. Fix each one below and start again.';
}

function defaultPublicUrl(host: string, port: number): string {
  // A wildcard bind address is not something a browser can open, so the default URL names loopback.
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

interface ParsedYaml {
  value: unknown;
  /** `:line:col` of the node at a zod issue path (or of an unknown key), or '' when unknown. */
  position(issuePath: ReadonlyArray<PropertyKey>, keys?: string[]): string;
}

function readYaml(file: string): ParsedYaml {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (err as Error).message;
    throw new ConfigError(`Switchboard cannot read its configuration file ${file}: ${reason}. Check the --config option or SWITCHBOARD_CONFIG.`, []);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      `Switchboard cannot start: ${file} is not valid YAML.`,
      doc.errors.map((e) => {
        const at = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return { field: '(syntax)', where: at ? `${file}:${at.line}:${at.col}` : file, message: e.message.split('\n')[0] ?? e.message };
      }),
    );
  }
  const value = doc.toJS() ?? {};
  return {
    value,
    position(issuePath, keys) {
      const offset = locate(doc, issuePath, keys);
      if (offset === undefined) return '';
      const { line, col } = lineCounter.linePos(offset);
      return `:${line}:${col}`;
    },
  };
}

function locate(doc: Document, issuePath: ReadonlyArray<PropertyKey>, keys?: string[]): number | undefined {
  // Walk down as far as the document goes: a missing key points at its parent.
  let best: number | undefined = doc.contents?.range?.[0];
  for (let depth = issuePath.length; depth >= 0; depth--) {
    const node = doc.getIn(issuePath.slice(0, depth) as unknown[], true);
    if (node && typeof node === 'object' && 'range' in node) {
      if (keys && depth === issuePath.length && isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && keys.includes(String(p.key.value)));
        if (pair && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
      }
      best = (node as { range?: [number, number, number] }).range?.[0] ?? best;
      break;
    }
  }
  return best;
}
