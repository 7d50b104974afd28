import { describe, expect, it } from 'vitest';
import { suggestApps } from '../../src/chat/index.ts';
import { gatewayToolFixture } from '../helpers/chat-fakes.ts';

describe('app suggestion in the chat', () => {
  it('lets the person pick when two connected apps fit equally, and names only connected ones as candidates', () => {
    const tools = [
      // Two trackers with the same tool: neither fits better, so the person picks.
      gatewayToolFixture('acme', 'create_issue', 'Create an issue for a bug'),
      gatewayToolFixture('globex', 'create_issue', 'Create an issue for a bug'),
      gatewayToolFixture('drive', 'list_files', 'List files in a folder'),
    ];
    const result = suggestApps('create an issue for this bug', tools, [{ server: { name: 'jira', description: 'Jira: create an issue for a bug' } }]);
    expect(result.ambiguous).toBe(true);
    expect(result.candidates.slice(0, 2).map((c) => c.server).sort()).toEqual(['acme', 'globex']);
    expect(result.candidates.map((c) => c.server)).not.toContain('jira');
  });

  it('is not ambiguous when one app fits', () => {
    const tools = [gatewayToolFixture('tracker', 'create_issue', 'Create an issue for a bug'), gatewayToolFixture('drive', 'list_files', 'List files in a folder')];
    const result = suggestApps('list the files in my folder', tools);
    expect(result.ambiguous).toBe(false);
    expect(result.candidates[0]?.server).toBe('drive');
  });
});
