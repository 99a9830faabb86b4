import { describe, expect, test } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from '../../src/model-builder/float16.js';

describe('float16 conversion', () => {
  test('known encodings', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff); // largest finite half
    expect(toFloat16Bits(65520)).toBe(0x7c00); // rounds up to infinity
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toFloat16Bits(2 ** -26)).toBe(0x0000);
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(toFloat16Bits(-0)).toBe(0x8000);
  });

  test('every finite half round-trips exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue; // inf / NaN
      expect(toFloat16Bits(fromFloat16Bits(bits))).toBe(bits);
    }
  });

  test('rounds to nearest, ties to even', () => {
    const one = 1;
    const ulp = 2 ** -10;
    expect(toFloat16Bits(one + ulp / 2)).toBe(0x3c00); // tie -> even (1.0)
    expect(toFloat16Bits(one + (3 * ulp) / 2)).toBe(0x3c02); // tie -> even (1 + 2 ulp)
    expect(toFloat16Bits(one + ulp * 0.51)).toBe(0x3c01);
  });
});
