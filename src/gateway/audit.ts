import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Logger } from '../observability/logger.ts';

export interface AuditEvent {
  userId: string;
  orgId: string | undefined;
  connector: string;
  tool: string;
  decision: 'allow' | 'ask' | 'block';
  outcome: 'ok' | 'error' | 'refused';
  latencyMs: number;
  surface: 'mcp' | 'chat' | 'api';
  requestId: string | undefined;
  detail?: string | undefined;
}

/** Records every tool call; a failure to record is logged, never turned into a failed call. */
export class AuditLog {
  readonly #db: Kysely<DB>;
  readonly #log: Logger;
  constructor(db: Kysely<DB>, log: Logger) {
    this.#db = db;
    this.#log = log;
  }

  async record(event: AuditEvent): Promise<void> {
    this.#log.info({ audit: { ...event } }, 'tool call');
    await this.#db
      .insertInto('audit_events')
      .values({
        user_id: event.userId,
        org_id: event.orgId ?? null,
        connector_slug: event.connector,
        tool: event.tool,
        decision: event.decision,
        outcome: event.outcome,
        latency_ms: Math.round(event.latencyMs),
        surface: event.surface,
        request_id: event.requestId ?? null,
        detail: event.detail?.slice(0, 1000) ?? null,
      })
      .execute()
      .catch((err: unknown) => this.#log.error({ err }, 'audit event could not be stored'));
  }
}
