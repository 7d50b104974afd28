import type { Kysely } from 'kysely';
import { z } from 'zod';
import { recordAdminEvent } from '../audit/events.ts';
import { formatPath } from '../config/errors.ts';
import type { DB, PinnedToolColumn } from '../db/schema.ts';
import type { Actor } from '../identity/actor.ts';
import { invalidInput, notFound } from '../shared/app-error.ts';
import type { PolicyChangeBus } from './changes.ts';
import { orgFor } from './store.ts';

/**
 * Tool access settings (docs/tool-access.md): how many tool definitions a person's MCP clients (and chats) are
 * given. Not permissions — the policy still decides every tool — but what is loaded up front:
 *
 * - a person's default mode (`auto`, `always`, `on_demand`) and overrides per MCP client connection;
 * - tools pinned as always loaded, by the person and by an organization's owners (audited like policy changes).
 *
 * Every change publishes a notice, so the person's clients list their tools again.
 */
export const TOOL_ACCESS_MODES = ['auto', 'always', 'on_demand'] as const;
export type ToolAccessMode = (typeof TOOL_ACCESS_MODES)[number];
export const CLIENT_KINDS = ['oauth', 'token'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export type PinnedTool = PinnedToolColumn;

/** One MCP client connection's mode: `oauth` + its OAuth client id, or `token` + a personal access token's id. */
export interface ClientMode {
  kind: ClientKind;
  id: string;
  mode: ToolAccessMode;
}

export interface PersonToolAccess {
  mode: ToolAccessMode;
  clients: ClientMode[];
  pinned: PinnedTool[];
  updatedAt: Date | null;
}

export interface OrgToolPins {
  pinned: PinnedTool[];
  updatedBy: string | null;
  updatedAt: Date | null;
}

/** What the gateway reads for one person in one organization. */
export interface ToolAccessSettings {
  mode: ToolAccessMode;
  clients: ClientMode[];
  pinned: PinnedTool[];
  orgPinned: PinnedTool[];
}

export const MAX_PINS = 50;
export const MAX_CLIENT_MODES = 100;

const pinnedToolSchema = z.strictObject({
  connector: z.string().min(1).max(64),
  tool: z.string().min(1).max(128),
});
const pinsSchema = z.array(pinnedToolSchema).max(MAX_PINS);
const clientModesSchema = z.array(z.strictObject({ kind: z.enum(CLIENT_KINDS), id: z.string().min(1).max(2000), mode: z.enum(TOOL_ACCESS_MODES) })).max(MAX_CLIENT_MODES);

type Db = Kysely<DB>;

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${formatPath(i.path) || what}: ${i.message}`);
  throw invalidInput(`The ${what} are not valid: ${issues.join('; ')}. Fix them and send them again.`);
}

/** Sorted and without repeats: equal settings compare equal, whatever order they were sent in. */
function normalizePins(pins: PinnedTool[]): PinnedTool[] {
  const seen = new Map(pins.map((p) => [`${p.connector}\n${p.tool}`, { connector: p.connector, tool: p.tool }]));
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p);
}

/**
 * Pins must name connectors the pinning side can see: a directory listing, or a custom connector of one of
 * `orgIds`. The tool itself is not checked: tool lists change, and a pin of a tool that is missing or blocked is
 * simply not loaded.
 */
async function checkConnectors(db: Db, pins: PinnedTool[], orgIds: string[]): Promise<void> {
  const slugs = [...new Set(pins.map((p) => p.connector))];
  if (slugs.length === 0) return;
  const rows = await db.selectFrom('connector_listings').select(['slug', 'owner_org_id']).where('slug', 'in', slugs).execute();
  const visible = new Set(rows.filter((r) => r.owner_org_id === null || orgIds.includes(r.owner_org_id)).map((r) => r.slug));
  const missing = slugs.filter((s) => !visible.has(s));
  if (missing.length > 0) throw notFound(`No connector has the slug${missing.length > 1 ? 's' : ''} ${missing.map((s) => `"${s}"`).join(', ')}. Pin tools by the connector's slug (as in GET /api/v1/connectors) and the tool's own name.`);
}

export async function getPersonToolAccess(db: Db, userId: string): Promise<PersonToolAccess> {
  const [row, clients] = await Promise.all([
    db.selectFrom('user_tool_access').selectAll().where('user_id', '=', userId).executeTakeFirst(),
    db.selectFrom('user_tool_access_clients').select(['client_kind', 'client_id', 'mode']).where('user_id', '=', userId).orderBy('client_kind').orderBy('client_id').execute(),
  ]);
  return {
    mode: row?.mode ?? 'auto',
    pinned: row?.pinned ?? [],
    clients: clients.map((c) => ({ kind: c.client_kind, id: c.client_id, mode: c.mode })),
    updatedAt: row?.updated_at ?? null,
  };
}

export interface PersonToolAccessInput {
  mode?: ToolAccessMode | undefined;
  /** Replaces every per-client mode. */
  clients?: ClientMode[] | undefined;
  /** Replaces the person's pinned tools. */
  pinned?: PinnedTool[] | undefined;
}

/**
 * Changes a person's own settings; what is left out stays as it is. `isOwnClient` says whether a client
 * reference is one of the person's (an OAuth client they authorized, a token of theirs): a mode for someone
 * else's client would be meaningless, and refusing it catches a mistyped id.
 */
export async function setPersonToolAccess(
  db: Db,
  userId: string,
  input: PersonToolAccessInput,
  options: { isOwnClient: (client: { kind: ClientKind; id: string }) => boolean | Promise<boolean>; bus?: PolicyChangeBus | undefined },
): Promise<{ changed: boolean; access: PersonToolAccess }> {
  const mode = input.mode === undefined ? undefined : parse(z.enum(TOOL_ACCESS_MODES), input.mode, 'mode');
  const pinned = input.pinned === undefined ? undefined : normalizePins(parse(pinsSchema, input.pinned, 'pinned tools'));
  const clients = input.clients === undefined ? undefined : parse(clientModesSchema, input.clients, 'client modes');
  if (pinned) await checkConnectors(db, pinned, (await db.selectFrom('memberships').select('org_id').where('user_id', '=', userId).execute()).map((r) => r.org_id));
  if (clients) {
    const seen = new Set<string>();
    for (const c of clients) {
      const key = `${c.kind}\n${c.id}`;
      if (seen.has(key)) throw invalidInput(`The client ${c.kind} "${c.id}" is listed twice; give each client one mode.`);
      seen.add(key);
      if (!(await options.isOwnClient(c))) {
        throw notFound(
          c.kind === 'oauth'
            ? `You have not authorized an MCP client with the id "${c.id}". List your clients with GET /api/v1/me/clients and use one of their ids.`
            : `You have no personal access token with the id "${c.id}". List your tokens with GET /api/v1/me/tokens and use one of their ids.`,
        );
      }
    }
  }
  const before = await getPersonToolAccess(db, userId);
  const next = { mode: mode ?? before.mode, pinned: pinned ?? before.pinned, clients: clients ?? before.clients };
  const sameClients = (a: ClientMode[], b: ClientMode[]) => JSON.stringify([...a].sort(byClient)) === JSON.stringify([...b].sort(byClient));
  const changed = next.mode !== before.mode || JSON.stringify(next.pinned) !== JSON.stringify(before.pinned) || !sameClients(next.clients, before.clients);
  if (changed) {
    await db.transaction().execute(async (trx) => {
      const values = { mode: next.mode, pinned: JSON.stringify(next.pinned), updated_at: new Date() };
      await trx.insertInto('user_tool_access').values({ user_id: userId, ...values }).onConflict((oc) => oc.column('user_id').doUpdateSet(values)).execute();
      if (clients) {
        await trx.deleteFrom('user_tool_access_clients').where('user_id', '=', userId).execute();
        if (clients.length > 0) await trx.insertInto('user_tool_access_clients').values(clients.map((c) => ({ user_id: userId, client_kind: c.kind, client_id: c.id, mode: c.mode }))).execute();
      }
    });
    // The person's clients list their tools again (their own change: every organization they act in).
    await options.bus?.publish({ kind: 'policy', orgId: null, connector: '', userId });
  }
  return { changed, access: await getPersonToolAccess(db, userId) };
}

const byClient = (a: ClientMode, b: ClientMode) => `${a.kind}\n${a.id}`.localeCompare(`${b.kind}\n${b.id}`);

async function orgPinsOf(db: Db, orgId: string): Promise<OrgToolPins> {
  const row = await db.selectFrom('org_tool_access').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  return { pinned: row?.pinned ?? [], updatedBy: row?.updated_by ?? null, updatedAt: row?.updated_at ?? null };
}

/** An organization's pinned tools (any member may read them). */
export async function getOrgToolPins(db: Db, actor: Actor, orgSlug: string): Promise<OrgToolPins> {
  const org = await orgFor(db, actor, orgSlug, 'read');
  return orgPinsOf(db, org.id);
}

/** Replaces an organization's pinned tools (owners); audited in the organization's log. */
export async function setOrgToolPins(db: Db, actor: Actor, orgSlug: string, input: PinnedTool[], bus?: PolicyChangeBus): Promise<{ changed: boolean; pins: OrgToolPins }> {
  const pinned = normalizePins(parse(pinsSchema, input, 'pinned tools'));
  const result = await db.transaction().execute(async (trx) => {
    const org = await orgFor(trx, actor, orgSlug, 'pin tools for');
    await checkConnectors(trx, pinned, [org.id]);
    const before = await orgPinsOf(trx, org.id);
    if (JSON.stringify(before.pinned) === JSON.stringify(pinned)) return { changed: false, orgId: org.id, pins: before };
    const updatedBy = actor.kind === 'user' ? actor.userId : null;
    const values = { pinned: JSON.stringify(pinned), updated_by: updatedBy, updated_at: new Date() };
    await trx.insertInto('org_tool_access').values({ org_id: org.id, ...values }).onConflict((oc) => oc.column('org_id').doUpdateSet(values)).execute();
    await recordAdminEvent(trx, org.id, { kind: 'policy', action: 'tool_pins_set', actor, subject: orgSlug, details: { before: before.pinned, pinned } });
    return { changed: true, orgId: org.id, pins: await orgPinsOf(trx, org.id) };
  });
  if (result.changed) await bus?.publish({ kind: 'policy', orgId: result.orgId, connector: '' });
  return { changed: result.changed, pins: result.pins };
}

/** The settings the gateway applies to one person in one organization (or in none). */
export async function toolAccessSettings(db: Db, userId: string, orgId: string | undefined): Promise<ToolAccessSettings> {
  const [person, org] = await Promise.all([getPersonToolAccess(db, userId), orgId ? orgPinsOf(db, orgId) : undefined]);
  return { mode: person.mode, clients: person.clients, pinned: person.pinned, orgPinned: org?.pinned ?? [] };
}
