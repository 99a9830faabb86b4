import { describe, expect, it } from 'vitest';
import { normalizeText, splitRuns } from '../../src/retrieval/normalize.js';
import { stripKoreanSuffix } from '../../src/retrieval/particles.js';
import { createAnalyzer } from '../../src/retrieval/tokenizer.js';
import { InvalidInputError } from '../../src/retrieval/errors.js';

describe('normalizeText', () => {
  it('folds full-width forms with NFKC and lower-cases Latin', () => {
    expect(normalizeText('ＧＤＰ２０２４')).toBe('gdp2024');
    expect(normalizeText('B2B Commerce')).toBe('b2b commerce');
  });

  it('composes decomposed Hangul jamo into syllables', () => {
    const decomposed = '\u1112\u1161\u11AB'; // ᄒ + ᅡ + ᆫ = 한
    expect(normalizeText(decomposed)).toBe('한');
  });
});

describe('splitRuns', () => {
  it('separates Hangul from Latin and digits and drops punctuation', () => {
    const runs = splitRuns(normalizeText('2023년 e커머스의 B2B, GDP-성장률!'));
    expect(runs.map((run) => `${run.kind}:${run.text}`)).toEqual([
      'alnum:2023',
      'hangul:년',
      'alnum:e',
      'hangul:커머스의',
      'alnum:b2b',
      'alnum:gdp',
      'hangul:성장률',
    ]);
  });

  it('marks a run that follows a run of the same kind across whitespace only', () => {
    const runs = splitRuns('한국 은행,금리 x y');
    expect(runs.map((run) => run.spaceBefore)).toEqual([false, true, false, false, true]);
  });

  it('keeps Han characters apart from Hangul', () => {
    expect(splitRuns('韓國은행').map((run) => run.kind)).toEqual(['cjk', 'hangul']);
  });
});

describe('stripKoreanSuffix', () => {
  it('strips the longest known particle', () => {
    expect(stripKoreanSuffix('한국은행이')).toBe('한국은행');
    expect(stripKoreanSuffix('한국은행에서는')).toBe('한국은행');
    expect(stripKoreanSuffix('금리를')).toBe('금리');
  });

  it('strips light predicate endings only with the full set', () => {
    expect(stripKoreanSuffix('설명하시오', 'all')).toBe('설명');
    expect(stripKoreanSuffix('설명하시오', 'particles')).toBe('설명하시오');
    expect(stripKoreanSuffix('한국은행이', 'keep')).toBe('한국은행이');
  });

  it('never leaves a stem shorter than minStem', () => {
    expect(stripKoreanSuffix('나이')).toBe('나이'); // "이" would leave one syllable
    expect(stripKoreanSuffix('나이', 'all', 1)).toBe('나');
    expect(stripKoreanSuffix('은행이', 'all', 3)).toBe('은행이');
  });
});

describe('createAnalyzer', () => {
  it('word analyser keeps whole runs, optionally stemmed', () => {
    expect(createAnalyzer({ type: 'word' })('한국은행의 GDP 전망')).toEqual(['한국은행의', 'gdp', '전망']);
    expect(createAnalyzer({ type: 'word', suffixes: 'all' })('한국은행의 GDP 전망')).toEqual([
      '한국은행',
      'gdp',
      '전망',
    ]);
  });

  it('ngram analyser cuts syllable grams and keeps Latin and numbers whole', () => {
    expect(createAnalyzer({ type: 'ngram', n: 2 })('금리를 2.5% 인하')).toEqual(['금리', '리를', '2', '5', '인하']);
    expect(createAnalyzer({ type: 'ngram', n: 3 })('금리를')).toEqual(['금리를']);
  });

  it('keeps a Hangul word shorter than n as one term', () => {
    expect(createAnalyzer({ type: 'ngram', n: 2 })('법 조항')).toEqual(['법', '조항']);
  });

  it('joinSpaces lets grams span a space between Hangul words only', () => {
    const joined = createAnalyzer({ type: 'ngram', n: 2, joinSpaces: true });
    expect(joined('한국 은행')).toEqual(['한국', '국은', '은행']);
    expect(joined('한국, 은행')).toEqual(['한국', '은행']);
    expect(joined('한국 b 은행')).toEqual(['한국', 'b', '은행']);
  });

  it('strips suffixes before cutting grams when asked', () => {
    expect(createAnalyzer({ type: 'ngram', n: 2, suffixes: 'all' })('은행이')).toEqual(['은행']);
  });

  it('cuts grams by code point, not UTF-16 unit', () => {
    const rare = '\u{20000}\u{20001}\u{20002}'; // CJK Extension B, outside the BMP
    expect(createAnalyzer({ type: 'ngram', n: 2 })(rare)).toEqual(['\u{20000}\u{20001}', '\u{20001}\u{20002}']);
  });

  it('rejects a bad n', () => {
    expect(() => createAnalyzer({ type: 'ngram', n: 0 })).toThrow(InvalidInputError);
  });
});
