/**
 * Every model run is bounded (issue 25 item 8): a run that never settles is given up after the cost
 * model's prediction times a factor (never before the floor), or at once when its runtime is lost, and
 * the host hears why. Timers are vitest's fake ones: nothing here waits on the clock.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { InferenceError, Reranker } from '../../src/engine/index.js';
import { RUN_BOUND_FACTOR, RUN_BOUND_FLOOR_MS, runBoundMs, watchRun } from '../../src/engine/run-watchdog.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';

const never = () => new Promise<never>(() => undefined);

describe('runBoundMs', () => {
  test('the prediction times the factor, never below the floor', () => {
    expect(runBoundMs(10)).toBe(RUN_BOUND_FLOOR_MS);
    const long = (RUN_BOUND_FLOOR_MS / RUN_BOUND_FACTOR) * 3;
    expect(runBoundMs(long)).toBe(long * RUN_BOUND_FACTOR);
    expect(runBoundMs(Number.NaN)).toBe(RUN_BOUND_FLOOR_MS);
  });
});

describe('watchRun', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  test('a run that never settles is given up at its bound, not before; the host hears why', async () => {
    const predicted = RUN_BOUND_FLOOR_MS; // bound: factor x predicted, past the floor
    const reasons: string[] = [];
    const watched = watchRun(never(), predicted, { abandoned: (reason) => reasons.push(reason) });
    const settled = watched.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await vi.advanceTimersByTimeAsync(runBoundMs(predicted) - 1);
    expect(reasons).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled).toMatch(/took more than \d+ ms \(predicted \d+ ms\): the runtime stopped answering/);
    expect(reasons).toEqual([await settled]);
  });

  test('a lost runtime ends the run at once, and a run started after the loss at its start', async () => {
    const lost = new AbortController();
    const reasons: string[] = [];
    const first = watchRun(never(), 5, { lost: lost.signal, abandoned: (r) => reasons.push(r) });
    lost.abort('the WebGPU device was lost: Device was destroyed.');
    await expect(first).rejects.toThrow('the WebGPU device was lost: Device was destroyed.');
    await expect(watchRun(never(), 5, { lost: lost.signal, abandoned: (r) => reasons.push(r) })).rejects.toThrow(
      /device was lost/,
    );
    expect(reasons).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0); // nothing left ticking for runs already given up
  });

  test('a run that settles in time settles the watch as it did, and leaves no timer or listener', async () => {
    const lost = new AbortController();
    const abandoned = vi.fn();
    await expect(watchRun(Promise.resolve(42), 5, { lost: lost.signal, abandoned })).resolves.toBe(42);
    const failure = new Error('kernel failed');
    await expect(watchRun(Promise.reject(failure), 5, { lost: lost.signal, abandoned })).rejects.toBe(failure);
    expect(vi.getTimerCount()).toBe(0);
    lost.abort('lost later');
    expect(abandoned).not.toHaveBeenCalled();
  });
});

describe('Reranker.guardRuns', () => {
  test('every model run passes through the guard with a positive prediction; a guard that gives up fails the call typed', async () => {
    const reranker = await Reranker.load({ model: await testModel('tiny-xlmr'), dtype: 'fp32' });
    try {
      const predictions: number[] = [];
      reranker.guardRuns((start, predictedMs) => (predictions.push(predictedMs), start()));
      const ranked = await reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES, { batchTokens: 64 });
      expect(ranked).toHaveLength(KOREAN_PASSAGES.length);
      expect(predictions.length).toBeGreaterThan(1); // batchTokens 64 splits the call into several runs
      for (const ms of predictions) expect(ms).toBeGreaterThan(0);

      // Gives up at once, as watchRun does at a bound: the run goes on, its outcome observed and dropped.
      reranker.guardRuns((start) => {
        start().catch(() => undefined);
        return Promise.reject(new Error('the runtime stopped answering'));
      });
      const error = await reranker.rank(`${KOREAN_QUERY}?`, KOREAN_PASSAGES).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InferenceError);
      expect((error as Error).message).toMatch(/model run failed on a batch .*: the runtime stopped answering/);
    } finally {
      await reranker.dispose();
    }
  });
});
