import { expect, test } from 'vitest';
import { quantizeColumns } from '../../src/model-builder/quantize.js';
import { SeededRandom } from '../../src/model-builder/random.js';

test('per-column uint8 quantization: error within half a step, zero exact, scales per column', () => {
  const rows = 64;
  const columns = 8;
  const random = new SeededRandom(3);
  const weights = new Float32Array(rows * columns);
  // Columns with very different ranges: a single shared scale would lose the small ones.
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) weights[r * columns + c] = random.normal() * 10 ** (c - 4);
  weights[5 * columns + 2] = 0;
  const { values, scales, zeroPoints } = quantizeColumns(weights, rows, columns);
  for (let c = 0; c < columns; c++) {
    let min = 0;
    let max = 0;
    for (let r = 0; r < rows; r++) {
      min = Math.min(min, weights[r * columns + c]!);
      max = Math.max(max, weights[r * columns + c]!);
    }
    expect(scales[c]).toBe(Math.fround((max - min) / 255)); // stored as float32
    for (let r = 0; r < rows; r++) {
      const restored = (values[r * columns + c]! - zeroPoints[c]!) * scales[c]!;
      expect(Math.abs(restored - weights[r * columns + c]!)).toBeLessThanOrEqual(scales[c]! * 0.5001);
    }
  }
  expect((values[5 * columns + 2]! - zeroPoints[2]!) * scales[2]!).toBe(0);
});

test('an all-zero column gets a usable scale', () => {
  const { values, scales, zeroPoints } = quantizeColumns(new Float32Array(4), 4, 1);
  expect(scales[0]).toBe(1);
  expect([...values].every((v) => v === zeroPoints[0])).toBe(true);
});
