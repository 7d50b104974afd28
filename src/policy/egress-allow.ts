import type { Kysely } from 'kysely';
import { z } from 'zod';
import { recordAdminEvent } from '../audit/events.ts';
import { cidrSchema } from '../config/schema.ts';
import type { DB } from '../db/schema.ts';
import type { Actor } from '../identity/actor.ts';
import { invalidInput } from '../shared/app-error.ts';
import { EgressGuard } from '../upstream/egress.ts';
import type { PolicyChangeBus } from './changes.ts';
import { orgFor } from './store.ts';

/**
 * An organization's own egress allow-list: address ranges its owners open for the organization's custom connectors
 * (an internal MCP server on 10.20.0.0/16, say). Directory listings stay under the operator's list alone, and no
 * other organization's connectors gain anything (docs/networking.md).
 */
const MAX_RANGES = 50;

export async function getEgressAllow(db: Kysely<DB>, actor: Actor, orgSlug: string): Promise<string[]> {
  const org = await orgFor(db, actor, orgSlug, 'read');
  return (await db.selectFrom('organizations').select('egress_allow').where('id', '=', org.id).executeTakeFirstOrThrow()).egress_allow;
}

export async function setEgressAllow(db: Kysely<DB>, actor: Actor, orgSlug: string, ranges: string[], bus?: PolicyChangeBus): Promise<{ changed: boolean; allow: string[] }> {
  const parsed = z.array(cidrSchema).max(MAX_RANGES).safeParse(ranges);
  if (!parsed.success) throw invalidInput(`The egress allow-list is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'allow'}: ${i.message}`).join('; ')}. Give address ranges such as 10.20.0.0/16 (at most ${MAX_RANGES}).`);
  const allow = [...new Set(parsed.data)].sort();
  try {
    // The guard's own reading of the ranges (host bits, prefix lengths): a list it would refuse is refused here.
    new EgressGuard({ allow });
  } catch (err) {
    throw invalidInput(`The egress allow-list is not valid: ${(err as Error).message}`);
  }
  const { changed, orgId } = await db.transaction().execute(async (trx) => {
    const org = await orgFor(trx, actor, orgSlug, 'change the egress allow-list of');
    const before = (await trx.selectFrom('organizations').select('egress_allow').where('id', '=', org.id).executeTakeFirstOrThrow()).egress_allow;
    if (JSON.stringify(before) === JSON.stringify(allow)) return { changed: false, orgId: org.id };
    await trx.updateTable('organizations').set({ egress_allow: JSON.stringify(allow), updated_at: new Date() }).where('id', '=', org.id).execute();
    await recordAdminEvent(trx, org.id, { kind: 'policy', action: 'egress_allow_set', actor, subject: orgSlug, details: { before, allow } });
    return { changed: true, orgId: org.id };
  });
  if (changed && bus) await bus.publish({ kind: 'policy', orgId, connector: '' });
  return { changed, allow };
}

/** The ranges of the organization that owns a custom connector (none for anything else). */
export async function egressAllowOf(db: Kysely<DB>, orgId: string): Promise<string[]> {
  return (await db.selectFrom('organizations').select('egress_allow').where('id', '=', orgId).executeTakeFirst())?.egress_allow ?? [];
}
