import { describe, expect, it } from 'vitest';
import { erf, gelu } from '../../src/reference/erf.ts';

// Values from CPython's math.erf (libm, correctly rounded or within 1 ulp).
const KNOWN: Array<[number, number]> = [
  [0, 0],
  [1e-8, 1.1283791670955126e-8],
  [0.1, 0.1124629160182849],
  [0.5, 0.5204998778130465],
  [0.84375, 0.7672256612323416],
  [1, 0.8427007929497149],
  [1.25, 0.9229001282564582],
  [1.5, 0.9661051464753108],
  [2, 0.9953222650189527],
  [2.5, 0.999593047982555],
  [2.999, 0.9999777698314002],
  [3, 0.9999779095030014],
  [3.5, 0.9999992569016276],
  [4, 0.9999999845827421],
  [5, 0.9999999999984626],
  [6, 1],
  [-0.3, -0.3286267594591274],
  [-1.7, -0.9837904585907745],
  [-3, -0.9999779095030014],
];

/** erf by composite Simpson integration of 2/sqrt(pi) exp(-t^2): slow but obviously right. */
function erfBySimpson(x: number, intervals = 4000): number {
  const h = x / intervals;
  let sum = 0;
  for (let i = 0; i <= intervals; i++) {
    const weight = i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2;
    sum += weight * Math.exp(-(i * h) * (i * h));
  }
  return ((2 / Math.sqrt(Math.PI)) * sum * h) / 3;
}

describe('erf', () => {
  it.each(KNOWN)('erf(%d) matches the libm value to ~1e-15', (x, expected) => {
    expect(Math.abs(erf(x) - expected)).toBeLessThanOrEqual(1e-15);
  });

  it('agrees with numerical integration on a dense grid across both regimes', () => {
    for (let x = -6; x <= 6; x += 0.0625) {
      expect(Math.abs(erf(x) - erfBySimpson(x))).toBeLessThan(1e-12);
    }
  });

  it('is odd, bounded and monotone, including across the series/continued-fraction switch at 3', () => {
    let previous = -1;
    for (let x = -8; x <= 8; x += 0.001) {
      const value = erf(x);
      expect(erf(-x)).toBe(-value);
      expect(Math.abs(value)).toBeLessThanOrEqual(1);
      expect(value).toBeGreaterThanOrEqual(previous);
      previous = value;
    }
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
  });
});

describe('gelu (exact erf form)', () => {
  it('matches x * Phi(x) at known points', () => {
    const known: Array<[number, number]> = [
      [1, 0.8413447460685429],
      [-1, -0.15865525393145707],
      [0.5, 0.34573123063700656],
      [-0.5, -0.15426876936299344],
      [2, 1.9544997361036416],
    ];
    for (const [x, expected] of known) expect(Math.abs(gelu(x) - expected)).toBeLessThan(1e-15);
    expect(gelu(0)).toBe(0);
  });
});
