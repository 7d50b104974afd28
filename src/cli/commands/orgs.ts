import { type Command, Option } from 'commander';
import { PLANS, ROLES, type Plan, type Role } from '../../config/schema.ts';
import { OPERATOR } from '../../identity/actor.ts';
import { addDomain, setEnterpriseRestriction, verifyDomain } from '../../identity/domains.ts';
import { addMember } from '../../identity/memberships.ts';
import { createOrganization, listOrganizations } from '../../identity/organizations.ts';
import { findUserByEmail } from '../../identity/users.ts';
import { invalidInput, notFound } from '../../shared/app-error.ts';
import { output, withDatabase } from '../context.ts';

export function registerOrgs(program: Command): void {
  const orgs = program.command('orgs').description('Manage organizations');

  orgs
    .command('create')
    .description('Create an organization')
    .argument('<slug>', 'short name used in URLs, e.g. acme')
    .requiredOption('--name <name>', 'display name, e.g. "Acme Corp"')
    .addOption(new Option('--plan <plan>', 'plan').choices(PLANS).default('free'))
    .option('--parent <slug>', 'parent organization (an enterprise grouping child organizations)')
    .option('--owner <email>', 'existing account to make primary owner')
    .option('--json', 'print JSON')
    .action(async (slug: string, options: { name: string; plan: Plan; parent?: string; owner?: string; json?: boolean }, command: Command) => {
      const org = await withDatabase(command, async (database) => {
        const owner = options.owner ? await findUserByEmail(database.db, options.owner) : undefined;
        if (options.owner && !owner) throw notFound(`No account has the email ${options.owner}; create it first with \`switchboard users create ${options.owner}\`.`);
        return createOrganization(database.db, OPERATOR, { slug, name: options.name, plan: options.plan, parentSlug: options.parent, primaryOwnerId: owner?.id });
      });
      if (options.json) process.stdout.write(`${JSON.stringify({ organization: org }, null, 2)}\n`);
      else process.stdout.write(`Created organization ${org.slug} (${org.name}, ${org.plan} plan).\n`);
    });

  orgs
    .command('list')
    .description('List organizations')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const list = await withDatabase(command, (database) => listOrganizations(database.db));
      const slugs = new Map(list.map((o) => [o.id, o.slug]));
      output(
        list.map((o) => ({ slug: o.slug, name: o.name, plan: o.plan, parent: o.parentId ? slugs.get(o.parentId) : null, created: o.createdAt })),
        options.json ?? false,
        'organizations',
      );
    });

  orgs
    .command('add-member')
    .description('Add an existing account to an organization')
    .argument('<org>', 'organization slug')
    .argument('<email>', 'account email')
    .addOption(new Option('--role <role>', 'role').choices(ROLES).default('member'))
    .action(async (org: string, email: string, options: { role: Role }, command: Command) => {
      const member = await withDatabase(command, (database) => addMember(database.db, OPERATOR, org, email, options.role));
      process.stdout.write(`Added ${member.email} to ${org} as ${member.role}.\n`);
    });

  orgs
    .command('add-domain')
    .description('Claim a domain for an organization; prints the TXT record to publish at it')
    .argument('<org>', 'organization slug')
    .argument('<domain>', 'domain, e.g. example.com')
    .action(async (org: string, domain: string, _options: unknown, command: Command) => {
      const added = await withDatabase(command, (database) => addDomain(database.db, OPERATOR, org, domain));
      process.stdout.write(`Publish this TXT record at ${added.domain}, then run \`switchboard orgs verify-domain ${org} ${added.domain}\`:\n  ${added.txtRecord}\n`);
    });

  orgs
    .command('verify-domain')
    .description("Verify an organization's domain by its DNS TXT record, or by hand with --manual")
    .argument('<org>', 'organization slug')
    .argument('<domain>', 'domain, e.g. example.com')
    .option('--manual', 'verify without a DNS lookup (you vouch for it; adds the domain if needed)')
    .action(async (org: string, domain: string, options: { manual?: boolean }, command: Command) => {
      const verified = await withDatabase(command, (database) => verifyDomain(database.db, OPERATOR, org, domain, { manual: options.manual ?? false }));
      process.stdout.write(`${verified.domain} is verified for ${org} (${verified.method}).\n`);
    });

  orgs
    .command('set-enterprise-restriction')
    .description('Restrict identities on verified domains to people inside the enterprise (on|off)')
    .argument('<org>', 'organization slug')
    .argument('<state>', 'on or off')
    .action(async (org: string, state: string, _options: unknown, command: Command) => {
      if (state !== 'on' && state !== 'off') throw invalidInput('Give "on" or "off" as the state.');
      const setting = await withDatabase(command, (database) => setEnterpriseRestriction(database.db, OPERATOR, org, state === 'on'));
      process.stdout.write(`The enterprise restriction of ${org} is ${setting.restrictVerifiedDomains ? 'on' : 'off'}.\n`);
    });
}
