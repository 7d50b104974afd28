/** What every Admin section is given: the organization the owner chose in the switcher. */
export interface AdminSectionProps {
  org: { id: string; slug: string; name: string; plan: string };
}
