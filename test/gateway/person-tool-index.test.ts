import { describe, expect, it } from 'vitest';
import type { Caller, GatewayTool, GatewayToolList } from '../../src/gateway/core.ts';
import { PersonToolIndex } from '../../src/gateway/person-tool-index.ts';

/** The per-person search index: fed from a person's own tool list, updated per connector, bounded. */
const schema = (param: string) => ({ type: 'object' as const, properties: { [param]: { type: 'string' } } });

function tool(connector: string, name: string, description: string, inputSchema = schema('text')): GatewayTool {
  const full = `${connector}__${name}`;
  return { name: full, connector, originalName: name, decision: 'allow', reason: '', stale: false, tool: { name: full, description, inputSchema } };
}

function list(tools: GatewayTool[]): GatewayToolList {
  return { tools, problems: [], byName: new Map(tools.map((t) => [t.name, t])) };
}

const caller = (userId: string): Caller => ({ userId, orgId: 'org', surface: 'mcp' });

describe('PersonToolIndex', () => {
  it('indexes again only the connectors whose tools changed, and drops connectors that vanished', async () => {
    const described: string[] = [];
    const index = new PersonToolIndex({ describe: async (slug) => (described.push(slug), { name: slug.toUpperCase(), description: `${slug} connector` }) });
    const tracker = [tool('tracker', 'create_issue', 'Create an issue in a project.')];
    const calendar = [tool('calendar', 'create_event', 'Create a calendar event.')];
    const first = list([...tracker, ...calendar]);
    expect((await index.search(caller('a'), first, 'create an issue', { limit: 5 })).map((h) => h.tool.name)).toContain('tracker__create_issue');
    expect(described.sort()).toEqual(['calendar', 'tracker']);

    // The core rebuilt its objects (a policy change elsewhere): same schemas, nothing to index again.
    described.length = 0;
    const rebuilt = list([...tracker.map((t) => ({ ...t, tool: { ...t.tool } })), ...calendar.map((t) => ({ ...t, tool: { ...t.tool } }))]);
    await index.search(caller('a'), rebuilt, 'event', { limit: 5 });
    expect(described).toEqual([]);

    // The calendar's tool changed (a new schema): only the calendar is indexed again; the tracker vanished.
    const changed = list([tool('calendar', 'create_event', 'Create a calendar event with attendees.', schema('attendees'))]);
    const hits = await index.search(caller('a'), changed, 'create', { limit: 5 });
    expect(described).toEqual(['calendar']);
    expect(hits.map((h) => h.tool.name)).toEqual(['calendar__create_event']);
  });

  it("keeps each person's index apart, and at most `max` of them", async () => {
    const index = new PersonToolIndex({ describe: async (slug) => ({ name: slug }), max: 2 });
    const mine = list([tool('notes', 'search_notes', 'Search your private notes.')]);
    const theirs = list([tool('beta', 'echo', 'Echoes its text.')]);
    expect((await index.search(caller('me'), mine, 'search notes', { limit: 5 })).map((h) => h.tool.name)).toEqual(['notes__search_notes']);
    expect(await index.search(caller('them'), theirs, 'search notes', { limit: 5 })).toEqual([]);
    await index.search(caller('third'), theirs, 'echo', { limit: 5 });
    expect(index.size).toBe(2);
  });

  it('a tool that left the list (blocked, say) is no longer found', async () => {
    const index = new PersonToolIndex({ describe: async (slug) => ({ name: slug }) });
    const both = list([tool('beta', 'echo', 'Echoes its text.'), tool('beta', 'erase_everything', 'Deletes all data.')]);
    await index.search(caller('a'), both, 'data', { limit: 5 });
    // The same connector's list without the (now blocked) tool.
    const narrowed = list([both.tools[0]!]);
    expect(await index.search(caller('a'), narrowed, 'deletes all data', { limit: 5 })).toEqual([]);
  });
});
