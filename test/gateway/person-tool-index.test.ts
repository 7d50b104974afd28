import { describe, expect, it, vi } from 'vitest';
import type { Caller, GatewayTool, GatewayToolList } from '../../src/gateway/core.ts';
import { PersonToolIndex } from '../../src/gateway/person-tool-index.ts';
import { Embedder } from '../../src/toolsearch/index.ts';
import { conceptModel, embeddedValues } from '../helpers/embedding-fakes.ts';

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

describe('PersonToolIndex with an embedding model', () => {
  it('is hybrid: finds by meaning, embeds a connector the people share once, and says how it ranked', async () => {
    const model = conceptModel();
    const index = new PersonToolIndex({ describe: async (slug) => ({ name: slug }), embedder: new Embedder({ model }) });
    expect(index.hybrid).toBe(true);
    const infra = [tool('infra', 'scale_workloads', 'Scale the workloads running in a container cluster.'), tool('infra', 'list_regions', 'List the regions you can deploy to.')];
    const mine = list([...infra, tool('notes', 'search_notes', 'Search your private notes.')]);
    // The first search indexes the list; its vectors come in the background, so this one ranks by words.
    expect(await index.searchRanked(caller('a'), mine, 'kubernetes', { limit: 3 })).toMatchObject({ ranking: 'lexical', lexicalOnly: 'not-ready' });
    await vi.waitFor(async () => {
      const ranked = await index.searchRanked(caller('a'), mine, 'kubernetes', { limit: 3 });
      expect(ranked.ranking).toBe('hybrid');
      expect(ranked.hits[0]?.tool.name).toBe('infra__scale_workloads');
    });
    const embedded = embeddedValues(model).filter((v) => v !== 'kubernetes');
    expect(embedded).toHaveLength(3);

    // Someone else with the same connector: hybrid at once, nothing embedded again; only the list in hand is searched.
    const theirs = list(infra);
    const ranked = await index.searchRanked(caller('b'), theirs, 'kubernetes', { limit: 3 });
    expect(ranked.ranking).toBe('hybrid');
    expect(ranked.hits.map((h) => h.tool.name)).toEqual(['infra__scale_workloads']);
    expect(embeddedValues(model).filter((v) => v !== 'kubernetes')).toEqual(embedded);
    // A narrower filter (the chat's tools still deferred) applies to the embedding ranking too.
    expect(await index.search(caller('b'), theirs, 'kubernetes', { limit: 3, filter: (name) => name !== 'infra__scale_workloads' })).toEqual([]);
  });

  it('without one, searches stay lexical and say so', async () => {
    const index = new PersonToolIndex({ describe: async (slug) => ({ name: slug }) });
    expect(index.hybrid).toBe(false);
    const ranked = await index.searchRanked(caller('a'), list([tool('notes', 'search_notes', 'Search your private notes.')]), 'notes', { limit: 3 });
    expect(ranked).toMatchObject({ ranking: 'lexical', lexicalOnly: 'not-configured', hits: [{ tool: { name: 'notes__search_notes' } }] });
  });
});
