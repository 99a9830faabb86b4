import { describe, expect, test } from 'vitest';
import { calibrate } from '../../src/engine/calibration.js';
import {
  type CostCoefficients,
  CostModel,
  DEFAULT_PRIOR,
  MAX_SLOTS,
  type RunShape,
  calibrationShapes,
} from '../../src/engine/cost-model.js';

/** Deterministic noise: mulberry32. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const TRUE: CostCoefficients = { overheadMs: 4, perTokenMs: 0.3, perTokenSquaredMs: 0.0002 };
const time = (c: CostCoefficients, { rows, width }: RunShape) =>
  c.overheadMs + c.perTokenMs * rows * width + c.perTokenSquaredMs * rows * width * width;

/** Shapes the engine makes: up to 8192 padded tokens per run, widths 16..512. */
function engineShapes(count: number, next: () => number): RunShape[] {
  return Array.from({ length: count }, () => {
    const width = 16 + Math.floor(next() * 497);
    return { rows: 1 + Math.floor(next() * Math.max(1, Math.floor(8192 / width))), width };
  });
}

function expectClose(actual: number, expected: number, relative: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));
}

describe('CostModel fit', () => {
  test('recovers exact coefficients from noise-free runs of the calibration shapes alone', () => {
    const model = new CostModel();
    for (const shape of calibrationShapes(512)) model.observe(shape, time(TRUE, shape));
    const fitted = model.coefficients;
    expectClose(fitted.overheadMs, TRUE.overheadMs, 1e-6);
    expectClose(fitted.perTokenMs, TRUE.perTokenMs, 1e-6);
    expectClose(fitted.perTokenSquaredMs, TRUE.perTokenSquaredMs, 1e-6);
  });

  test('recovers coefficients from noisy runs and predicts unseen shapes within a few percent', () => {
    const next = random(1);
    const model = new CostModel();
    for (const shape of engineShapes(400, next)) model.observe(shape, time(TRUE, shape) * (1 + 0.1 * (next() - 0.5))); // +-5% noise
    const fitted = model.coefficients;
    expectClose(fitted.perTokenMs, TRUE.perTokenMs, 0.05);
    expectClose(fitted.perTokenSquaredMs, TRUE.perTokenSquaredMs, 0.15);
    // A few ms next to runs of seconds: loosely identified, and it hardly matters to any prediction.
    expect(Math.abs(fitted.overheadMs - TRUE.overheadMs)).toBeLessThanOrEqual(4);
    for (const shape of [
      { rows: 10, width: 128 },
      { rows: 16, width: 512 },
      { rows: 40, width: 200 },
    ]) {
      expectClose(model.predictRun(shape), time(TRUE, shape), 0.05);
    }
    // A tiny run (16 ms) within a few ms: the fit follows recent runs, few of which are that small.
    expect(Math.abs(model.predictRun({ rows: 1, width: 40 }) - time(TRUE, { rows: 1, width: 40 }))).toBeLessThanOrEqual(
      3,
    );
  });

  test('coefficients stay nonnegative when the unconstrained fit would make one negative', () => {
    const model = new CostModel();
    // Time exactly proportional to tokens, minus a little for the shortest run: a line through these
    // points would have a negative intercept.
    model.observe({ rows: 1, width: 16 }, 0.5 * 16 - 2);
    for (const width of [64, 128, 256, 512]) model.observe({ rows: 4, width }, 0.5 * 4 * width);
    const fitted = model.coefficients;
    for (const value of Object.values(fitted)) expect(value).toBeGreaterThanOrEqual(0);
    expectClose(model.predictRun({ rows: 4, width: 300 }), 0.5 * 4 * 300, 0.05);
  });

  test('one observation: predicts it back and extrapolates in proportion to tokens', () => {
    const model = new CostModel();
    model.observe({ rows: 4, width: 100 }, 200);
    expectClose(model.predictRun({ rows: 4, width: 100 }), 200, 1e-9);
    expectClose(model.predictRun({ rows: 8, width: 100 }), 400, 1e-9);
  });

  test('before any observation it predicts from the prior', () => {
    const model = new CostModel();
    expect(model.observations).toBe(0);
    expect(model.coefficients).toEqual(DEFAULT_PRIOR);
    expect(model.predictRun({ rows: 2, width: 100 })).toBeCloseTo(time(DEFAULT_PRIOR, { rows: 2, width: 100 }), 9);
    const custom = new CostModel(TRUE);
    expect(
      custom.predict([
        { rows: 1, width: 10 },
        { rows: 3, width: 50 },
      ]),
    ).toBeCloseTo(time(TRUE, { rows: 1, width: 10 }) + time(TRUE, { rows: 3, width: 50 }), 9);
  });
});

describe('CostModel refinement and memory', () => {
  test('runs slower than predicted move the prediction toward them, and it settles near them', () => {
    const model = new CostModel();
    for (const shape of calibrationShapes(512)) model.observe(shape, time(TRUE, shape));
    const shape = { rows: 16, width: 256 };
    const slower = time(TRUE, shape) * 1.5; // the machine got busy
    let previous = model.predictRun(shape);
    expectClose(previous, time(TRUE, shape), 1e-6);
    for (let i = 0; i < 40; i++) {
      model.observe(shape, slower);
      const now = model.predictRun(shape);
      expect(now).toBeGreaterThanOrEqual(previous - 1e-9);
      previous = now;
    }
    expectClose(previous, slower, 0.05);
    expect(model.observations).toBe(calibrationShapes(512).length + 40);
  });

  test('a recurring shape the three terms cannot fit is predicted from its own recent runs', () => {
    const model = new CostModel();
    for (const shape of calibrationShapes(512)) model.observe(shape, time(TRUE, shape));
    // Big batches run at twice the per-token cost the small calibration runs show (cache, load).
    const big = { rows: 16, width: 512 };
    for (let i = 0; i < 4; i++) model.observe(big, 2 * time(TRUE, big));
    expectClose(model.predictRun(big), 2 * time(TRUE, big), 0.1); // the fit alone is 25% short
    expectClose(model.predictRun({ rows: 16, width: 500 }), 2 * time(TRUE, { rows: 16, width: 500 }), 0.1); // same slot
    // Shapes far from it stay near the calibration.
    expectClose(model.predictRun({ rows: 1, width: 16 }), time(TRUE, { rows: 1, width: 16 }), 0.25);
  });

  test('a slot follows its recent runs: after a speed-up, old slow runs no longer count', () => {
    const model = new CostModel();
    const shape = { rows: 8, width: 128 };
    for (let i = 0; i < 50; i++) model.observe(shape, 1000);
    for (let i = 0; i < 50; i++) model.observe(shape, 500);
    expectClose(model.predictRun(shape), 500, 0.01);
  });

  test('memory stays bounded however many distinct shapes it sees, and the fit stays right', () => {
    const next = random(2);
    const model = new CostModel();
    for (const shape of engineShapes(20_000, next))
      model.observe(shape, time(TRUE, shape) * (1 + 0.1 * (next() - 0.5)));
    expect(model.observations).toBe(20_000);
    expect(model.slotsKept).toBeLessThanOrEqual(MAX_SLOTS);
    expect(model.slotsKept).toBeGreaterThan(MAX_SLOTS / 2);
    expectClose(model.predictRun({ rows: 16, width: 512 }), time(TRUE, { rows: 16, width: 512 }), 0.05);
  });

  test('refuses impossible observations and shapes', () => {
    const model = new CostModel();
    for (const ms of [-1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => model.observe({ rows: 1, width: 8 }, ms)).toThrow(RangeError);
    for (const shape of [
      { rows: 0, width: 8 },
      { rows: 1, width: 0 },
      { rows: 1.5, width: 8 },
      { rows: 1, width: Number.NaN },
    ]) {
      expect(() => model.observe(shape, 1)).toThrow(RangeError);
      expect(() => model.predictRun(shape)).toThrow(RangeError);
    }
    expect(model.observations).toBe(0);
    expect(() => new CostModel({ overheadMs: -1, perTokenMs: 1, perTokenSquaredMs: 0 })).toThrow(RangeError);
  });
});

describe('calibrationShapes', () => {
  test('small, distinct runs up to the longest width, capped at 512', () => {
    for (const maxLength of [512, 8192, 128, 20, 1]) {
      const shapes = calibrationShapes(maxLength);
      const widest = Math.min(maxLength, 512);
      expect(shapes.some((s) => s.width === widest)).toBe(true);
      expect(shapes.every((s) => s.width <= widest && s.rows >= 1)).toBe(true);
      expect(new Set(shapes.map((s) => `${s.rows}x${s.width}`)).size).toBe(shapes.length);
      expect(shapes.reduce((sum, s) => sum + s.rows * s.width, 0)).toBeLessThanOrEqual(1100);
    }
    expect(() => calibrationShapes(0)).toThrow(RangeError);
    expect(() => calibrationShapes(2.5)).toThrow(RangeError);
  });
});

describe('calibrate', () => {
  test('times each shape once after an untimed run of the largest, and feeds the cost model', async () => {
    let clock = 0;
    const ran: RunShape[] = [];
    const model = new CostModel();
    const shapes = calibrationShapes(512);
    await calibrate(
      model,
      shapes,
      async (shape) => {
        ran.push(shape);
        clock += time(TRUE, shape) * (ran.length === 1 ? 5 : 1); // the first run is slow: allocation
      },
      { now: () => clock },
    );
    expect(ran).toEqual([{ rows: 1, width: 512 }, ...shapes]);
    expect(model.observations).toBe(shapes.length);
    expectClose(model.coefficients.perTokenSquaredMs, TRUE.perTokenSquaredMs, 1e-6);
  });
});
