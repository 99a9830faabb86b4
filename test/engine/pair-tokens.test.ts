import { describe, expect, test } from 'vitest';
import { fitLongestFirst, fitPair, passageWindows } from '../../src/engine/pair-tokens.js';

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

describe('fitLongestFirst (Hugging Face tokenizers, truncation=True)', () => {
  const tokens = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`);
  /*
   * [query, passage, budget] -> [kept query, kept passage], worked from the Rust implementation
   * (tokenizers/src/utils/truncation.rs, LongestFirst): its three cases, both orders, ties, odd budgets.
   */
  const cases: Array<[number, number, number, number, number]> = [
    [5, 20, 30, 5, 20], // fits: untouched
    [5, 100, 50, 5, 45], // case 2: the shorter (query) fits in half; the passage takes the rest
    [100, 5, 50, 45, 5], // case 2, swapped: the passage is the shorter side and stays whole
    [40, 10, 49, 39, 10], // the long query gives way (passage-first would keep it and cut the passage to 9)
    [30, 100, 50, 25, 25], // case 3: the shorter side is over half: both get half
    [30, 30, 45, 22, 23], // tie: the first sequence counts as the shorter, the second gets the odd token
    [30, 40, 45, 22, 23], // case 3, odd budget: the longer side keeps the odd token
    [60, 40, 45, 23, 22], // case 3, swapped
    [80, 90, 50, 25, 25], // the shorter side alone exceeds the budget
  ];
  test.each(cases)('query %i + passage %i in %i -> %i + %i', (q, p, budget, keepQ, keepP) => {
    const fitted = fitLongestFirst(tokens(q, 'q'), tokens(p, 'p'), budget);
    expect([fitted.query.length, fitted.passage.length]).toEqual([keepQ, keepP]);
    expect(fitted.query).toEqual(tokens(keepQ, 'q')); // cut from the end (truncation_direction right)
    expect(fitted.passage).toEqual(tokens(keepP, 'p'));
  });

  test('agrees with passage-first whenever the query is at most half the budget', () => {
    for (let q = 1; q <= 25; q++) {
      for (const p of [1, 24, 25, 26, 49, 50, 200]) {
        const a = fitLongestFirst(tokens(q, 'q'), tokens(p, 'p'), 50);
        const b = fitPair(tokens(q, 'q'), tokens(p, 'p'), 50);
        expect([a.query.length, a.passage.length]).toEqual([b.query.length, b.passage.length]);
      }
    }
  });
});
