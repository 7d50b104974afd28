import { describe, expect, it } from 'vitest';
import { suggestConnectors, type SuggestCandidate } from '../../src/toolsearch/suggest.ts';

const candidates = (connected: string[]): SuggestCandidate[] => [
  { server: { name: 'tracker', description: 'Issue tracker' }, tools: [{ key: 't1', name: 'create_issue', description: 'Open a new issue or bug report in a project' }], connected: connected.includes('tracker') },
  { server: { name: 'github', description: 'GitHub: issue tracker of your repositories' }, tools: [{ key: 'g1', name: 'create_issue', description: 'Open a new issue or bug report in a repository' }], connected: connected.includes('github') },
  { server: { name: 'calendar', description: 'Events and meetings' }, tools: [{ key: 'c1', name: 'create_event', description: 'Schedule a meeting' }], connected: connected.includes('calendar') },
  { server: { name: 'drive', description: 'Store and share documents and files' }, connected: connected.includes('drive') },
];

describe('suggestConnectors', () => {
  it('one fitting connected connector: used without asking', () => {
    const r = suggestConnectors('create an issue for the login bug', candidates(['tracker', 'calendar']));
    expect(r.candidates[0]?.server).toBe('tracker');
    expect(r.candidates.map((c) => c.server)).not.toContain('calendar');
    expect(r.ambiguous).toBe(false);
  });

  it('two connectors fit about equally: both returned, ambiguous', () => {
    const r = suggestConnectors('create an issue for the login bug', candidates(['tracker', 'github', 'calendar']));
    expect(r.candidates.map((c) => c.server).sort()).toEqual(['github', 'tracker']);
    expect(r.ambiguous).toBe(true);
  });

  it('a fitting unconnected connector is suggested apart, by its description when its tools are unknown', () => {
    const r = suggestConnectors('share this document with my team', candidates(['tracker', 'calendar']));
    expect(r.unconnected.map((u) => u.server)).toContain('drive');
    expect(r.candidates.map((c) => c.server)).not.toContain('drive');
  });

  it('nothing fits: no candidates, not ambiguous', () => {
    const r = suggestConnectors('zzqx blorf', candidates(['tracker', 'github']));
    expect(r).toEqual({ candidates: [], ambiguous: false, unconnected: [] });
  });
});
