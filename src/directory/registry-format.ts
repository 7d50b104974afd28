import { z } from 'zod';
import { describeIssue, formatPath } from '../config/errors.ts';

/**
 * The MCP Registry `server.json` (ServerDetail), schema 2025-12-11, as far as remote listings need it.
 * Objects are not strict: newer fields are ignored rather than refused. `packages` (servers to run
 * locally) are accepted but not read: the directory lists remote servers only.
 */

const URL_ERROR = 'must be a URL';
/** A remote URL may contain `{variable}` placeholders filled per tenant, so check it with them replaced. */
const urlTemplateSchema = z
  .string({ error: URL_ERROR })
  .max(2000)
  .refine(
    (u) => {
      try {
        return ['http:', 'https:'].includes(new URL(u.replace(/\{[^{}]*\}/g, 'placeholder')).protocol);
      } catch {
        return false;
      }
    },
    { error: URL_ERROR },
  );

const plainUrlSchema = z.string({ error: URL_ERROR }).refine((u) => URL.canParse(u), { error: URL_ERROR });

export const keyValueInputSchema = z.object({
  name: z.string().min(1).max(200),
  description: z.string().optional(),
  isRequired: z.boolean().optional(),
  isSecret: z.boolean().optional(),
  default: z.string().optional(),
  choices: z.array(z.string()).optional(),
  value: z.string().optional(),
});

export const remoteSchema = z.object({
  type: z.enum(['streamable-http', 'sse']),
  url: urlTemplateSchema,
  headers: z.array(keyValueInputSchema).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
});

const iconSchema = z.object({
  src: z.string(),
  mimeType: z.string().optional(),
  sizes: z.array(z.string()).optional(),
  theme: z.string().optional(),
});

export const serverJsonSchema = z.object({
  $schema: z.string().optional(),
  name: z
    .string()
    .min(3)
    .max(200)
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/, { error: 'must be "namespace/name" in reverse-DNS form, e.g. "io.github.owner/server"' }),
  description: z.string().min(1).max(100),
  version: z
    .string()
    .min(1)
    .max(255)
    .refine((v) => v !== 'latest' && !/[\^~<>=*]|\|\|/.test(v), { error: 'must be an exact version such as "1.0.2", not "latest" or a range' }),
  title: z.string().min(1).max(100).optional(),
  websiteUrl: plainUrlSchema.optional(),
  repository: z.object({ url: plainUrlSchema, source: z.string(), id: z.string().optional(), subfolder: z.string().optional() }).optional(),
  icons: z.array(iconSchema).optional(),
  packages: z.array(z.unknown()).optional(),
  remotes: z.array(remoteSchema).optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
});

export type ServerJson = z.infer<typeof serverJsonSchema>;
export type ServerRemote = z.infer<typeof remoteSchema>;

const OFFICIAL_META = 'io.modelcontextprotocol.registry/official';

/** One entry of `GET /v0.1/servers`: the server plus what the registry says about it. */
export const registryEntrySchema = z.object({
  server: z.unknown(),
  _meta: z
    .object({
      [OFFICIAL_META]: z.object({ status: z.string().optional(), isLatest: z.boolean().optional() }).optional(),
    })
    .optional(),
});

export const registryPageSchema = z.object({
  servers: z.array(z.unknown()),
  metadata: z.object({ nextCursor: z.string().nullish(), count: z.number().optional() }).optional(),
});

export type RegistryEntry = z.infer<typeof registryEntrySchema>;
export const officialMeta = (entry: RegistryEntry) => entry._meta?.[OFFICIAL_META];

/** Every problem as `path: what is wrong`, e.g. `remotes[0].url: must be a URL`; `prefix` locates `parsed` in a larger answer. */
export function describeProblems(error: z.ZodError, parsed: unknown, prefix: ReadonlyArray<PropertyKey> = []): string[] {
  return error.issues.map((issue) => `${formatPath([...prefix, ...issue.path])}: ${describeIssue(issue, parsed)}`);
}

/**
 * The same, without quoting any value: for answers fetched from a URL a person supplied, so that an error
 * cannot be used to read what some other address returns.
 */
export function describeProblemsUnquoted(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): string[] {
  return error.issues.map((issue) => `${formatPath([...prefix, ...issue.path])}: ${issue.message}`);
}
