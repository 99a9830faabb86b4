import { describe, expect, it } from 'vitest';
import { bm25Idf, bm25Tf, validateBm25 } from '../../src/retrieval/bm25.js';
import { InvalidInputError } from '../../src/retrieval/errors.js';

describe('bm25', () => {
  it('idf follows ln(1 + (N - df + 0.5) / (df + 0.5))', () => {
    // N 3, df 2: ln(1 + 1.5 / 2.5) = ln(1.6)
    expect(bm25Idf(3, 2)).toBeCloseTo(Math.log(1.6), 12);
    // A term in every document still weighs a little: N 4, df 4: ln(1 + 0.5 / 4.5)
    expect(bm25Idf(4, 4)).toBeCloseTo(Math.log(1 + 0.5 / 4.5), 12);
    expect(bm25Idf(4, 4)).toBeGreaterThan(0);
  });

  it('tf part saturates and normalises by length', () => {
    const params = { k1: 1.2, b: 0.75 };
    // tf 1, dl 2, avgdl 7/3: norm = 0.25 + 0.75 * 6/7 = 0.892857; 2.2 / (1 + 1.2 * 0.892857) = 1.062069
    expect(bm25Tf(1, 2, 7 / 3, params)).toBeCloseTo(1.062069, 6);
    // b = 0 ignores length: 2 * 2.2 / (2 + 1.2) = 1.375
    expect(bm25Tf(2, 100, 1, { k1: 1.2, b: 0 })).toBeCloseTo(1.375, 12);
    // k1 = 0 turns tf into presence: 1 whatever tf is
    expect(bm25Tf(5, 3, 2, { k1: 0, b: 0.75 })).toBe(1);
  });

  it('bm25+ adds delta to every matched term; bm25l adds delta to the normalised tf (Lv & Zhai 2011)', () => {
    const okapi = bm25Tf(1, 2, 7 / 3, { k1: 1.2, b: 0.75 });
    expect(bm25Tf(1, 2, 7 / 3, { k1: 1.2, b: 0.75, variant: 'bm25+' })).toBeCloseTo(okapi + 1, 12);
    expect(bm25Tf(1, 2, 7 / 3, { k1: 1.2, b: 0.75, variant: 'bm25+', delta: 0.25 })).toBeCloseTo(okapi + 0.25, 12);
    // c = 1 / 0.892857 = 1.12; (2.2 * (1.12 + 0.5)) / (1.2 + 1.12 + 0.5) = 3.564 / 2.82 = 1.263830
    expect(bm25Tf(1, 2, 7 / 3, { k1: 1.2, b: 0.75, variant: 'bm25l' })).toBeCloseTo(1.26383, 5);
    // With delta 0 bm25l is okapi rewritten.
    expect(bm25Tf(3, 9, 4, { k1: 1.2, b: 0.75, variant: 'bm25l', delta: 0 })).toBeCloseTo(
      bm25Tf(3, 9, 4, { k1: 1.2, b: 0.75 }),
      12,
    );
    // A very long document keeps a floor under bm25+ and bm25l, not under okapi.
    const long = (variant: 'okapi' | 'bm25l' | 'bm25+') => bm25Tf(1, 1e6, 1, { k1: 1.2, b: 1, variant });
    expect(long('okapi')).toBeLessThan(1e-5);
    expect(long('bm25+')).toBeGreaterThan(1);
    expect(long('bm25l')).toBeGreaterThan(0.5);
  });

  it('rejects out-of-range parameters', () => {
    expect(() => validateBm25({ k1: 1, b: 0.5, variant: 'bm42' as 'okapi' })).toThrow(InvalidInputError);
    expect(() => validateBm25({ k1: 1, b: 0.5, delta: -1 })).toThrow(InvalidInputError);
    expect(() => validateBm25({ k1: -1, b: 0.5 })).toThrow(InvalidInputError);
    expect(() => validateBm25({ k1: 1, b: 1.5 })).toThrow(InvalidInputError);
    expect(() => validateBm25({ k1: Number.NaN, b: 0.5 })).toThrow(InvalidInputError);
  });
});
