/**
 * Issue 11 items 1, 3, 4 through the engine on a generated model: partial rankings after every model
 * run in first-stage order, the score cache, focused windows.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import type { RankReport } from '../../src/engine/types.js';
import { maxAbsDiff } from '../helpers/batches.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';

const PASSAGES = [...KOREAN_PASSAGES, ...ENGLISH_PASSAGES, longPassage(3), longPassage(8), longPassage(1)];
/** Small runs, so a call over PASSAGES takes several. */
const BATCH_TOKENS = 128;

let folder: string;
let uncached: Reranker;
beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
  uncached = await Reranker.load({ model: folder, dtype: 'fp32', scoreCache: false });
});
afterAll(() => uncached.dispose());

describe('progressive ranking', () => {
  test('a partial after every model run, covering first-stage candidates in slices; the final equals rank()', async () => {
    const partials: RankReport[] = [];
    const final = await uncached.rankDetailed(KOREAN_QUERY, PASSAGES, {
      batchTokens: BATCH_TOKENS,
      onPartial: (p) => partials.push(structuredClone(p)),
    });
    expect(partials.length).toBeGreaterThan(2);
    // Scored counts only grow, and the last partial holds everything.
    partials.forEach((p, k) => {
      expect(p.final).toBe(false);
      expect(p.scored + p.unscored.length).toBe(PASSAGES.length);
      if (k > 0) expect(p.scored).toBeGreaterThan(partials[k - 1]!.scored);
      // Unscored candidates keep their first-stage order after the scored ones.
      expect(p.unscored).toEqual([...p.unscored].sort((a, b) => a - b));
      // Scored ones are best first.
      for (let i = 1; i < p.results.length; i++)
        expect(p.results[i]!.score).toBeLessThanOrEqual(p.results[i - 1]!.score);
    });
    expect(partials.at(-1)!.scored).toBe(PASSAGES.length);
    // The first partial covers a prefix of the first-stage order: nothing later than an unscored candidate is scored.
    const first = partials[0]!;
    expect(Math.max(...first.results.map((r) => r.index))).toBeLessThan(Math.min(...first.unscored));
    expect(final).toMatchObject({ final: true, scored: PASSAGES.length, unscored: [], cacheHits: 0 });

    const plain = await uncached.rank(KOREAN_QUERY, PASSAGES, { activation: 'none' });
    const progressive = await uncached.rankDetailed(KOREAN_QUERY, PASSAGES, {
      activation: 'none',
      batchTokens: BATCH_TOKENS,
      onPartial: () => undefined,
    });
    expect(progressive.results.map((r) => r.index)).toEqual(plain.map((r) => r.index));
    expect(
      maxAbsDiff(
        progressive.results.map((r) => r.score),
        plain.map((r) => r.score),
      ),
    ).toBeLessThan(1e-5);
  });

  test('rank() ignores onPartial and budgetMs (every document is returned)', async () => {
    let called = 0;
    const ranked = await uncached.rank(KOREAN_QUERY, PASSAGES, { onPartial: () => called++, budgetMs: 1 } as never);
    expect(ranked).toHaveLength(PASSAGES.length);
    expect(called).toBe(0);
  });

  test('bad onPartial and budgetMs are refused with INVALID_INPUT before any run', async () => {
    for (const options of [
      { onPartial: 'yes' },
      { budgetMs: 0 },
      { budgetMs: Number.NaN },
      { budgetMs: '50' },
      { budgetMs: 50, longPassages: 'windows' },
    ]) {
      await expect(uncached.rankDetailed(KOREAN_QUERY, PASSAGES, options as never)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    }
  });

  test('an empty list gives an empty final report', async () => {
    expect(await uncached.rankDetailed(KOREAN_QUERY, [])).toMatchObject({
      results: [],
      unscored: [],
      scored: 0,
      total: 0,
      final: true,
    });
  });
});

describe('latency budget through the engine', () => {
  test('a budget nothing fits scores the first candidate at the shortest length; the rest stay unscored in order', async () => {
    await uncached.calibrate();
    const documents = [longPassage(8), ...PASSAGES]; // the first is long: cutting it saves time
    const report = await uncached.rankDetailed(KOREAN_QUERY, documents, { budgetMs: 0.001, activation: 'none' });
    expect(report.plan).toMatchObject({ candidates: 1, maxLength: 128 });
    expect(report.results.map((r) => r.index)).toEqual([0]);
    expect(report.unscored).toEqual(documents.map((_, i) => i).slice(1));
    // The one score is the model's at the planned length.
    const [alone] = await uncached.score([[KOREAN_QUERY, documents[0]!]], { activation: 'none', maxLength: 128 });
    expect(Math.abs(report.results[0]!.score - alone!)).toBeLessThan(1e-5);
  });

  test('a generous budget scores everything at full length, as an unbudgeted call', async () => {
    const report = await uncached.rankDetailed(KOREAN_QUERY, PASSAGES, { budgetMs: 1e9 });
    expect(report.plan).toMatchObject({ candidates: PASSAGES.length, maxLength: 512 });
    expect(report.plan!.predictedMs).toBeGreaterThan(0);
    expect(report).toMatchObject({ scored: PASSAGES.length, unscored: [] });
    const plain = await uncached.rank(KOREAN_QUERY, PASSAGES);
    expect(report.results.map((r) => r.index)).toEqual(plain.map((r) => r.index));
  });
});

describe('score cache', () => {
  let cached: Reranker;
  beforeAll(async () => {
    cached = await Reranker.load({ model: folder, dtype: 'fp32' });
  });
  afterAll(() => cached.dispose());

  test('a repeated query is answered from the cache, with the same scores and no model run', async () => {
    const first = await cached.rankDetailed(KOREAN_QUERY, PASSAGES, { batchTokens: BATCH_TOKENS });
    let runs = 0;
    const again = await cached.rankDetailed(KOREAN_QUERY, PASSAGES, {
      batchTokens: BATCH_TOKENS,
      onPartial: () => runs++,
    });
    expect(first.cacheHits).toBe(0);
    expect(again.cacheHits).toBe(PASSAGES.length);
    expect(runs).toBe(0);
    expect(again.results).toEqual(first.results);
    // And the cached scores are the model's: equal to an uncached instance's.
    const reference = await uncached.rankDetailed(KOREAN_QUERY, PASSAGES);
    expect(
      maxAbsDiff(
        again.results.map((r) => r.score),
        reference.results.map((r) => r.score),
      ),
    ).toBeLessThan(1e-6);
  });

  test('a refined list scores only the passages it has not seen; other settings miss', async () => {
    const fresh = ['새로 추가된 문서입니다.', 'Another passage the cache has not seen.'];
    const refined = await cached.rankDetailed(KOREAN_QUERY, [...PASSAGES.slice(0, 4), ...fresh]);
    expect(refined.cacheHits).toBe(4);
    const shorter = await cached.rankDetailed(KOREAN_QUERY, PASSAGES.slice(0, 4), { maxLength: 64 });
    expect(shorter.cacheHits).toBe(0);
    const otherQuery = await cached.rankDetailed(`${KOREAN_QUERY} 자세히`, PASSAGES.slice(0, 4));
    expect(otherQuery.cacheHits).toBe(0);
    // score() shares the cache.
    expect(await cached.score([[KOREAN_QUERY, fresh[0]!]])).toHaveLength(1);
    expect(cached.cacheStats().hits).toBeGreaterThanOrEqual(PASSAGES.length + 4 + 1);
  });

  test('the cache stays within its bounds', async () => {
    const small = await Reranker.load({ model: folder, dtype: 'fp32', scoreCache: { maxEntries: 5 } });
    try {
      await small.rank(KOREAN_QUERY, PASSAGES);
      expect(small.cacheStats().entries).toBe(5);
      const again = await small.rankDetailed(KOREAN_QUERY, PASSAGES);
      // Every pair is looked up before any is scored, so the five kept answer five lookups: exactly 5
      // hits (0 would mean the cache kept nothing usable, more that it outgrew its bound).
      expect(new Set(PASSAGES).size).toBe(PASSAGES.length);
      expect(again.cacheHits).toBe(5);
      expect(again.results).toHaveLength(PASSAGES.length);
      expect(small.cacheStats().entries).toBe(5);
    } finally {
      await small.dispose();
    }
  });
});

describe('focused windows (experimental)', () => {
  test('one row per passage: a short passage scores as truncation; a long one as one of its windows', async () => {
    const answer = KOREAN_PASSAGES[0]!;
    const long = `${longPassage(12)} ${answer}`;
    const documents = [KOREAN_PASSAGES[1]!, long];
    const options = { activation: 'none' as const, maxLength: 96 };
    const truncated = await uncached.score(
      documents.map((d) => [KOREAN_QUERY, d]),
      options,
    );
    const windows = await uncached.score(
      documents.map((d) => [KOREAN_QUERY, d]),
      { ...options, longPassages: 'windows' },
    );
    const focused = await uncached.score(
      documents.map((d) => [KOREAN_QUERY, d]),
      { ...options, longPassages: 'focus' },
    );
    expect(Math.abs(focused[0]! - truncated[0]!)).toBeLessThan(1e-6);
    // A single window can be at most as good as the best of all windows...
    expect(focused[1]!).toBeLessThanOrEqual(windows[1]! + 1e-6);
    // ...and it is not the head: the answer sits at the end.
    expect(Math.abs(focused[1]! - truncated[1]!)).toBeGreaterThan(1e-6);
  });
});
