import { ServiceState } from '../shared/state.ts';
import type { DemoServiceDefinition } from '../shared/types.ts';
import { seedTracker } from './data.ts';
import { registerTrackerTools } from './tools.ts';

export const tracker: DemoServiceDefinition = {
  name: 'tracker',
  defaultPort: 7401,
  listing: {
    slug: 'demo-tracker',
    name: 'Demo Tracker',
    tagline: 'A small issue tracker with projects, issues and private projects.',
    description:
      'A bundled demo issue tracker. Its projects hold issues with a status, an assignee and a reporter; some projects are private to their members (Payroll is Alice\'s alone), so each person sees only what they may.',
    useCases: ['Find the open issues in a project', 'Search issues across projects', 'File a bug', 'Move an issue to done'],
    category: 'productivity',
  },
  instructions:
    'An issue tracker. Call list_projects for the project keys you can see, search_issues to find issues by words, list_issues for one project and get_issue for details. Issue keys look like WEB-1. create_issue, update_issue_status and delete_issue change data; private projects are invisible to non-members.',
  scopeDescriptions: {
    read: 'See the projects and issues you have access to.',
    write: 'Create issues, change their status and delete them.',
  },
  open(dataFile) {
    const state = new ServiceState(seedTracker, dataFile);
    return { register: (server, caller) => registerTrackerTools(server, caller, state) };
  },
};
