import { describe, expect, it } from 'vitest';
import { expandQuery } from '../../src/toolsearch/query.ts';
import { segment, terms } from '../../src/toolsearch/text.ts';
import { wordNet } from '../../src/toolsearch/thesaurus.ts';
import { ToolIndex } from '../../src/toolsearch/tool-index.ts';

const vocabulary = (known: string[]) => ({ documentFrequency: (t: string) => (known.includes(t) ? 1 : 0) });

describe('query expansion', () => {
  it('a typed word outweighs every related word, and the related words of one word share one budget', () => {
    const known = terms('run execute launch command process terminal shell valorant').concat(terms('start'));
    const q = expandQuery('start valorant', vocabulary(known));
    const weight = (w: string) => q.find((t) => t.term === terms(w)[0])?.weight ?? 0;
    expect(weight('valorant')).toBe(1);
    const related = q.filter((t) => !terms('start valorant').includes(t.term));
    expect(related.length).toBeGreaterThan(3);
    const sum = related.reduce((s, t) => s + t.weight, 0);
    // "start" is mostly a verb (discounted); its many synonyms together stay within 1.5 × its weight
    expect(sum).toBeLessThanOrEqual(1.5 * weight('start') + 1e-9);
    expect(sum).toBeLessThan(weight('valorant') * 1.5);
  });

  it('words that are mostly verbs count less than nouns', () => {
    const q = expandQuery('find invoices', vocabulary(terms('find invoices')));
    const find = q.find((t) => t.term === terms('find')[0])!.weight;
    const invoice = q.find((t) => t.term === terms('invoices')[0])!.weight;
    expect(find).toBeLessThan(invoice);
  });

  it('only words the index knows are added', () => {
    const q = expandQuery('windy', vocabulary(terms('weather wind')));
    expect(q.map((t) => t.term).sort()).toEqual([...new Set([...terms('windy'), ...terms('weather wind')])].sort());
  });
});

describe('names and descriptions', () => {
  it('splits glued names into dictionary words', () => {
    const isWord = (w: string) => wordNet().isWord(w);
    expect(segment('stellarexplorer', isWord)).toEqual(['stellar', 'explorer']);
    expect(segment('calculator', isWord)).toBeUndefined();
    expect(segment('xqzvbnmkl', isWord)).toBeUndefined();
  });

  it('a misspelt word in a description still matches the word people type', () => {
    expect(wordNet().corrections('strology')).toContain('astrology');
    expect(wordNet().corrections('weather')).toEqual([]);
    const index = new ToolIndex();
    index.upsertServer({ name: 'stars' }, [{ key: 'stars__s', name: 'StrologyTool', description: 'Povides strology services for you.' }]);
    index.upsertServer({ name: 'other' }, [{ key: 'other__o', name: 'notes', description: 'Keep notes' }]);
    expect(index.search('astrology reading')[0]?.key).toBe('stars__s');
  });
});

describe('what the shape of a request implies', () => {
  it('a path means files, a link a web page, an address email; prose implies nothing', async () => {
    const { impliedWords } = await import('../../src/toolsearch/query.ts');
    expect(impliedWords('save it to /root/markdown/a.md')).toEqual(['file']);
    expect(impliedWords('open C:\\Users\\me\\notes.txt')).toEqual(['file']);
    expect(impliedWords('summarize https://example.com/post')).toEqual(['url', 'web', 'page']);
    expect(impliedWords('write to bob@example.com')).toEqual(['email']);
    expect(impliedWords('half of it, 1/2, and/or more')).toEqual([]);
  });
});
