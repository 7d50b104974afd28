import { describe, expect, it } from 'vitest';
import { namespacedToolName, namespacedUri, parseNamespacedUri, TOOL_NAME } from '../../src/gateway/naming.ts';

describe('tool names', () => {
  it('are <slug>__<tool> when that is valid', () => {
    expect(namespacedToolName('demo-tracker', 'create_issue')).toBe('demo-tracker__create_issue');
  });

  it('stay valid and at most 64 characters, deterministically, without collisions', () => {
    const long = 'a'.repeat(80);
    const names = [
      namespacedToolName('linear', long),
      namespacedToolName('linear', `${long}b`),
      namespacedToolName('some-very-long-connector-slug-for-tests', 'another_quite_long_tool_name_here'),
      namespacedToolName('files', 'read.file'),
      namespacedToolName('files', 'read/file'),
      namespacedToolName('files', 'read file ✓'),
    ];
    for (const name of names) {
      expect(name).toMatch(TOOL_NAME);
      expect(name.length).toBeLessThanOrEqual(64);
    }
    expect(new Set(names).size).toBe(names.length);
    expect(namespacedToolName('linear', long)).toBe(names[0]);
    expect(names[3]).toMatch(/^files__read_file_[A-Za-z0-9]{8}$/);
  });
});

describe('resource URIs', () => {
  it('keep their scheme and round-trip', () => {
    for (const [connector, uri] of [
      ['apps', 'ui://board/index.html'],
      ['drive', 'file:///folder/a.txt'],
      ['x', 'test://static-text'],
      ['odd', 'urn:isbn:123'],
    ] as const) {
      const wrapped = namespacedUri(connector, uri);
      expect(parseNamespacedUri(wrapped)).toEqual({ connector, uri });
    }
    expect(namespacedUri('apps', 'ui://board/index.html')).toBe('ui://apps/board/index.html');
  });
});
