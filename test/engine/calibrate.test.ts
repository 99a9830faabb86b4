/** Reranker.calibrate on a generated model: real runs of the calibration shapes feed the cost model. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CostModel } from '../../src/engine/cost-model.js';
import { Reranker, RerankerError } from '../../src/engine/index.js';
import type { EncodedRow } from '../../src/engine/pair-encoder.js';
import { testModel } from '../helpers/models.js';

describe('Reranker.calibrate', () => {
  let reranker: Reranker;
  beforeAll(async () => {
    reranker = await Reranker.load({ model: await testModel('tiny-xlmr', 7), dtype: 'fp32' });
  });
  afterAll(() => reranker.dispose());

  test('runs each calibration shape (after one unrecorded run of the largest) and fits the cost model', async () => {
    // Internals, read only here: the run method and the cost model it feeds.
    const engine = reranker as unknown as {
      run(rows: EncodedRow[], record?: boolean): Promise<number[]>;
      cost: CostModel;
    };
    const original = engine.run.bind(reranker);
    const ran: Array<{ rows: number; width: number; record: boolean }> = [];
    engine.run = async (rows, record = true) => {
      ran.push({ rows: rows.length, width: Math.max(...rows.map((r) => r.inputIds.length)), record });
      const logits = await original(rows, record);
      expect(logits.every(Number.isFinite)).toBe(true);
      return logits;
    };
    try {
      await reranker.calibrate();
    } finally {
      engine.run = original;
    }
    // Written out from the documented plan (cost-model.ts), not computed by calibrationShapes: one short
    // row, eight short rows, one row at half the longest width and one at the longest (512 here).
    expect(reranker.info.maxLength).toBe(512);
    expect(ran).toEqual([
      { rows: 1, width: 512, record: false },
      { rows: 1, width: 16, record: true },
      { rows: 8, width: 32, record: true },
      { rows: 1, width: 256, record: true },
      { rows: 1, width: 512, record: true },
    ]);
    expect(engine.cost.observations).toBe(4);
    const { overheadMs, perTokenMs, perTokenSquaredMs } = engine.cost.coefficients;
    for (const value of [overheadMs, perTokenMs, perTokenSquaredMs])
      expect(Number.isFinite(value) && value >= 0).toBe(true);
    expect(engine.cost.predictRun({ rows: 8, width: 512 })).toBeGreaterThan(0);
    // The reranker works as before afterwards.
    expect(await reranker.rank('질문', ['답', '다른 글'])).toHaveLength(2);
  });

  test('a disposed reranker refuses to calibrate', async () => {
    const other = await Reranker.load({ model: await testModel('tiny-xlmr', 7), dtype: 'fp32' });
    await other.dispose();
    await expect(other.calibrate()).rejects.toThrow(RerankerError);
  });
});
