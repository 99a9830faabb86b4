import { expect, test } from 'vitest';
import { quantizeColumns, quantizeRows } from '../../src/model-builder/quantize.js';
import { SeededRandom } from '../../src/model-builder/random.js';

/** Columns (or rows) with very different ranges: a single shared scale would lose the small ones. */
function unevenMatrix(rows: number, columns: number, byColumn: boolean): Float32Array {
  const random = new SeededRandom(3);
  const weights = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < columns; c++) weights[r * columns + c] = random.normal() * 10 ** ((byColumn ? c : r) - 4);
  weights[5 * columns + 2] = 0;
  return weights;
}

test('per-column symmetric int8: error within half a step, zero exact, each column uses its full range', () => {
  const rows = 64;
  const columns = 8;
  const weights = unevenMatrix(rows, columns, true);
  const { values, scales } = quantizeColumns(weights, rows, columns);
  expect(values).toBeInstanceOf(Int8Array);
  for (let c = 0; c < columns; c++) {
    let maxAbs = 0;
    for (let r = 0; r < rows; r++) maxAbs = Math.max(maxAbs, Math.abs(weights[r * columns + c]!));
    expect(scales[c]).toBe(Math.fround(maxAbs / 127)); // stored as float32
    let largest = 0;
    for (let r = 0; r < rows; r++) {
      const q = values[r * columns + c]!;
      largest = Math.max(largest, Math.abs(q));
      expect(Math.abs(q * scales[c]! - weights[r * columns + c]!)).toBeLessThanOrEqual(scales[c]! * 0.5001);
    }
    expect(largest).toBe(127); // the largest magnitude maps to the end of the range
  }
  expect(values[5 * columns + 2]).toBe(0);
});

test('per-row symmetric int8 for embedding tables: one scale per token', () => {
  const rows = 8;
  const columns = 64;
  const table = unevenMatrix(rows, columns, false);
  const { values, scales } = quantizeRows(table, rows, columns);
  expect(scales).toHaveLength(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      expect(Math.abs(values[r * columns + c]! * scales[r]! - table[r * columns + c]!)).toBeLessThanOrEqual(
        scales[r]! * 0.5001,
      );
    }
  }
  // Row scales follow the rows' ranges (10^-4 .. 10^3), which one table-wide scale could not.
  expect(scales[7]! / scales[0]!).toBeGreaterThan(1e5);
});

test('an all-zero column or row gets a usable scale and zero values', () => {
  for (const quantize of [quantizeColumns, quantizeRows]) {
    const { values, scales } = quantize(new Float32Array(4), 4, 1);
    expect(scales[0]).toBe(1);
    expect([...values].every((v) => v === 0)).toBe(true);
  }
});
