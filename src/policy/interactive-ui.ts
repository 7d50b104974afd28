import type { Kysely, Transaction } from 'kysely';
import { recordAdminEvent } from '../audit/events.ts';
import type { DB } from '../db/schema.ts';
import { getListing } from '../directory/store.ts';
import type { Actor } from '../identity/actor.ts';
import type { PolicyChangeBus } from './changes.ts';
import { orgFor } from './store.ts';

type Db = Kysely<DB> | Transaction<DB>;

/**
 * Owners may switch off a connector's interactive UI (MCP Apps) without switching off the connector: its tools
 * keep answering with text, while its `ui://` resources are withheld and tools no longer point at them. The
 * choice outlives removing and re-adding the connector, like its rules.
 */
export interface InteractiveUiSetting {
  connector: string;
  enabled: boolean;
  /** Null when never changed, or changed by the operator. */
  updatedBy: string | null;
  updatedAt: Date | null;
}

export async function getInteractiveUi(db: Kysely<DB>, actor: Actor, orgSlug: string, connectorSlug: string): Promise<InteractiveUiSetting> {
  const org = await orgFor(db, actor, orgSlug, 'read');
  await getListing(db, connectorSlug);
  return settingOf(db, org.id, connectorSlug);
}

export async function setInteractiveUi(db: Kysely<DB>, actor: Actor, orgSlug: string, connectorSlug: string, enabled: boolean, bus?: PolicyChangeBus): Promise<{ changed: boolean; setting: InteractiveUiSetting }> {
  const { changed, orgId, setting } = await db.transaction().execute(async (trx) => {
    const org = await orgFor(trx, actor, orgSlug, 'change the interactive UI of connectors in');
    await getListing(trx, connectorSlug);
    const before = await settingOf(trx, org.id, connectorSlug);
    if (before.enabled === enabled) return { changed: false, orgId: org.id, setting: before };
    const updatedBy = actor.kind === 'user' ? actor.userId : null;
    await trx
      .insertInto('org_connector_settings')
      .values({ org_id: org.id, connector_slug: connectorSlug, ui_enabled: enabled, updated_by: updatedBy })
      .onConflict((oc) => oc.columns(['org_id', 'connector_slug']).doUpdateSet({ ui_enabled: enabled, updated_by: updatedBy, updated_at: new Date() }))
      .execute();
    await recordAdminEvent(trx, org.id, { kind: 'policy', action: 'interactive_ui_set', actor, connector: connectorSlug, subject: connectorSlug, details: { enabled } });
    return { changed: true, orgId: org.id, setting: await settingOf(trx, org.id, connectorSlug) };
  });
  // Clients list tools and resources again: the UI pointers and resources come or go.
  if (changed && bus) await bus.publish({ kind: 'policy', orgId, connector: connectorSlug });
  return { changed, setting };
}

/** The connectors of an organization whose UI is switched off (for the gateway, on every policy load). */
export async function uiDisabledConnectors(db: Db, orgId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('org_connector_settings').select('connector_slug').where('org_id', '=', orgId).where('ui_enabled', '=', false).execute();
  return new Set(rows.map((r) => r.connector_slug));
}

async function settingOf(db: Db, orgId: string, connectorSlug: string): Promise<InteractiveUiSetting> {
  const row = await db.selectFrom('org_connector_settings').selectAll().where('org_id', '=', orgId).where('connector_slug', '=', connectorSlug).executeTakeFirst();
  return { connector: connectorSlug, enabled: row?.ui_enabled ?? true, updatedBy: row?.updated_by ?? null, updatedAt: row?.updated_at ?? null };
}
