import { z } from 'zod';
import { categoryRulesSchema, overridesSchema, toolRulesSchema } from '../policy/rules.ts';

export const PLANS = ['free', 'pro', 'team', 'enterprise'] as const;
export const ROLES = ['primary_owner', 'owner', 'member'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Slugs appear in URLs and in namespaced tool names, so they stay short and delimiter-free. */
export const slugSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    error: 'must be 1-40 lowercase letters, digits or single dashes, starting and ending with a letter or digit',
  })
  .refine((s) => !s.includes('--'), { error: 'must not contain "--"' });

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: 'must be an email address such as olivia@example.com' }));

export const passwordSchema = z
  .string()
  .min(8, { error: 'must be at least 8 characters' })
  .max(1024, { error: 'must be at most 1024 characters' });

/** Personal access tokens: `sbp_` then at least 8 URL-safe characters. */
export const tokenValueSchema = z
  .string()
  .regex(/^sbp_[A-Za-z0-9_-]{8,200}$/, { error: 'must start with "sbp_" followed by at least 8 letters, digits, "_" or "-"' });

const PORT_RANGE = 'must be a port between 1 and 65535 (or 0 for any free port)';
const portSchema = z.number().int().min(0, { error: PORT_RANGE }).max(65535, { error: PORT_RANGE });

const httpUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .transform((u) => u.replace(/\/+$/, ''));

export const databaseUrlSchema = z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' });
export const redisUrlSchema = z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' });

const ssoSchema = z.strictObject({
  issuer: httpUrlSchema,
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  /** Label on the sign-in button. */
  name: z.string().min(1).default('Single sign-on'),
  scopes: z.array(z.string().regex(/^[\x21-\x7e]+$/)).default(['openid', 'email', 'profile']),
  /** Create a Switchboard account on first SSO sign-in; otherwise only existing accounts may sign in. */
  autoCreateUsers: z.boolean().default(true),
  /** When set, only identities with an email on one of these domains may sign in. */
  allowedDomains: z.array(z.string().toLowerCase()).default([]),
  /** Users created by SSO join this organization with this role. */
  joinOrganization: z.strictObject({ slug: slugSchema, role: z.enum(['owner', 'member']).default('member') }).optional(),
});

const throttleSchema = z.strictObject({
  /** Failed logins for one account before it is locked. */
  maxFailures: z.number().int().min(1).max(100).default(5),
  /** First lockout; each further failure while locked doubles it up to maxLockoutSeconds. */
  lockoutSeconds: z.number().int().min(1).default(60),
  maxLockoutSeconds: z.number().int().min(1).default(900),
  /** Failed logins from one client address (any account) per window before that address is locked. */
  ipMaxFailures: z.number().int().min(1).default(50),
  windowSeconds: z.number().int().min(1).default(900),
});

export const EMBEDDING_PROVIDERS = ['openai', 'openai-compatible'] as const;

/**
 * The operator's embedding model for hybrid tool search (docs/tool-search.md). Provider and model are checked here
 * rather than as required keys, so a missing one says which variable or key to set.
 */
const embeddingSchema = z
  .strictObject({
    provider: z.enum(EMBEDDING_PROVIDERS).optional(),
    /** The model's name at the provider, e.g. text-embedding-3-small, nomic-embed-text. */
    model: z.string().trim().min(1, { error: 'must name the embedding model, e.g. text-embedding-3-small' }).optional(),
    /** The OpenAI-compatible API's base URL, with its /v1 (Ollama: http://127.0.0.1:11434/v1). */
    baseUrl: httpUrlSchema.optional(),
    apiKey: z.string().min(1, { error: 'must not be empty: give the embedding service\'s API key, or leave the key out for a service that needs none' }).optional(),
    /** Vector length to ask for (models such as text-embedding-3 can shorten theirs). */
    dimensions: z.number().int().min(1, { error: 'must be a whole number of dimensions from 1 to 16384' }).max(16_384, { error: 'must be a whole number of dimensions from 1 to 16384' }).optional(),
  })
  .superRefine((e, ctx) => {
    if (!e.provider) {
      ctx.addIssue({ code: 'custom', path: ['provider'], message: 'is required to use an embedding model: "openai" or "openai-compatible" (SWITCHBOARD_EMBEDDING_PROVIDER). For lexical search only, leave toolSearch.embedding and every SWITCHBOARD_EMBEDDING_* variable unset', input: e.provider });
    }
    if (!e.model) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'is required: the embedding model\'s name at the provider, e.g. text-embedding-3-small or nomic-embed-text (SWITCHBOARD_EMBEDDING_MODEL)', input: e.model });
    }
    if (e.provider === 'openai-compatible' && !e.baseUrl) {
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'is required for the "openai-compatible" provider: the API\'s base URL, e.g. http://127.0.0.1:11434/v1 for Ollama (SWITCHBOARD_EMBEDDING_BASE_URL)', input: e.baseUrl });
    }
    if (e.provider === 'openai' && e.apiKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'is required for the "openai" provider: set SWITCHBOARD_EMBEDDING_API_KEY (or toolSearch.embedding.apiKey in the file)', input: undefined });
    }
  })
  .transform((e) => e as typeof e & { provider: (typeof EMBEDDING_PROVIDERS)[number]; model: string });

export const CHAT_PROVIDERS = ['anthropic', 'openai', 'openai-compatible'] as const;

const CONTEXT_RANGE = 'must be a whole number of tokens from 1000 to 10000000, e.g. 200000';

/**
 * The operator's chat model (docs/chat.md): which provider, which model, where and with which key. Like the
 * embedding model, provider and model are checked here rather than as required keys, so a missing one says which
 * variable or key to set. The key is never repeated in an error.
 */
const chatModelSchema = z
  .strictObject({
    provider: z.enum(CHAT_PROVIDERS).optional(),
    /** The model's name at the provider, e.g. claude-sonnet-4-5, gpt-4.1, llama3.1. */
    model: z.string().trim().min(1, { error: 'must name the chat model, e.g. claude-sonnet-4-5' }).optional(),
    /** The API's base URL: required for openai-compatible (Ollama: http://127.0.0.1:11434/v1); optional for the others (a proxy). */
    baseUrl: httpUrlSchema.optional(),
    apiKey: z.string().min(1, { error: "must not be empty: give the model provider's API key, or leave the key out for a server that needs none" }).optional(),
    /** The model's context window in tokens: Auto loads every tool definition while they take at most 10% of it. */
    contextTokens: z.number().int({ error: CONTEXT_RANGE }).min(1_000, { error: CONTEXT_RANGE }).max(10_000_000, { error: CONTEXT_RANGE }).optional(),
  })
  .superRefine((m, ctx) => {
    if (!m.provider) {
      ctx.addIssue({ code: 'custom', path: ['provider'], message: 'is required to use a chat model: "anthropic", "openai" or "openai-compatible" (SWITCHBOARD_CHAT_PROVIDER). Without a chat model, leave chat.model and every SWITCHBOARD_CHAT_* variable unset', input: m.provider });
    }
    if (!m.model) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: "is required: the chat model's name at the provider, e.g. claude-sonnet-4-5, gpt-4.1 or llama3.1 (SWITCHBOARD_CHAT_MODEL)", input: m.model });
    }
    if (m.provider === 'openai-compatible' && !m.baseUrl) {
      ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'is required for the "openai-compatible" provider: the API\'s base URL, e.g. http://127.0.0.1:11434/v1 for Ollama or http://127.0.0.1:8000/v1 for vLLM (SWITCHBOARD_CHAT_BASE_URL)', input: m.baseUrl });
    }
    if ((m.provider === 'anthropic' || m.provider === 'openai') && m.apiKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['apiKey'], message: `is required for the "${m.provider}" provider: set SWITCHBOARD_CHAT_API_KEY (or chat.model.apiKey in the file)`, input: undefined });
    }
  })
  .transform((m) => m as typeof m & { provider: (typeof CHAT_PROVIDERS)[number]; model: string });

export const serverSettingsSchema = z.strictObject({
  server: z
    .strictObject({
      port: portSchema.default(3000),
      host: z.string().min(1).default('127.0.0.1'),
      publicUrl: httpUrlSchema.optional(),
      /** Seconds to let in-flight requests finish after SIGTERM. */
      shutdownGraceSeconds: z.number().int().min(0).max(600).default(25),
    })
    .prefault({}),
  dataDir: z.string().min(1).default('./.switchboard'),
  database: z.strictObject({ url: databaseUrlSchema.optional() }).prefault({}),
  redis: z.strictObject({ url: redisUrlSchema.optional() }).prefault({}),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).prefault({}),
  /** The bundled demo services (tracker, chat, drive), started beside Switchboard and listed in the directory. */
  demo: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  gateway: z
    .strictObject({
      /** `passthrough` serves connectors' names unprefixed: the conformance test profile only (one connector). */
      naming: z.enum(['namespaced', 'passthrough']).default('namespaced'),
      /** Host names /mcp answers besides PUBLIC_URL's and localhost's (DNS-rebinding guard), e.g. an internal name a proxy uses. */
      allowedHosts: z.array(z.string().min(1)).default([]),
      /** A 2025-11-25 session idle this long is closed (its client starts a new one). */
      sessionIdleMinutes: z.number().min(1).max(24 * 60).default(30),
      /** Tool calls without a per-connector limit end after this many seconds. */
      callTimeoutSeconds: z.number().min(1).max(3600).default(300),
      /**
       * The model context size assumed for MCP clients (their model is unknown): Auto loads every tool definition
       * while they take at most 10% of it (docs/tool-access.md).
       */
      mcpContextTokens: z.number().int().min(1_000).max(10_000_000).default(200_000),
    })
    .prefault({}),
  /**
   * Requests per minute, per person (every authenticated /mcp and /api/v1 request) and per organization (its members'
   * /mcp requests together); 0 turns a limit off. Shared by every node through Redis when it is configured.
   */
  rateLimits: z
    .strictObject({
      personPerMinute: z.number().int().min(0).max(10_000_000).default(1200),
      organizationPerMinute: z.number().int().min(0).max(100_000_000).default(12_000),
    })
    .prefault({}),
  /** Tool search (docs/tool-search.md): hybrid with an embedding model when one is configured, lexical otherwise. */
  toolSearch: z.strictObject({ embedding: embeddingSchema.optional() }).prefault({}),
  /** The web chat (docs/chat.md): the model it answers with. Without one the chat says how to configure it; everything else works. */
  chat: z.strictObject({ model: chatModelSchema.optional() }).prefault({}),
  /**
   * The origin interactive connectors (MCP Apps) run on, apart from the web app's (docs/web.md#the-mcp-apps-host).
   * `port` defaults to the server's port + 1 (0 with PORT=0: any free port); `publicUrl` is how browsers reach it,
   * when that differs from the server's public URL with the sandbox's port (behind a proxy, or its own host name).
   */
  sandbox: z
    .strictObject({
      enabled: z.boolean().default(true),
      port: portSchema.optional(),
      publicUrl: httpUrlSchema.optional(),
    })
    .prefault({}),
  auth: z
    .strictObject({
      sessionIdleHours: z.number().min(0.1).max(24 * 90).default(24 * 7),
      sessionMaxHours: z.number().min(0.1).max(24 * 365).default(24 * 30),
      loginThrottle: throttleSchema.prefault({}),
      sso: ssoSchema.optional(),
    })
    .prefault({}),
});

export const memberSchema = z.strictObject({
  email: emailSchema,
  name: z.string().min(1).max(200).optional(),
  role: z.enum(ROLES).default('member'),
  password: passwordSchema.optional(),
  tokens: z.array(tokenValueSchema).default([]),
});

export const organizationSchema = z.strictObject({
  slug: slugSchema,
  name: z.string().min(1).max(200),
  plan: z.enum(PLANS).default('free'),
  /** Slug of the parent organization (an enterprise grouping its child organizations). */
  parent: slugSchema.optional(),
  members: z.array(memberSchema).default([]),
});

export const connectorSchema = z.strictObject({
  slug: slugSchema,
  name: z.string().min(1).max(200),
  url: httpUrlSchema,
  auth: z.enum(['none', 'oauth', 'headers']).default('none'),
  enabledFor: z.array(slugSchema).default([]),
  /** Tool calls to this connector end after this many seconds (default: gateway.callTimeoutSeconds). */
  callTimeoutSeconds: z.number().int().min(1).max(3600).optional(),
});

/**
 * An organization's rules for one connector (src/policy, docs/policy.md). Each declared key is set to
 * the file's value at every start; keys the file does not declare keep what owners set through the API.
 */
export const policyEntrySchema = z.strictObject({
  org: slugSchema,
  connector: slugSchema,
  /** `read` / `write` / `other` → `allow` / `ask` / `block`. */
  categories: categoryRulesSchema.default({}),
  /** Tool name (the connector's own) → `allow` / `ask` / `block`. */
  tools: toolRulesSchema.default({}),
  /** Tool name → the category it counts in, whatever its annotations say. */
  overrides: overridesSchema.default({}),
});

export const cidrSchema = z.union([z.cidrv4(), z.cidrv6()], { error: 'must be an address range such as 10.0.0.0/8 or fd00::/8' });

export const egressSchema = z.strictObject({ allow: z.array(cidrSchema).default([]) });

export const bootstrapSchema = z
  .strictObject({
    organizations: z.array(organizationSchema).default([]),
    connectors: z.array(connectorSchema).default([]),
    policies: z.array(policyEntrySchema).default([]),
    egress: egressSchema.prefault({}),
  })
  .superRefine((doc, ctx) => {
    const orgSlugs = new Map<string, number>();
    doc.organizations.forEach((org, i) => {
      if (orgSlugs.has(org.slug)) {
        ctx.addIssue({ code: 'custom', path: ['organizations', i, 'slug'], message: `organization "${org.slug}" is declared twice (first at organizations[${orgSlugs.get(org.slug)}])`, input: org.slug });
      } else orgSlugs.set(org.slug, i);
      if (org.parent === org.slug) {
        ctx.addIssue({ code: 'custom', path: ['organizations', i, 'parent'], message: 'an organization cannot be its own parent', input: org.parent });
      }
      const emails = new Set<string>();
      let primaries = 0;
      org.members.forEach((m, j) => {
        if (emails.has(m.email)) ctx.addIssue({ code: 'custom', path: ['organizations', i, 'members', j, 'email'], message: `${m.email} is listed twice in this organization`, input: m.email });
        emails.add(m.email);
        if (m.role === 'primary_owner' && ++primaries > 1) {
          ctx.addIssue({ code: 'custom', path: ['organizations', i, 'members', j, 'role'], message: 'an organization has at most one primary_owner', input: m.role });
        }
      });
    });
    const tokens = new Map<string, string>();
    doc.organizations.forEach((org, i) =>
      org.members.forEach((m, j) =>
        m.tokens.forEach((t, k) => {
          const owner = tokens.get(t);
          if (owner !== undefined && owner !== m.email) {
            ctx.addIssue({ code: 'custom', path: ['organizations', i, 'members', j, 'tokens', k], message: `this token is already declared for ${owner}; each token belongs to one person`, input: '[token]' });
          }
          tokens.set(t, m.email);
        }),
      ),
    );
    const connectorSlugs = new Set<string>();
    doc.connectors.forEach((c, i) => {
      if (connectorSlugs.has(c.slug)) ctx.addIssue({ code: 'custom', path: ['connectors', i, 'slug'], message: `connector "${c.slug}" is declared twice`, input: c.slug });
      connectorSlugs.add(c.slug);
    });
    const policyKeys = new Map<string, number>();
    doc.policies.forEach((p, i) => {
      const key = `${p.org}/${p.connector}`;
      if (policyKeys.has(key)) {
        ctx.addIssue({ code: 'custom', path: ['policies', i, 'connector'], message: `the rules for connector "${p.connector}" in organization "${p.org}" are declared twice (first at policies[${policyKeys.get(key)}]); merge the two entries`, input: p.connector });
      } else policyKeys.set(key, i);
    });
  });

/** The whole YAML file: server settings and the declarative bootstrap side by side. */
export const configFileSchema = z.strictObject({
  ...serverSettingsSchema.shape,
  organizations: z.unknown().optional(),
  connectors: z.unknown().optional(),
  policies: z.unknown().optional(),
  egress: z.unknown().optional(),
});

export type ServerSettings = z.infer<typeof serverSettingsSchema>;
export type BootstrapDocument = z.infer<typeof bootstrapSchema>;
export type Plan = (typeof PLANS)[number];
export type Role = (typeof ROLES)[number];
export type SsoSettings = z.infer<typeof ssoSchema>;
export type ThrottleSettings = z.infer<typeof throttleSchema>;
export type EmbeddingConfig = z.infer<typeof embeddingSchema>;
export type ChatModelConfig = z.infer<typeof chatModelSchema>;
