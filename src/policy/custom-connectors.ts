import type { Plan, Role } from '../config/schema.ts';
import { isOwner } from '../identity/roles.ts';

/**
 * Who may add (and remove) custom connectors, by plan: owners on Team and Enterprise, any member on Free and Pro,
 * with one custom connector at most on Free. Returns the refusal to show, or undefined when allowed.
 */
export function customConnectorRefusal(org: { name: string; plan: Plan }, role: Role, action: 'add' | 'remove', existing = 0): string | undefined {
  if ((org.plan === 'team' || org.plan === 'enterprise') && !isOwner(role)) {
    return action === 'add' ? `On ${org.name}'s ${org.plan} plan only owners add custom connectors; ask an owner to add it.` : `Only owners of ${org.name} remove its custom connectors.`;
  }
  if (action === 'add' && org.plan === 'free' && existing >= 1) {
    return `The Free plan allows one custom connector, and ${org.name} has one. Remove it first, or move to the Pro plan for more.`;
  }
  return undefined;
}
