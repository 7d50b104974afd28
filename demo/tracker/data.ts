import type { DemoPerson } from '../shared/people.ts';

export const ISSUE_STATUSES = ['open', 'in_progress', 'done'] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

export interface Project {
  key: string;
  name: string;
  description: string;
  /** Private projects are visible to their members only; the others to every demo person. */
  private: boolean;
  /** Person ids. */
  members: string[];
}

export interface Issue {
  key: string;
  project: string;
  title: string;
  description: string;
  status: IssueStatus;
  /** Person ids. */
  assignee: string | null;
  reporter: string;
  createdAt: string;
  updatedAt: string;
}

export interface TrackerData {
  projects: Project[];
  issues: Issue[];
  /** The number the next issue of each project gets, so keys are never reused after a delete. */
  nextNumber: Record<string, number>;
}

export function canSee(person: DemoPerson, project: Project): boolean {
  return !project.private || project.members.includes(person.id);
}

const issue = (key: string, title: string, description: string, status: IssueStatus, assignee: string | null, reporter: string, day: number): Issue => ({
  key,
  project: key.split('-')[0] ?? '',
  title,
  description,
  status,
  assignee,
  reporter,
  createdAt: `2026-10-${String(day).padStart(2, '0')}T09:00:00.000Z`,
  updatedAt: `2026-10-${String(day + 3).padStart(2, '0')}T16:30:00.000Z`,
});

export function seedTracker(): TrackerData {
  return {
    projects: [
      { key: 'WEB', name: 'Website', description: 'The public website: pages, forms and content.', private: false, members: [] },
      { key: 'PAY', name: 'Payroll', description: 'Payroll runs, salary reviews and bonuses. Confidential.', private: true, members: ['alice'] },
      { key: 'MOB', name: 'Mobile app', description: 'The iOS and Android app.', private: true, members: ['bob', 'carol'] },
      { key: 'OPS', name: 'Operations', description: 'Infrastructure, certificates and backups.', private: true, members: ['alice', 'carol'] },
    ],
    issues: [
      issue('WEB-1', 'Homepage hero image is blurry on retina screens', 'Serve a 2x version of the hero image and set srcset.', 'open', 'bob', 'carol', 1),
      issue('WEB-2', 'Add an FAQ section to the pricing page', 'Collect the ten most common sales questions and answer them on /pricing.', 'in_progress', 'carol', 'alice', 2),
      issue('WEB-3', 'Footer link to the careers page is broken', 'The footer points to /jobs, which moved to /careers.', 'done', 'alice', 'bob', 3),
      issue('WEB-4', 'Contact form sends duplicate emails', 'Submitting the contact form twice quickly sends two emails to sales.', 'open', null, 'carol', 4),
      issue('PAY-1', 'Correct the overtime rate for the March payroll run', 'Overtime was paid at 1.25x instead of 1.5x for the support team.', 'open', 'alice', 'alice', 5),
      issue('PAY-2', 'Prepare the annual salary review spreadsheet', 'Merge the manager proposals into the review spreadsheet before the committee meets.', 'in_progress', 'alice', 'alice', 6),
      issue('PAY-3', 'Schedule Q3 bonus payouts', 'Bonuses approved by the committee go out with the October run.', 'open', null, 'alice', 7),
      issue('MOB-1', 'App crashes when opening settings offline', 'Settings fetches the profile without a network check and crashes on timeout.', 'open', 'bob', 'carol', 8),
      issue('MOB-2', 'Dark mode buttons have too little contrast', 'Secondary buttons fail WCAG AA in dark mode.', 'in_progress', 'carol', 'bob', 9),
      issue('OPS-1', 'Renew TLS certificates before they expire', 'The wildcard certificate expires on 30 November.', 'open', 'carol', 'alice', 10),
      issue('OPS-2', 'Run the quarterly backup restore drill', 'Restore last night\'s database backup into staging and time it.', 'done', 'alice', 'carol', 11),
    ],
    nextNumber: { WEB: 5, PAY: 4, MOB: 3, OPS: 3 },
  };
}
