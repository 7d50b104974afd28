import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { SearchableServer, SearchableTool } from './types.ts';

/**
 * The normalized tool-catalogue format of the evaluation datasets (servers with their tools, and
 * optionally labelled queries), read for `switchboard search-tools` / `suggest` and bench/search.ts.
 */
const toolSchema = z.object({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.unknown().optional(),
});
const serverSchema = z.object({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  category: z.string().optional(),
  tools: z.array(toolSchema),
});
const expectedSchema = z.object({
  server: z.string(),
  tool: z.string(),
  alternatives: z.array(z.object({ server: z.string(), tool: z.string() })).optional(),
});
const querySchema = z.object({
  id: z.string(),
  query: z.string(),
  category: z.string().optional(),
  expected: z.array(expectedSchema),
});
export const catalogFileSchema = z.object({
  meta: z.record(z.string(), z.unknown()).optional(),
  servers: z.array(serverSchema),
  queries: z.array(querySchema).optional(),
});

export type CatalogFile = z.infer<typeof catalogFileSchema>;
export type LabelledQuery = z.infer<typeof querySchema>;

export class CatalogFileError extends Error {}

export async function readCatalogFile(file: string): Promise<CatalogFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CatalogFileError(`Could not read the catalogue ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Check the path.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CatalogFileError(`The catalogue ${file} is not valid JSON (${(err as Error).message}).`);
  }
  const parsed = catalogFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CatalogFileError(`The catalogue ${file} is not in the expected format at ${issue.path.join('.') || 'the top level'}: ${issue.message}. It needs {"servers":[{"name","description","tools":[{"name","description","inputSchema"}]}]}.`);
  }
  return parsed.data;
}

/** A catalogue's servers as the index takes them; a tool's key is `server/tool`. */
export function catalogEntries(catalog: CatalogFile): Array<{ server: SearchableServer; tools: SearchableTool[] }> {
  return catalog.servers.map((s) => ({
    server: { name: s.name, title: s.title, description: s.description },
    tools: s.tools.map((t) => ({ key: `${s.name}/${t.name}`, name: t.name, title: t.title, description: t.description, inputSchema: t.inputSchema })),
  }));
}
