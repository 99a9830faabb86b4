/** Issue 11 item 4 (experimental): which window of a long passage a focused call scores. */
import { describe, expect, test } from 'vitest';
import { chooseFocusWindow, termOf, windowStarts } from '../../src/engine/focus-window.js';
import { passageWindows } from '../../src/engine/pair-tokens.js';

const filler = (n: number, word = '▁filler') => Array.from({ length: n }, (_, i) => `${word}${i % 7}`);

describe('chooseFocusWindow', () => {
  test('window starts are the grid of passageWindows', () => {
    const passage = filler(53);
    const starts = windowStarts(passage.length, 10, 3);
    expect(starts.map((s) => passage.slice(s, s + 10))).toEqual(passageWindows(passage, 10, 3));
    expect(windowStarts(8, 10, 3)).toEqual([0]);
  });

  test('the window holding the query terms wins, wherever it is', () => {
    const query = ['▁기준', '금리', '▁결정'];
    for (const at of [35, 70, 95]) {
      const passage = filler(100);
      passage.splice(at, 3, '▁기준', '금리', '를');
      const start = chooseFocusWindow(query, passage, 20, 5);
      expect(start).toBeLessThanOrEqual(at);
      expect(start + 20).toBeGreaterThanOrEqual(at + 2);
    }
  });

  test('no query term in the passage, or only one-character terms: the head, as truncation', () => {
    expect(chooseFocusWindow(['▁없는', '단어'], filler(100), 20, 5)).toBe(0);
    const passage = filler(100);
    passage[60] = '은';
    expect(chooseFocusWindow(['은', '▁,'], passage, 20, 5)).toBe(0);
  });

  test('a term found in every window does not decide; a rarer one does', () => {
    const passage = filler(100).map((t, i) => (i % 10 === 0 ? '▁bank' : t));
    passage[75] = '▁inflation';
    const start = chooseFocusWindow(['▁central', '▁bank', '▁inflation'], passage, 20, 5);
    expect(start).toBeLessThanOrEqual(75);
    expect(start + 20).toBeGreaterThan(75);
  });

  test('WordPiece and SentencePiece marks and case are ignored when matching', () => {
    expect(termOf('▁Bank')).toBe('bank');
    expect(termOf('##ing')).toBe('ing');
    const passage = filler(60);
    passage[50] = 'Bank';
    expect(chooseFocusWindow(['▁bank'], passage, 20, 5)).toBeGreaterThan(30);
  });
});
