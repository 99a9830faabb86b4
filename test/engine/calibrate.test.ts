/** Reranker.calibrate on a generated model: real runs of the calibration shapes feed the cost model. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { calibrationShapes } from '../../src/engine/cost-model.js';
import { Reranker, RerankerError } from '../../src/engine/index.js';
import type { EncodedRow } from '../../src/engine/pair-encoder.js';
import { testModel } from '../helpers/models.js';

describe('Reranker.calibrate', () => {
  let reranker: Reranker;
  beforeAll(async () => {
    reranker = await Reranker.load({ model: await testModel('tiny-xlmr', 7), dtype: 'fp32' });
  });
  afterAll(() => reranker.dispose());

  test('runs each calibration shape (after one untimed run of the largest) and fits the cost model', async () => {
    const engine = reranker as unknown as { run(rows: EncodedRow[]): Promise<number[]> };
    const original = engine.run.bind(reranker);
    const ran: Array<{ rows: number; width: number }> = [];
    engine.run = async (rows) => {
      ran.push({ rows: rows.length, width: Math.max(...rows.map((r) => r.inputIds.length)) });
      const logits = await original(rows);
      expect(logits.every(Number.isFinite)).toBe(true);
      return logits;
    };
    try {
      await reranker.calibrate();
    } finally {
      engine.run = original;
    }
    const shapes = calibrationShapes(reranker.info.maxLength);
    expect(ran).toEqual([{ rows: 1, width: 512 }, ...shapes]);
    expect(reranker.costModel.observations).toBe(shapes.length);
    const { overheadMs, perTokenMs, perTokenSquaredMs } = reranker.costModel.coefficients;
    for (const value of [overheadMs, perTokenMs, perTokenSquaredMs]) expect(Number.isFinite(value) && value >= 0).toBe(true);
    expect(reranker.costModel.predictRun({ rows: 8, width: 512 })).toBeGreaterThan(0);
    // The reranker works as before afterwards.
    expect(await reranker.rank('질문', ['답', '다른 글'])).toHaveLength(2);
  });

  test('a disposed reranker refuses to calibrate', async () => {
    const other = await Reranker.load({ model: await testModel('tiny-xlmr', 7), dtype: 'fp32' });
    await other.dispose();
    await expect(other.calibrate()).rejects.toThrow(RerankerError);
  });
});
