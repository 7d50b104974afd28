import type { Role } from '../config/schema.ts';

/**
 * The role rules, in one place. Each function answers for a person acting through the API; the
 * operator (CLI, bootstrap) is not bound by them.
 */
const RANK: Record<Role, number> = { member: 0, owner: 1, primary_owner: 2 };

export const isOwner = (role: Role | undefined): boolean => role !== undefined && RANK[role] >= RANK.owner;

/** Owners and the primary owner add, remove and re-role members; members do not. */
export const canManageMembers = (role: Role | undefined): boolean => isOwner(role);

/** Renaming and other organization settings: owners. */
export const canEditOrganization = (role: Role | undefined): boolean => isOwner(role);

/** The plan decides what the organization may use; like billing, it is the primary owner's call. */
export const canChangePlan = (role: Role | undefined): boolean => role === 'primary_owner';

/** Primary ownership moves only by transfer from the primary owner. */
export const canTransferPrimaryOwnership = (role: Role | undefined): boolean => role === 'primary_owner';

/** Roles an owner may hand out with add/change: never primary_owner (that goes by transfer). */
export const GRANTABLE_ROLES: readonly Role[] = ['owner', 'member'];
