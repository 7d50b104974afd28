import { describe, expect, it } from 'vitest';
import { ToolIndex } from '../../src/toolsearch/tool-index.ts';
import type { SearchableTool } from '../../src/toolsearch/types.ts';

const tool = (server: string, name: string, description: string, inputSchema?: unknown): SearchableTool => ({ key: `${server}__${name}`, name, description, inputSchema });

function demoIndex(): ToolIndex {
  const index = new ToolIndex();
  index.upsertServer({ name: 'tracker', title: 'Issue tracker', description: 'Projects, issues and comments of your team' }, [
    tool('tracker', 'create_issue', 'Open a new issue in a project', { type: 'object', properties: { title: { type: 'string', description: 'Short summary' }, project: { type: 'string' } } }),
    tool('tracker', 'list_issues', 'List the issues of a project'),
    tool('tracker', 'addComment', 'Comment on an issue'),
  ]);
  index.upsertServer({ name: 'calendar', description: 'Your events and meetings' }, [
    tool('calendar', 'create_event', 'Schedule an event on your calendar', { type: 'object', properties: { start: { type: 'string', description: 'When it begins' } } }),
    tool('calendar', 'list_events', 'Events between two dates'),
  ]);
  index.upsertServer({ name: 'weather', description: 'Forecasts for any city' }, [tool('weather', 'get_forecast', 'The weather forecast for a city: temperature, rain and wind')]);
  return index;
}

describe('ToolIndex', () => {
  it('ranks the tool whose name and description fit the request first', () => {
    const index = demoIndex();
    expect(index.search('open a new issue for the login bug')[0]?.key).toBe('tracker__create_issue');
    expect(index.search('schedule a meeting tomorrow')[0]?.key).toBe('calendar__create_event');
    expect(index.search('will it rain in Paris')[0]?.key).toBe('weather__get_forecast');
  });

  it('splits identifiers, stems words, and meets misspellings and related words', () => {
    const index = demoIndex();
    // camelCase name "addComment" → add, comment; "comments" stems to "comment"
    expect(index.search('comments')[0]?.key).toBe('tracker__addComment');
    // one letter off: "calender"
    expect(index.search('calender events')[0]?.server).toBe('calendar');
    // a word the tool never uses, related through the thesaurus / domain map
    expect(index.search('is it windy outside')[0]?.key).toBe('weather__get_forecast');
  });

  it('returns nothing for a request no tool fits, and honours limit, filter and regex', () => {
    const index = demoIndex();
    expect(index.search('zzqx blorf')).toEqual([]);
    expect(index.search('issue', { limit: 2 })).toHaveLength(2);
    expect(index.search('issue', { filter: (key) => key !== 'tracker__create_issue' }).map((h) => h.key)).not.toContain('tracker__create_issue');
    expect(index.search('', { regex: '^list_(issues|events)$' }).map((h) => h.key).sort()).toEqual(['calendar__list_events', 'tracker__list_issues']);
    expect(index.search('project', { regex: 'comment' }).map((h) => h.key)).toEqual(['tracker__addComment']);
  });

  it('updates incrementally: replacing or removing a server changes only its tools', () => {
    const index = demoIndex();
    expect(index.size).toBe(6);
    index.upsertServer({ name: 'weather' }, [tool('weather', 'air_quality', 'Air pollution index of a city')]);
    expect(index.size).toBe(6);
    expect(index.search('forecast temperature').map((h) => h.key)).not.toContain('weather__get_forecast');
    expect(index.search('air pollution')[0]?.key).toBe('weather__air_quality');
    index.removeServer('tracker');
    expect(index.size).toBe(3);
    expect(index.hasServer('tracker')).toBe(false);
    expect(index.search('issue').filter((h) => h.server === 'tracker')).toEqual([]);
    // scores stay consistent after updates: the same query gives the same ranking as a fresh index
    const fresh = new ToolIndex();
    fresh.upsertServer({ name: 'calendar', description: 'Your events and meetings' }, [
      tool('calendar', 'create_event', 'Schedule an event on your calendar', { type: 'object', properties: { start: { type: 'string', description: 'When it begins' } } }),
      tool('calendar', 'list_events', 'Events between two dates'),
    ]);
    fresh.upsertServer({ name: 'weather' }, [tool('weather', 'air_quality', 'Air pollution index of a city')]);
    expect(index.search('events in the city')).toEqual(fresh.search('events in the city'));
  });

  it('ranks servers by their best tool', () => {
    const ranked = demoIndex().rankServers('create a calendar event for the issue review');
    expect(ranked[0]?.server).toBe('calendar');
    expect(ranked.map((r) => r.server)).toContain('tracker');
  });

  it('stays fast on a pasted blob (long queries are capped)', () => {
    const index = demoIndex();
    const blob = 'iVBORw0KGgoAAAANSUhEUgAAAgAAAAIACAYAAAD0eNT6'.repeat(200);
    expect(() => index.search(`what does this image mean ${blob}`)).not.toThrow();
  });
});
