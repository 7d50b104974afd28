import { useState } from 'react';
import { api, ApiError } from '../../api/client.ts';
import { adminApi, type AuditEvent, type AuditFilters, type AuditKind, type Member } from '../../api/admin.ts';
import { setSearchParams, useSearchParams } from '../../router.tsx';
import { Button } from '../Button.tsx';
import { ErrorNotice } from '../ErrorNotice.tsx';
import { DownloadIcon } from '../settings/icons.tsx';
import { TextField } from '../TextField.tsx';
import { DecisionBadge, formatDateTime, Loaded, Panel, SelectField, useLoad } from '../settings/common.tsx';
import { personName } from './MembersSection.tsx';
import type { AdminSectionProps } from './types.ts';

const KINDS: Array<{ value: '' | AuditKind; label: string }> = [
  { value: '', label: 'Everything' },
  { value: 'tool_call', label: 'Tool calls' },
  { value: 'enablement', label: 'Connectors on and off' },
  { value: 'policy', label: 'Rules and settings' },
  { value: 'connection', label: 'Connections' },
  { value: 'membership', label: 'Members and roles' },
];

/** Every admin action the log records, by kind (src/audit/events.ts), as a person names it. */
const ACTIONS: Array<{ value: string; label: string; kind: AuditKind }> = [
  { value: 'enabled', label: 'Connector turned on or added', kind: 'enablement' },
  { value: 'disabled', label: 'Connector turned off or deleted', kind: 'enablement' },
  { value: 'org_rules_set', label: 'Organization rules changed', kind: 'policy' },
  { value: 'person_rules_set', label: 'Personal rules changed', kind: 'policy' },
  { value: 'interactive_ui_set', label: 'Interactive views switched', kind: 'policy' },
  { value: 'tool_pins_set', label: 'Pinned tools changed', kind: 'policy' },
  { value: 'egress_allow_set', label: 'Egress allow-list changed', kind: 'policy' },
  { value: 'domain_added', label: 'Domain added', kind: 'policy' },
  { value: 'domain_verified', label: 'Domain verified', kind: 'policy' },
  { value: 'domain_removed', label: 'Domain removed', kind: 'policy' },
  { value: 'enterprise_restriction_set', label: 'Enterprise restriction switched', kind: 'policy' },
  { value: 'connected', label: 'Connected', kind: 'connection' },
  { value: 'disconnected', label: 'Disconnected', kind: 'connection' },
  { value: 'expired', label: 'Connection expired', kind: 'connection' },
  { value: 'member_added', label: 'Member added', kind: 'membership' },
  { value: 'role_changed', label: 'Role changed', kind: 'membership' },
  { value: 'member_removed', label: 'Member removed', kind: 'membership' },
  { value: 'primary_owner_transferred', label: 'Primary ownership transferred', kind: 'membership' },
];

const FILTER_KEYS = ['kind', 'action', 'user', 'connector', 'from', 'to'] as const;

/** A date field's day (local) as the instant the API filters on; `to` is the end of that day. */
function dayToIso(day: string | null, end: boolean): string | undefined {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T00:00:00`);
  if (end) date.setDate(date.getDate() + 1);
  return date.toISOString();
}

/** The audit log: who changed what and every tool call, filtered (the filters live in the address), page by page. */
export function AuditSection({ org }: AdminSectionProps) {
  const params = useSearchParams();
  const value = (key: (typeof FILTER_KEYS)[number]) => params.get(key) ?? '';
  const filters: AuditFilters = {
    kind: (value('kind') || undefined) as AuditKind | undefined,
    action: value('action') || undefined,
    user: value('user') || undefined,
    connector: value('connector') || undefined,
    from: dayToIso(params.get('from'), false),
    to: dayToIso(params.get('to'), true),
  };
  const key = `${org.slug}?${FILTER_KEYS.map((k) => `${k}=${value(k)}`).join('&')}`;
  const context = useLoad(async (signal) => {
    const [{ members }, { connectors }] = await Promise.all([adminApi.members(org.slug, signal), api.connectors({ limit: 500 }, signal)]);
    return { members, names: new Map(connectors.map((c) => [c.slug, c.name])) };
  }, org.slug);
  const { data, reload, set } = useLoad((signal) => adminApi.audit(org.slug, filters, undefined, signal), key);
  const [more, setMore] = useState<{ busy: boolean; error?: ApiError }>({ busy: false });
  const actions = ACTIONS.filter((a) => !filters.kind || a.kind === filters.kind);
  const filtering = FILTER_KEYS.some((k) => value(k));

  const loadMore = async () => {
    if (data.state !== 'ready' || !data.value.nextCursor) return;
    setMore({ busy: true });
    try {
      const page = await adminApi.audit(org.slug, filters, data.value.nextCursor);
      set({ events: [...data.value.events, ...page.events], nextCursor: page.nextCursor });
      setMore({ busy: false });
    } catch (err) {
      setMore({ busy: false, error: err as ApiError });
    }
  };

  const members = context.data.state === 'ready' ? context.data.value.members : [];
  const names = context.data.state === 'ready' ? context.data.value.names : new Map<string, string>();

  return (
    <Panel
      title="Audit log"
      lead={`Every change to ${org.name}'s members, connectors and rules, and every tool call, newest first. Nobody can change it afterwards.`}
      actions={
        <a className="btn btn-secondary" href={adminApi.auditExportUrl(org.slug, filters)} download={`${org.slug}-audit.jsonl`}>
          <DownloadIcon /> Export JSON lines
        </a>
      }
    >
      <form className="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Kind" value={value('kind')} options={KINDS} onChange={(kind) => setSearchParams({ kind: kind || undefined, action: kind && ACTIONS.find((a) => a.value === value('action'))?.kind !== kind ? undefined : value('action') || undefined })} />
        <SelectField label="Action" value={value('action')} options={[{ value: '', label: 'Any action' }, ...actions.map((a) => ({ value: a.value, label: a.label }))]} onChange={(action) => setSearchParams({ action: action || undefined })} />
        <SelectField label="Person" value={value('user')} options={[{ value: '', label: 'Anyone' }, ...members.map((m) => ({ value: m.userId, label: personName(m) }))]} onChange={(user) => setSearchParams({ user: user || undefined })} />
        <SelectField label="Connector" value={value('connector')} options={[{ value: '', label: 'Any connector' }, ...[...names].sort((a, b) => a[1].localeCompare(b[1])).map(([slug, name]) => ({ value: slug, label: name }))]} onChange={(connector) => setSearchParams({ connector: connector || undefined })} />
        <TextField label="From" type="date" value={value('from')} onChange={(e) => setSearchParams({ from: e.target.value || undefined })} />
        <TextField label="Until" type="date" value={value('to')} onChange={(e) => setSearchParams({ to: e.target.value || undefined })} />
        {filtering ? (
          <Button variant="ghost" onClick={() => setSearchParams(Object.fromEntries(FILTER_KEYS.map((k) => [k, undefined])))}>
            Clear filters
          </Button>
        ) : null}
      </form>
      <Loaded data={data} what="the audit log" retry={() => void reload()}>
        {({ events, nextCursor }) =>
          events.length === 0 ? (
            <p className="muted">{filtering ? 'No event matches these filters.' : 'Nothing has happened yet.'}</p>
          ) : (
            <>
              <div className="table-wrap" tabIndex={0} role="region" aria-label="Audit events">
                <table className="audit-table">
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Who</th>
                      <th scope="col">What</th>
                      <th scope="col">Reference</th>
                    </tr>
                  </thead>
                  <tbody>
                    {events.map((e) => (
                      <tr key={e.id}>
                        <td className="nowrap">
                          <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                        </td>
                        <td className="nowrap">{who(e, members)}</td>
                        <td>
                          <EventText event={e} members={members} names={names} />
                        </td>
                        <td>{e.requestId ? <code className="small">{e.requestId}</code> : <span className="muted">—</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {nextCursor ? (
                <div className="form-actions">
                  <Button busy={more.busy} onClick={() => void loadMore()}>
                    Load older events
                  </Button>
                </div>
              ) : null}
              {more.error ? <ErrorNotice error={more.error} title="Older events could not be loaded" /> : null}
            </>
          )
        }
      </Loaded>
    </Panel>
  );
}

function who(e: AuditEvent, members: Member[]): string {
  const actor = e.actor ?? e.userId;
  if (actor === 'operator') return 'The operator';
  if (actor === 'system') return 'Switchboard';
  if (!actor) return '—';
  const member = members.find((m) => m.userId === actor);
  return member ? personName(member) : 'A former member';
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v));
const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const ROLE: Record<string, string> = { member: 'member', owner: 'owner', primary_owner: 'primary owner' };

function rulesText(rules: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [category, decision] of Object.entries(rec(rules.categories))) parts.push(`${category}: ${str(decision)}`);
  for (const [tool, decision] of Object.entries(rec(rules.tools))) parts.push(`${tool}: ${str(decision)}`);
  for (const [tool, category] of Object.entries(rec(rules.overrides))) parts.push(`${tool} counts as ${str(category)}`);
  return parts.length ? parts.join(', ') : 'no rule';
}

function EventText({ event: e, members, names }: { event: AuditEvent; members: Member[]; names: Map<string, string> }) {
  const d = rec(e.details);
  const connector = e.connector ? (names.get(e.connector) ?? e.connector) : '';
  const member = (id: string | null) => {
    const m = members.find((x) => x.userId === id);
    return m ? personName(m) : str(d.email) || 'a former member';
  };
  let text: string;
  switch (e.action) {
    case 'enabled':
      text = d.custom ? `Added the custom connector ${str(d.name) || connector} (${str(d.url)})` : `Turned on ${connector}`;
      break;
    case 'disabled':
      text = d.removed ? `Deleted the custom connector ${str(d.name) || connector}` : `Turned off ${connector}`;
      break;
    case 'org_rules_set':
      text = `Set ${connector}'s rules: ${rulesText(rec(d.rules))}`;
      break;
    case 'person_rules_set':
      text = `Set their own rules for ${connector}: ${rulesText(rec(d.rules))}${rec(d.rules).disabled ? ', switched off' : ''}`;
      break;
    case 'interactive_ui_set':
      text = `Switched ${connector}'s interactive views ${d.enabled ? 'on' : 'off'}`;
      break;
    case 'tool_pins_set':
      text = `Set the pinned tools: ${(Array.isArray(d.pinned) ? d.pinned : []).map((p) => `${str(rec(p).connector)}: ${str(rec(p).tool)}`).join(', ') || 'none'}`;
      break;
    case 'egress_allow_set':
      text = `Set the egress allow-list: ${(Array.isArray(d.allow) ? d.allow : []).map(str).join(', ') || 'empty'} (was ${(Array.isArray(d.before) ? d.before : []).map(str).join(', ') || 'empty'})`;
      break;
    case 'domain_added':
      text = `Added the domain ${e.subject}`;
      break;
    case 'domain_verified':
      text = `Verified the domain ${e.subject}${d.method === 'manual' ? ' by hand' : ' by DNS'}`;
      break;
    case 'domain_removed':
      text = `Removed the domain ${e.subject}`;
      break;
    case 'enterprise_restriction_set':
      text = `Turned the enterprise restriction ${d.restrictVerifiedDomains ? 'on' : 'off'}`;
      break;
    case 'connected':
      text = `Connected ${connector}`;
      break;
    case 'disconnected':
      text = `Disconnected ${connector}${d.revocation === 'revoked' ? ' (revoked at the service)' : ''}`;
      break;
    case 'expired':
      text = `${connector}'s connection expired${d.reason ? `: ${str(d.reason)}` : ''}`;
      break;
    case 'member_added':
      text = `Added ${member(e.subject)} as ${ROLE[str(d.role)] ?? str(d.role)}`;
      break;
    case 'role_changed':
      text = `Changed ${member(e.subject)}'s role from ${ROLE[str(d.from)] ?? str(d.from)} to ${ROLE[str(d.to)] ?? str(d.to)}`;
      break;
    case 'member_removed':
      text = d.left ? `Left the organization` : `Removed ${member(e.subject)}`;
      break;
    case 'primary_owner_transferred':
      text = `Made ${member(e.subject)} the primary owner`;
      break;
    default:
      if (e.kind === 'tool_call') {
        return (
          <span className="event-call">
            <span>
              Called <code>{e.tool}</code> in {connector || 'a connector'}
              {e.surface ? ` (${e.surface})` : ''}:{' '}
            </span>
            {e.decision ? <DecisionBadge decision={e.decision} /> : null} <span className={e.outcome === 'ok' ? 'status-ok' : 'status-danger'}>{e.outcome === 'ok' ? 'ok' : e.outcome === 'refused' ? 'refused' : 'failed'}</span>
            {e.detail ? <span className="muted small event-detail">{e.detail}</span> : null}
          </span>
        );
      }
      text = `${e.kind} ${e.action ?? ''}`.trim();
  }
  return <span>{text}</span>;
}
