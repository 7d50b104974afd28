import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBootstrap } from '../../src/config/bootstrap.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { bootstrapSchema } from '../../src/config/schema.ts';
import type { Database } from '../../src/db/database.ts';
import { OPERATOR } from '../../src/identity/actor.ts';
import { getOrganizationBySlug } from '../../src/identity/organizations.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { InProcessPolicyChangeBus, type PolicyChange } from '../../src/policy/changes.ts';
import { getOrgRules, listEnabledConnectors, setOrgRules } from '../../src/policy/store.ts';
import { testDatabase } from '../helpers/db.ts';

let database: Database;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database.close();
});

const log = createLogger('silent');

const YAML = [
  'organizations:',
  '  - slug: acme',
  '    name: Acme Corp',
  '    plan: team',
  '  - slug: globex',
  '    name: Globex',
  'connectors:',
  '  - slug: echo',
  '    name: Echo',
  '    url: http://127.0.0.1:9100/mcp',
  '    enabledFor: [acme, globex]',
  'policies:',
  '  - org: acme',
  '    connector: echo',
  '    categories: { read: allow, write: block, other: ask }',
  '    tools: { delete_issue: block }',
  '    overrides: { search: read }',
  '',
].join('\n');

function writeYaml(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sb-policy-')), 'switchboard.yaml');
  writeFileSync(file, text);
  return file;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('bootstrap: enabledFor and policies', () => {
  it('applies them once: the second application changes nothing and announces nothing', async () => {
    const doc = loadConfig({ env: {}, configFile: writeYaml(YAML) }).bootstrap;
    expect(doc.policies).toEqual([{ org: 'acme', connector: 'echo', categories: { read: 'allow', write: 'block', other: 'ask' }, tools: { delete_issue: 'block' }, overrides: { search: 'read' } }]);
    const bus = new InProcessPolicyChangeBus();
    const changes: PolicyChange[] = [];
    bus.subscribe((c) => changes.push(c));

    const first = await applyBootstrap(database.db, doc, 'test.yaml', log, { policyChanges: bus });
    expect(first.enablements).toEqual({ created: 2, unchanged: 0 });
    expect(first.policies).toEqual({ created: 1, updated: 0, unchanged: 0 });
    const acme = await getOrganizationBySlug(database.db, 'acme');
    expect(changes).toEqual(expect.arrayContaining([{ kind: 'enablement', orgId: acme.id, connector: 'echo' }, { kind: 'policy', orgId: acme.id, connector: 'echo' }]));
    expect(changes).toHaveLength(3);
    expect((await listEnabledConnectors(database.db, OPERATOR, 'acme')).map((e) => [e.connector, e.enabledBy])).toEqual([['echo', null]]);
    expect(await getOrgRules(database.db, OPERATOR, 'acme', 'echo')).toMatchObject({ categories: { read: 'allow', write: 'block', other: 'ask' }, tools: { delete_issue: 'block' }, overrides: { search: 'read' } });

    // What the file changed is in each organization's audit log, as the operator's doing.
    const audited = () => database.db.selectFrom('audit_events').select(['org_id', 'kind', 'action', 'actor', 'user_id', 'subject']).where('kind', '!=', 'tool_call').orderBy('id').execute();
    const globex = await getOrganizationBySlug(database.db, 'globex');
    expect(await audited()).toEqual([
      { org_id: acme.id, kind: 'enablement', action: 'enabled', actor: 'operator', user_id: null, subject: 'echo' },
      { org_id: globex.id, kind: 'enablement', action: 'enabled', actor: 'operator', user_id: null, subject: 'echo' },
      { org_id: acme.id, kind: 'policy', action: 'org_rules_set', actor: 'operator', user_id: null, subject: 'echo' },
    ]);
    const auditedBefore = await audited();

    const before = await database.db.selectFrom('org_connector_rules').selectAll().execute();
    const second = await applyBootstrap(database.db, doc, 'test.yaml', log, { policyChanges: bus });
    expect(await audited()).toEqual(auditedBefore);
    expect(second.enablements).toEqual({ created: 0, unchanged: 2 });
    expect(second.policies).toEqual({ created: 0, updated: 0, unchanged: 1 });
    expect(await database.db.selectFrom('org_connector_rules').selectAll().execute()).toEqual(before);
    expect(changes).toHaveLength(3);
  });

  it("sets declared keys to the file's values and keeps what owners set for keys the file does not declare; removing an entry deletes nothing", async () => {
    const doc = loadConfig({ env: {}, configFile: writeYaml(YAML) }).bootstrap;
    await applyBootstrap(database.db, doc, 'test.yaml', log);
    // An owner changes a declared key and adds an undeclared one through the API.
    await setOrgRules(database.db, OPERATOR, 'acme', 'echo', { categories: { read: 'allow', write: 'allow', other: 'ask' }, tools: { delete_issue: 'block', archive: 'ask' }, overrides: { search: 'read' } });
    const again = await applyBootstrap(database.db, doc, 'test.yaml', log);
    expect(again.policies).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect(await getOrgRules(database.db, OPERATOR, 'acme', 'echo')).toMatchObject({ categories: { read: 'allow', write: 'block', other: 'ask' }, tools: { delete_issue: 'block', archive: 'ask' } });

    const without = bootstrapSchema.parse({ ...doc, policies: [], connectors: doc.connectors.map((c) => ({ ...c, enabledFor: [] })) });
    const removed = await applyBootstrap(database.db, without, 'test.yaml', log);
    expect(removed.policies).toEqual({ created: 0, updated: 0, unchanged: 0 });
    expect((await listEnabledConnectors(database.db, OPERATOR, 'globex')).map((e) => e.connector)).toEqual(['echo']);
    expect((await getOrgRules(database.db, OPERATOR, 'acme', 'echo')).categories).toEqual({ read: 'allow', write: 'block', other: 'ask' });
  });

  it('records the members it adds and the roles it changes in the audit log, as the operator, and nothing when applied again', async () => {
    const yaml = (bobRole: string) =>
      ['organizations:', '  - slug: initech', '    name: Initech', '    members:', '      - { email: alice@initech.test, role: owner }', `      - { email: bob@initech.test, role: ${bobRole} }`, ''].join('\n');
    const initechEvents = async () => {
      const org = await getOrganizationBySlug(database.db, 'initech');
      return database.db.selectFrom('audit_events').innerJoin('users', 'users.id', 'audit_events.user_id').select(['audit_events.action', 'audit_events.actor', 'users.email']).where('audit_events.org_id', '=', org.id).where('kind', '=', 'membership').orderBy('audit_events.id').execute();
    };
    await applyBootstrap(database.db, loadConfig({ env: {}, configFile: writeYaml(yaml('member')) }).bootstrap, 'test.yaml', log);
    expect(await initechEvents()).toEqual([
      { action: 'member_added', actor: 'operator', email: 'alice@initech.test' },
      { action: 'member_added', actor: 'operator', email: 'bob@initech.test' },
    ]);
    await applyBootstrap(database.db, loadConfig({ env: {}, configFile: writeYaml(yaml('owner')) }).bootstrap, 'test.yaml', log);
    await applyBootstrap(database.db, loadConfig({ env: {}, configFile: writeYaml(yaml('owner')) }).bootstrap, 'test.yaml', log);
    expect((await initechEvents()).slice(2)).toEqual([{ action: 'role_changed', actor: 'operator', email: 'bob@initech.test' }]);
  });

  it('names an unknown organization or connector, and changes nothing', async () => {
    const bad = bootstrapSchema.parse({ connectors: [{ slug: 'echo2', name: 'Echo 2', url: 'http://127.0.0.1:9101/mcp', enabledFor: ['nowhere'] }] });
    const err = await applyBootstrap(database.db, bad, 'test.yaml', log).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems[0]).toMatchObject({ field: 'connectors[0].enabledFor[0]', where: 'test.yaml', message: 'no organization "nowhere" is declared in the file or exists in the database' });
    expect(await database.db.selectFrom('connector_listings').select('slug').where('slug', '=', 'echo2').executeTakeFirst()).toBeUndefined();

    const noConnector = bootstrapSchema.parse({ policies: [{ org: 'acme', connector: 'ghost', categories: { write: 'block' } }] });
    const err2 = (await applyBootstrap(database.db, noConnector, 'test.yaml', log).then(() => undefined, (e: unknown) => e)) as ConfigError;
    expect(err2.problems[0]).toMatchObject({ field: 'policies[0].connector', message: 'no connector "ghost" is declared in the file or listed in the directory' });
  });
});

describe('the policies: key in the YAML file', () => {
  it('names the file, line, column and field of a wrong value', () => {
    const file = writeYaml(YAML.replace('write: block', 'write: deny').replace('overrides: { search: read }', 'overrides: { search: safe }'));
    const err = configError(() => loadConfig({ env: {}, configFile: file }));
    const write = err.problems.find((p) => p.field === 'policies[0].categories.write');
    expect(write).toMatchObject({ where: `${file}:15:39`, message: 'must be one of "allow", "ask", "block"; got "deny"' });
    const override = err.problems.find((p) => p.field === 'policies[0].overrides.search');
    expect(override).toMatchObject({ where: `${file}:17:26`, message: 'must be one of "read", "write", "other"; got "safe"' });
  });

  it('points at a misspelt key and at a duplicate entry', () => {
    const file = writeYaml(`${YAML}  - org: acme\n    connector: tracker\n    categorie: { read: allow }\n`);
    const err = configError(() => loadConfig({ env: {}, configFile: file }));
    expect(err.problems).toEqual([expect.objectContaining({ field: 'policies[1]', where: `${file}:20:5`, message: expect.stringMatching(/unknown key "categorie"/) })]);
    const dup = writeYaml(`${YAML}  - org: acme\n    connector: echo\n`);
    const dupErr = configError(() => loadConfig({ env: {}, configFile: dup }));
    expect(dupErr.problems).toEqual([expect.objectContaining({ field: 'policies[1].connector', where: `${dup}:19:16`, message: expect.stringMatching(/declared twice \(first at policies\[0\]\)/) })]);
  });
});
