import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/retrieval/errors.js';
import { estimateTokens, splitPassages } from '../../src/retrieval/passages.js';

/** `count` numbered Korean sentences of the same length. */
const sentences = (count: number): string =>
  Array.from({ length: count }, (_, i) => `제${String(i).padStart(3, '0')}조 한국은행은 기준금리를 정한다.`).join(' ');

describe('estimateTokens', () => {
  it('counts two thirds of a token per Hangul syllable and one per other word', () => {
    expect(estimateTokens('한국은행')).toBe(3); // ceil(4 * 2/3)
    expect(estimateTokens('B2B 2024년, e커머스!')).toBe(1 + 1 + 1 + Math.ceil((4 * 2) / 3));
    expect(estimateTokens('')).toBe(0);
  });
});

describe('splitPassages', () => {
  it('keeps a text within maxTokens whole', () => {
    expect(splitPassages('짧은 문서입니다.', { maxTokens: 50 })).toEqual([{ start: 0, end: 9 }]);
  });

  it('covers the text with passages of whole sentences within maxTokens', () => {
    const text = sentences(40);
    const passages = splitPassages(text, { maxTokens: 60 });
    expect(passages.length).toBeGreaterThan(1);
    expect(passages[0]!.start).toBe(0);
    expect(passages.at(-1)!.end).toBe(text.length);
    for (const [i, passage] of passages.entries()) {
      const slice = text.slice(passage.start, passage.end);
      expect(estimateTokens(slice)).toBeLessThanOrEqual(60);
      expect(slice.startsWith('제')).toBe(true); // starts at a sentence
      expect(slice.trimEnd().endsWith('.')).toBe(true); // ends at a sentence end
      // Without overlap each passage starts where the previous one ended.
      if (i > 0) expect(passage.start).toBe(passages[i - 1]!.end);
    }
  });

  it('repeats up to overlapTokens of whole sentences, and always moves forward', () => {
    const text = sentences(40);
    const sentenceTokens = estimateTokens(text.slice(0, text.indexOf('.') + 1));
    const passages = splitPassages(text, { maxTokens: 60, overlapTokens: sentenceTokens });
    for (let i = 1; i < passages.length; i++) {
      const previous = passages[i - 1]!;
      expect(passages[i]!.start).toBeGreaterThan(previous.start);
      expect(passages[i]!.start).toBeLessThan(previous.end);
      // Exactly one sentence is shared.
      const shared = text.slice(passages[i]!.start, previous.end);
      expect(shared.match(/제\d{3}조/g)).toHaveLength(1);
    }
    expect(passages.at(-1)!.end).toBe(text.length);
  });

  it('cuts a sentence longer than maxTokens between words', () => {
    const text = Array.from({ length: 200 }, (_, i) => `단어${i}`).join(' ');
    const passages = splitPassages(text, { maxTokens: 30 });
    expect(passages.length).toBeGreaterThan(5);
    for (const passage of passages) {
      expect(estimateTokens(text.slice(passage.start, passage.end))).toBeLessThanOrEqual(30);
      expect(text[passage.start - 1] ?? ' ').toBe(' '); // never inside a word
    }
    expect(passages.map((p) => text.slice(p.start, p.end)).join('')).toBe(text);
  });

  it('rejects bad options with a typed error', () => {
    expect(() => splitPassages('x', { maxTokens: 0 })).toThrow(InvalidInputError);
    expect(() => splitPassages('x', { maxTokens: 10, overlapTokens: 10 })).toThrow(InvalidInputError);
    expect(() => splitPassages('x', { maxTokens: 1.5 })).toThrow(InvalidInputError);
  });
});
