import { describe, expect, test } from 'vitest';
import { fitPair, passageWindows } from '../../src/engine/pair-tokens.js';

const tokens = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('fitPair', () => {
  test('keeps both sides when they fit', () => {
    const q = tokens('q', 3);
    const p = tokens('p', 5);
    expect(fitPair(q, p, 8)).toEqual({ query: q, passage: p });
  });

  test('cuts the passage, never the query, while the query fits', () => {
    const q = tokens('q', 6);
    const fitted = fitPair(q, tokens('p', 100), 10);
    expect(fitted.query).toEqual(q);
    expect(fitted.passage).toEqual(tokens('p', 4)); // the passage's start survives
  });

  test('a query that alone fills the budget shares it with the passage', () => {
    const fitted = fitPair(tokens('q', 50), tokens('p', 50), 10);
    expect(fitted.query).toEqual(tokens('q', 5));
    expect(fitted.passage).toEqual(tokens('p', 5));
    // A short passage keeps all of its tokens; the query gets the rest.
    const short = fitPair(tokens('q', 50), tokens('p', 2), 10);
    expect(short).toEqual({ query: tokens('q', 8), passage: tokens('p', 2) });
  });

  test('rejects a budget that cannot hold a pair', () => {
    expect(() => fitPair(['q'], ['p'], 1)).toThrow(RangeError);
  });
});

describe('passageWindows', () => {
  test('a passage that fits is one window', () => {
    expect(passageWindows(tokens('p', 4), 4, 1)).toEqual([tokens('p', 4)]);
  });

  test('windows overlap, cover every token, and the last ends at the end', () => {
    const passage = tokens('p', 10);
    const windows = passageWindows(passage, 4, 1);
    expect(windows).toEqual([
      ['p0', 'p1', 'p2', 'p3'],
      ['p3', 'p4', 'p5', 'p6'],
      ['p6', 'p7', 'p8', 'p9'],
    ]);
    const eleven = passageWindows(tokens('p', 11), 4, 1);
    expect(eleven.at(-1)).toEqual(['p7', 'p8', 'p9', 'p10']);
    expect(new Set(eleven.flat())).toEqual(new Set(tokens('p', 11)));
    expect(eleven.every((w) => w.length === 4)).toBe(true);
  });

  test('rejects an overlap as large as the window', () => {
    expect(() => passageWindows(tokens('p', 10), 4, 4)).toThrow(RangeError);
  });
});
