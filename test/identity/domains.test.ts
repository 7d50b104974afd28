import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { asUser, OPERATOR } from '../../src/identity/actor.ts';
import {
  addDomain,
  emailDomain,
  enterpriseRefusalFor,
  getEnterpriseSetting,
  listDomains,
  normalizeDomain,
  removeDomain,
  setEnterpriseRestriction,
  verifyDomain,
  type ResolveTxt,
} from '../../src/identity/domains.ts';
import { createOrganization } from '../../src/identity/organizations.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { testDatabase } from '../helpers/db.ts';
import { organization, person, type Person } from '../helpers/fixtures.ts';

let database: Database;
let owner: Person;
let member: Person;
let rivalOwner: Person;
let outsider: Person;
let childMember: Person;

const db = () => database.db;
const nxdomain: ResolveTxt = async () => {
  throw Object.assign(new Error('queryTxt ENOTFOUND'), { code: 'ENOTFOUND' });
};
const publishing =
  (records: Record<string, string[][]>): ResolveTxt =>
  async (host) => {
    const found = records[host];
    if (!found) return nxdomain(host);
    return found;
  };
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as AppError);

beforeAll(async () => {
  database = await testDatabase();
  owner = await person(db(), 'owner@bigcorp.test');
  member = await person(db(), 'member@bigcorp.test');
  rivalOwner = await person(db(), 'owner@rival.test');
  outsider = await person(db(), 'outsider@elsewhere.test');
  childMember = await person(db(), 'child@bigcorp.test');
  await organization(db(), 'bigcorp', owner, [[member, 'member']], 'enterprise');
  await organization(db(), 'rival', rivalOwner);
  await organization(db(), 'elsewhere', outsider);
  await createOrganization(db(), OPERATOR, { slug: 'bigcorp-eng', name: 'BigCorp Engineering', parentSlug: 'bigcorp', primaryOwnerId: childMember.user.id });
});
afterAll(async () => {
  await database.close();
});

describe('domain names', () => {
  it('normalizes and refuses what is not a domain', () => {
    expect(normalizeDomain(' BigCorp.Example. ')).toBe('bigcorp.example');
    expect(normalizeDomain('bücher.example')).toBe('xn--bcher-kva.example');
    for (const bad of ['localhost', 'https://x.com', 'a@b.com', '10.0.0.1', '-a.com', '']) expect(() => normalizeDomain(bad)).toThrow(AppError);
    expect(emailDomain('Alice@Eng.BigCorp.Example')).toBe('eng.bigcorp.example');
    expect(emailDomain('no-at-sign')).toBeUndefined();
  });
});

describe('verifying a domain by its DNS TXT record', () => {
  it('an owner adds a domain and gets the TXT record; members read it; others do not see it', async () => {
    const added = await addDomain(db(), asUser(owner.user.id), 'bigcorp', 'BigCorp.Example');
    expect(added).toMatchObject({ domain: 'bigcorp.example', verified: false, method: null });
    expect(added.txtRecord).toMatch(/^switchboard-verification=[A-Za-z0-9_-]{20,}$/);
    // Adding again returns the same record.
    expect((await addDomain(db(), asUser(owner.user.id), 'bigcorp', 'bigcorp.example')).txtRecord).toBe(added.txtRecord);
    expect(await listDomains(db(), asUser(member.user.id), 'bigcorp')).toEqual([expect.objectContaining({ domain: 'bigcorp.example' })]);
    expect((await failure(addDomain(db(), asUser(member.user.id), 'bigcorp', 'other.example')))?.status).toBe(403);
    expect((await failure(listDomains(db(), asUser(outsider.user.id), 'bigcorp')))?.status).toBe(404);
  });

  it('NXDOMAIN: not verified, and the error says which record to publish', async () => {
    const err = await failure(verifyDomain(db(), asUser(owner.user.id), 'bigcorp', 'bigcorp.example', { resolveTxt: nxdomain }));
    expect(err).toMatchObject({ status: 422, code: 'domain_not_verified' });
    expect(err!.message).toContain('switchboard-verification=');
    expect((await listDomains(db(), OPERATOR, 'bigcorp'))[0]!.verified).toBe(false);
  });

  it('a TXT record with another value: not verified', async () => {
    const err = await failure(verifyDomain(db(), asUser(owner.user.id), 'bigcorp', 'bigcorp.example', { resolveTxt: publishing({ 'bigcorp.example': [['v=spf1 -all'], ['switchboard-verification=wrong']] }) }));
    expect(err).toMatchObject({ status: 422, code: 'domain_not_verified' });
  });

  it('other DNS failures are said as such, not as a missing record', async () => {
    const servfail: ResolveTxt = async () => {
      throw Object.assign(new Error('queryTxt ESERVFAIL'), { code: 'ESERVFAIL' });
    };
    expect(await failure(verifyDomain(db(), asUser(owner.user.id), 'bigcorp', 'bigcorp.example', { resolveTxt: servfail }))).toMatchObject({ status: 502, code: 'dns_unavailable' });
  });

  it('the matching record (even split into several strings) verifies it, recorded as a policy event', async () => {
    const txtRecord = (await listDomains(db(), OPERATOR, 'bigcorp'))[0]!.txtRecord;
    const split = [txtRecord.slice(0, 10), txtRecord.slice(10)];
    expect((await failure(verifyDomain(db(), asUser(member.user.id), 'bigcorp', 'bigcorp.example', { resolveTxt: publishing({ 'bigcorp.example': [split] }) })))?.status).toBe(403);
    const verified = await verifyDomain(db(), asUser(owner.user.id), 'bigcorp', 'bigcorp.example', { resolveTxt: publishing({ 'bigcorp.example': [['other'], split] }) });
    expect(verified).toMatchObject({ verified: true, method: 'dns', verifiedAt: expect.any(Date) });
    const events = await db().selectFrom('audit_events').select(['kind', 'action', 'subject', 'details']).where('kind', '=', 'policy').orderBy('id').execute();
    expect(events.map((e) => e.action)).toEqual(['domain_added', 'domain_verified']);
    expect(events[1]).toMatchObject({ subject: 'bigcorp.example', details: { method: 'dns' } });
  });

  it('only the operator verifies by hand (the override for tests)', async () => {
    expect((await failure(verifyDomain(db(), asUser(owner.user.id), 'bigcorp', 'manual.example', { manual: true })))?.status).toBe(403);
    const manual = await verifyDomain(db(), OPERATOR, 'bigcorp', 'manual.example', { manual: true });
    expect(manual).toMatchObject({ domain: 'manual.example', verified: true, method: 'manual' });
  });

  it('a domain verified by one organization cannot be added or verified by another', async () => {
    expect(await failure(addDomain(db(), asUser(rivalOwner.user.id), 'rival', 'bigcorp.example'))).toMatchObject({ status: 409 });
    expect(await failure(verifyDomain(db(), OPERATOR, 'rival', 'bigcorp.example', { manual: true }))).toMatchObject({ status: 409 });
    // Claimed (unverified) by two organizations at once is fine: the first to verify wins.
    await addDomain(db(), asUser(rivalOwner.user.id), 'rival', 'contested.example');
    await addDomain(db(), asUser(owner.user.id), 'bigcorp', 'contested.example');
    await verifyDomain(db(), OPERATOR, 'rival', 'contested.example', { manual: true });
    expect(await failure(verifyDomain(db(), OPERATOR, 'bigcorp', 'contested.example', { manual: true }))).toMatchObject({ status: 409 });
    // Once removed there, it can be verified here.
    await removeDomain(db(), asUser(rivalOwner.user.id), 'rival', 'contested.example');
    expect((await verifyDomain(db(), OPERATOR, 'bigcorp', 'contested.example', { manual: true })).verified).toBe(true);
  });
});

describe('the enterprise restriction', () => {
  it('only owners set it; members read it', async () => {
    expect(await getEnterpriseSetting(db(), asUser(member.user.id), 'bigcorp')).toEqual({ restrictVerifiedDomains: false, eligible: true });
    expect((await failure(setEnterpriseRestriction(db(), asUser(member.user.id), 'bigcorp', true)))?.status).toBe(403);
    expect((await failure(setEnterpriseRestriction(db(), asUser(outsider.user.id), 'bigcorp', true)))?.status).toBe(404);
    expect(await setEnterpriseRestriction(db(), asUser(owner.user.id), 'bigcorp', true)).toEqual({ restrictVerifiedDomains: true, eligible: true });
    const event = await db().selectFrom('audit_events').select(['actor', 'details']).where('action', '=', 'enterprise_restriction_set').executeTakeFirstOrThrow();
    expect(event).toEqual({ actor: owner.user.id, details: { restrictVerifiedDomains: true } });
  });

  it('an organization with no children and no verified domain has nothing to restrict', async () => {
    expect(await failure(setEnterpriseRestriction(db(), asUser(outsider.user.id), 'elsewhere', true))).toMatchObject({ status: 400 });
    expect(await setEnterpriseRestriction(db(), asUser(outsider.user.id), 'elsewhere', false)).toEqual({ restrictVerifiedDomains: false, eligible: false });
  });

  it('refuses outsiders for the domain and its subdomains; members of the enterprise and of its children are inside', async () => {
    expect(await enterpriseRefusalFor(db(), outsider.user.id, 'alice@bigcorp.example')).toMatchObject({ domain: 'bigcorp.example' });
    expect(await enterpriseRefusalFor(db(), outsider.user.id, 'alice@eng.BigCorp.example')).toMatchObject({ domain: 'bigcorp.example' });
    expect(await enterpriseRefusalFor(db(), outsider.user.id, 'alice@notbigcorp.example')).toBeUndefined();
    expect(await enterpriseRefusalFor(db(), outsider.user.id, 'alice@unverified.example')).toBeUndefined();
    expect(await enterpriseRefusalFor(db(), member.user.id, 'alice@bigcorp.example')).toBeUndefined();
    expect(await enterpriseRefusalFor(db(), childMember.user.id, 'alice@bigcorp.example')).toBeUndefined();
  });

  it('set on the parent, it covers a domain verified by a child organization', async () => {
    await verifyDomain(db(), OPERATOR, 'bigcorp-eng', 'eng-only.example', { manual: true });
    expect(await enterpriseRefusalFor(db(), outsider.user.id, 'x@eng-only.example')).toMatchObject({ domain: 'eng-only.example' });
    expect(await enterpriseRefusalFor(db(), member.user.id, 'x@eng-only.example')).toBeUndefined();
  });

  it('off, or the domain removed: nobody is refused', async () => {
    await setEnterpriseRestriction(db(), asUser(owner.user.id), 'bigcorp', false);
    expect(await enterpriseRefusalFor(db(), outsider.user.id, 'alice@bigcorp.example')).toBeUndefined();
    await setEnterpriseRestriction(db(), asUser(owner.user.id), 'bigcorp', true);
    await removeDomain(db(), asUser(owner.user.id), 'bigcorp', 'bigcorp.example');
    expect(await enterpriseRefusalFor(db(), outsider.user.id, 'alice@bigcorp.example')).toBeUndefined();
  });
});
