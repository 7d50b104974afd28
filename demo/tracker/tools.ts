import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { addTool, fail, ok } from '../shared/mcp/tools.ts';
import { personByEmail, personById } from '../shared/people.ts';
import type { ServiceState } from '../shared/state.ts';
import type { ToolCaller } from '../shared/types.ts';
import { canSee, ISSUE_STATUSES, type Issue, type Project, type TrackerData } from './data.ts';

const emailOf = (id: string | null) => (id ? (personById(id)?.email ?? id) : null);

function issueView(issue: Issue) {
  return { ...issue, assignee: emailOf(issue.assignee), reporter: emailOf(issue.reporter) };
}

const issueLine = (i: Issue) => `${i.key} [${i.status}] ${i.title}`;

const noIssue = (key: string) => fail(`No issue "${key}" that you can see. Call search_issues or list_issues to find issue keys.`);
const noProject = (key: string) => fail(`No project "${key}" that you can see. Call list_projects for the project keys you can use.`);

const status = z.enum(ISSUE_STATUSES);
const issueKey = z.string().min(1).describe('The issue key, such as WEB-1.');
const projectKey = z.string().min(1).describe('The project key, such as WEB (see list_projects).');

export function registerTrackerTools(server: McpServer, caller: ToolCaller, state: ServiceState<TrackerData>): void {
  const { person } = caller;
  const visibleProjects = () => state.data.projects.filter((p) => canSee(person, p));
  const project = (key: string): Project | undefined => visibleProjects().find((p) => p.key === key.trim().toUpperCase());
  const visibleIssues = () => {
    const keys = new Set(visibleProjects().map((p) => p.key));
    return state.data.issues.filter((i) => keys.has(i.project));
  };
  const issue = (key: string): Issue | undefined => visibleIssues().find((i) => i.key === key.trim().toUpperCase());

  addTool(server, caller, 'list_projects', {
    title: 'List projects',
    description: 'List the projects you can see, with their keys. Private projects appear only to their members.',
    kind: 'read',
    input: z.object({}),
  }, () => {
    const projects = visibleProjects().map(({ key, name, description, private: isPrivate }) => ({ key, name, description, private: isPrivate }));
    return ok(`${projects.length} projects.`, { projects });
  });

  addTool(server, caller, 'search_issues', {
    title: 'Search issues',
    description: 'Find issues whose key, title or description contains the query (case-insensitive), across every project you can see.',
    kind: 'read',
    input: z.object({
      query: z.string().min(1).describe('Words to look for.'),
      status: status.optional().describe('Only issues with this status.'),
      limit: z.number().int().min(1).max(50).default(20).describe('At most this many issues (default 20).'),
    }),
  }, ({ query, status: wanted, limit }) => {
    const needle = query.toLowerCase();
    const found = visibleIssues().filter((i) => (!wanted || i.status === wanted) && `${i.key} ${i.title} ${i.description}`.toLowerCase().includes(needle));
    const issues = found.slice(0, limit).map(issueView);
    return ok(found.length ? `${found.length} issues match "${query}":\n${found.slice(0, limit).map(issueLine).join('\n')}` : `No issue you can see matches "${query}".`, { issues, total: found.length });
  });

  addTool(server, caller, 'list_issues', {
    title: 'List issues in a project',
    description: 'List the issues of one project, optionally only those with a given status.',
    kind: 'read',
    input: z.object({ project: projectKey, status: status.optional().describe('Only issues with this status.') }),
  }, ({ project: key, status: wanted }) => {
    const p = project(key);
    if (!p) return noProject(key);
    const issues = visibleIssues().filter((i) => i.project === p.key && (!wanted || i.status === wanted));
    return ok(`${issues.length} issues in ${p.name}.`, { project: p.key, issues: issues.map(issueView) });
  });

  addTool(server, caller, 'get_issue', {
    title: 'Get an issue',
    description: 'Get one issue by key, with its description, status, assignee and reporter.',
    kind: 'read',
    input: z.object({ key: issueKey }),
  }, ({ key }) => {
    const found = issue(key);
    return found ? ok(issueLine(found), { issue: issueView(found) }) : noIssue(key);
  });

  addTool(server, caller, 'create_issue', {
    title: 'Create an issue',
    description: 'Create an issue in a project you can see. You are its reporter; the new issue is open.',
    kind: 'create',
    input: z.object({
      project: projectKey,
      title: z.string().min(1).max(200),
      description: z.string().max(5000).default(''),
      assignee: z.string().email().optional().describe('Email of a demo person who can see the project.'),
    }),
  }, ({ project: key, title, description, assignee }) => {
    const p = project(key);
    if (!p) return noProject(key);
    const assigned = assignee === undefined ? null : personByEmail(assignee);
    if (assigned === undefined || (assigned && !canSee(assigned, p))) return fail(`${assignee} cannot be assigned in ${p.name}: assign a member of the project, or leave the assignee out.`);
    const created = state.update((data) => {
      const number = data.nextNumber[p.key] ?? 1;
      data.nextNumber[p.key] = number + 1;
      const now = new Date().toISOString();
      const newIssue: Issue = { key: `${p.key}-${number}`, project: p.key, title, description, status: 'open', assignee: assigned?.id ?? null, reporter: person.id, createdAt: now, updatedAt: now };
      data.issues.push(newIssue);
      return newIssue;
    });
    return ok(`Created ${issueLine(created)}.`, { issue: issueView(created) });
  });

  addTool(server, caller, 'update_issue_status', {
    title: 'Change an issue\'s status',
    description: 'Set the status of an issue: open, in_progress or done.',
    kind: 'update',
    input: z.object({ key: issueKey, status }),
  }, ({ key, status: next }) => {
    const found = issue(key);
    if (!found) return noIssue(key);
    state.update(() => {
      if (found.status !== next) found.updatedAt = new Date().toISOString();
      found.status = next;
    });
    return ok(`${found.key} is now ${next}.`, { issue: issueView(found) });
  });

  addTool(server, caller, 'delete_issue', {
    title: 'Delete an issue',
    description: 'Delete an issue for good. Its key is not reused.',
    kind: 'delete',
    input: z.object({ key: issueKey }),
  }, ({ key }) => {
    const found = issue(key);
    if (!found) return noIssue(key);
    state.update((data) => {
      data.issues = data.issues.filter((i) => i !== found);
    });
    return ok(`Deleted ${found.key}.`, { deleted: found.key });
  });
}
