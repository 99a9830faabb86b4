import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/eval/datasets/index.js';
import type { Dataset } from '../../src/eval/datasets/types.js';
import { FIRST_STAGE_NAME, runEvaluation, type RerankerEntry, type RerankFn } from '../../src/eval/run-eval.js';

const fixture = (name: string): string => join(import.meta.dirname, 'fixtures', name);

/** Deterministic fake: the later a document was handed over, the higher its score (reverses the list). */
const reverse: RerankFn = async (_query, documents) => documents.map((_, index) => ({ index, score: index })).reverse();
/** Deterministic fake that cannot tell documents apart. */
const flat: RerankFn = async (_query, documents) => documents.map((_, index) => ({ index, score: 0 }));

const metricsOf = (row: { hitRate: number; mrr: number; ndcg10: number; recall: number }) => [
  row.hitRate,
  row.mrr,
  row.ndcg10,
  row.recall,
];
// IDCG of q3 in mteb-small (d4 rel 2, d2 rel 1): 2 + 1/log2(3) = 2.630930
const IDCG_Q3 = 2 + 1 / Math.log2(3);

describe('runEvaluation on the small MTEB fixture', () => {
  // Corpus d1 "alpha beta", d2 "alpha gamma", d3 "delta", d4 "epsilon alpha", d5 "zeta".
  // First stage (BM25): q1 "delta" -> [d3]; q2 "zeta omega" -> [d5]; q3 "alpha" -> d1, d2, d4 tie
  // (same tf, same length) and keep insertion order [d1, d2, d4]. q4 has no qrels and is left out.
  const dataset = loadDataset(fixture('mteb-small'));

  it('computes the first-stage row by hand', async () => {
    const report = await runEvaluation(dataset, { k: 2 });
    expect(report.queries).toBe(3);
    expect(report.unjudgedQueries).toBe(1);
    expect(report.rows.map((row) => row.name)).toEqual([FIRST_STAGE_NAME]);
    // q1 (rel d3 at 1): hit 1, rr 1, ndcg 1, recall 1
    // q2 (rel d1, never retrieved): all 0
    // q3 @2 = [d1, d2]: hit 1, rr 1/2, recall 1/2 (d2 of {d4, d2});
    //    ndcg@10 over [d1, d2, d4] = (1/log2(3) + 2/log2(4)) / IDCG = 1.630930 / 2.630930 = 0.619906
    const q3Ndcg = (1 / Math.log2(3) + 2 / 2) / IDCG_Q3;
    const [hit, mrr, ndcg, recall] = metricsOf(report.rows[0]!);
    expect(hit).toBeCloseTo(2 / 3, 12);
    expect(mrr).toBeCloseTo(1.5 / 3, 12);
    expect(ndcg).toBeCloseTo((1 + q3Ndcg) / 3, 12);
    expect(q3Ndcg).toBeCloseTo(0.619906, 6);
    expect(recall).toBeCloseTo(1.5 / 3, 12);
    // Recall over the 50 candidates: q1 1, q2 0, q3 1 -> 2/3
    expect(report.candidateRecall).toBeCloseTo(2 / 3, 12);
  });

  it('reranks the candidates with a fake scorer', async () => {
    const report = await runEvaluation(dataset, { k: 2, rerankers: [{ name: 'reverse', rerank: reverse }] });
    // q3 candidates [d1, d2, d4] reversed -> [d4, d2, d1]: the ideal order, so all four metrics are 1.
    // q1 [d3] stays 1s, q2 [d5] stays 0s -> every mean is 2/3.
    expect(report.rows[1]!.name).toBe('reverse');
    for (const value of metricsOf(report.rows[1]!)) expect(value).toBeCloseTo(2 / 3, 12);
  });

  it('hands rerankers only the top candidates and keeps the rest after them', async () => {
    const seen: number[] = [];
    const spy: RerankFn = async (query, documents) => {
      seen.push(documents.length);
      return reverse(query, documents);
    };
    const report = await runEvaluation(dataset, { k: 2, candidates: 2, rerankers: [{ name: 'reverse', rerank: spy }] });
    expect(seen).toEqual([1, 1, 2]);
    // q3: [d1, d2] reversed -> [d2, d1], then d4 from the first stage (it retrieves at least 10): [d2, d1, d4]
    //   @2: hit 1, rr 1, recall 1/2; ndcg = (1 + 2/log2(4)) / IDCG = 2 / 2.630930 = 0.760190
    const [hit, mrr, ndcg, recall] = metricsOf(report.rows[1]!);
    expect(hit).toBeCloseTo(2 / 3, 12);
    expect(mrr).toBeCloseTo(2 / 3, 12);
    expect(ndcg).toBeCloseTo((1 + 2 / IDCG_Q3) / 3, 12);
    expect(recall).toBeCloseTo(1.5 / 3, 12);
    // Only d2 of q3's relevant docs is among the 2 candidates: (1 + 0 + 1/2) / 3
    expect(report.candidateRecall).toBeCloseTo(1.5 / 3, 12);
  });

  it('breaks reranker ties by first-stage order', async () => {
    const report = await runEvaluation(dataset, { k: 2, rerankers: [{ name: 'flat', rerank: flat }] });
    expect(metricsOf(report.rows[1]!)).toEqual(metricsOf(report.rows[0]!));
  });

  it('puts candidates a reranker did not return after the ones it did', async () => {
    const topOne: RerankFn = async (query, documents) => (await reverse(query, documents)).slice(0, 1);
    const report = await runEvaluation(dataset, { k: 2, rerankers: [{ name: 'top1', rerank: topOne }] });
    // q3: returned [d4], then [d1, d2] in first-stage order -> [d4, d1, d2]
    //   @2: hit 1, rr 1, recall 1/2; ndcg = (2 + 1/log2(4)) / IDCG = 2.5 / 2.630930
    const [hit, mrr, ndcg, recall] = metricsOf(report.rows[1]!);
    expect([hit, mrr]).toEqual([2 / 3, 2 / 3]);
    expect(ndcg).toBeCloseTo((1 + 2.5 / IDCG_Q3) / 3, 12);
    expect(recall).toBeCloseTo(1.5 / 3, 12);
  });

  it('prepares each reranker just before its pass and releases it after, even on failure', async () => {
    const log: string[] = [];
    const entry = (name: string, fail = false): RerankerEntry => ({
      name,
      prepare: async () => void log.push(`prepare ${name}`),
      release: async () => void log.push(`release ${name}`),
      rerank: async (query, documents) => {
        log.push(`rank ${name}`);
        if (fail) throw new Error('model crashed');
        return reverse(query, documents);
      },
    });
    await runEvaluation(dataset, { rerankers: [entry('a'), entry('b')] });
    expect(log).toEqual([
      'prepare a',
      'rank a',
      'rank a',
      'rank a',
      'release a',
      'prepare b',
      'rank b',
      'rank b',
      'rank b',
      'release b',
    ]);
    log.length = 0;
    await expect(runEvaluation(dataset, { rerankers: [entry('c', true)] })).rejects.toThrow('model crashed');
    expect(log).toEqual(['prepare c', 'rank c', 'release c']);
  });

  it('rejects a reranker that returns bad indices', async () => {
    const bad = (results: unknown): RerankerEntry => ({ name: 'bad', rerank: async () => results as [] });
    await expect(runEvaluation(dataset, { rerankers: [bad([{ index: 5, score: 1 }])] })).rejects.toThrow(
      /bad or repeated index 5/,
    );
    await expect(
      runEvaluation(dataset, {
        rerankers: [
          bad([
            { index: 0, score: 1 },
            { index: 0, score: 2 },
          ]),
        ],
      }),
    ).rejects.toThrow(/repeated/);
    await expect(runEvaluation(dataset, { rerankers: [bad({})] })).rejects.toThrow(/array/);
  });

  it('times ranking per query with the injected clock and reports progress per stage', async () => {
    let now = 0;
    const clock = () => (now += 5);
    const events: string[] = [];
    const report = await runEvaluation(dataset, {
      clock,
      rerankers: [{ name: 'reverse', rerank: reverse }],
      onProgress: ({ stage, done, total }) => events.push(`${stage} ${done}/${total}`),
    });
    // Every timed span is one clock step (5 ms): index build once, each query once per row.
    expect(report.indexMs).toBe(5);
    expect(report.rows.map((row) => row.msPerQuery)).toEqual([5, 5]);
    expect(events).toEqual([
      'index 5/5',
      'first stage 1/3',
      'first stage 2/3',
      'first stage 3/3',
      'reverse 1/3',
      'reverse 2/3',
      'reverse 3/3',
    ]);
  });

  it('limits the queries evaluated', async () => {
    const report = await runEvaluation(dataset, { maxQueries: 1 });
    expect(report.queries).toBe(1);
    expect(metricsOf(report.rows[0]!)).toEqual([1, 1, 1, 1]);
  });

  it('rejects bad options', async () => {
    await expect(runEvaluation(dataset, { candidates: 0 })).rejects.toThrow(RangeError);
    await expect(runEvaluation(dataset, { k: 2.5 })).rejects.toThrow(RangeError);
  });
});

describe('runEvaluation on the card CSV fixture', () => {
  it('computes the first-stage row by hand', async () => {
    // Corpus in row order: d3 "delta", d4 "epsilon alpha", d2 "alpha gamma", d1 "alpha beta",
    // d5 'zeta "quoted" / second line'.
    // q1 "delta?" -> [d3]: all 1.
    // q2 "alpha, please" (rel d4, d2) -> d4, d2, d1 tie -> [d4, d2, d1]: all 1 at k 2.
    // q3 "zeta omega" (rel d1) -> [d5]: all 0.
    const report = await runEvaluation(loadDataset(fixture('card.csv')), { k: 2 });
    for (const value of metricsOf(report.rows[0]!)) expect(value).toBeCloseTo(2 / 3, 12);
  });
});

describe('runEvaluation on the FlagEmbedding fixture', () => {
  const dataset = loadDataset(fixture('flag.jsonl'));

  it('ranks each query within its own list by BM25', async () => {
    const report = await runEvaluation(dataset, {
      k: 2,
      candidates: 1,
      rerankers: [{ name: 'reverse', rerank: reverse }],
    });
    expect(report.candidateListQueries).toBe(2);
    // q1 "alpha": list [alpha beta, alpha gamma, delta, epsilon alpha]; the three alpha docs tie
    //   (tf 1, length 2) and keep list order, delta scores 0: [alpha beta, alpha gamma, epsilon alpha, delta]
    //   relevant "epsilon alpha" at 3 -> @2: hit 0, rr 0, recall 0; ndcg = 1/log2(4) = 0.5
    // q3 "zeta": [zeta, delta] -> all 1
    const [hit, mrr, ndcg, recall] = metricsOf(report.rows[0]!);
    expect([hit, mrr, recall]).toEqual([0.5, 0.5, 0.5]);
    expect(ndcg).toBeCloseTo(0.75, 12);
    // The whole list goes to the reranker whatever --candidates says, so recall over it is 1.
    expect(report.candidateRecall).toBe(1);
    // Reversed: q1 [delta, epsilon alpha, alpha gamma, alpha beta] -> relevant at 2;
    //   q3 [delta, zeta] -> relevant at 2. Both: hit 1, rr 1/2, recall 1, ndcg 1/log2(3) = 0.630930
    const reranked = metricsOf(report.rows[1]!);
    expect(reranked[0]).toBe(1);
    expect(reranked[1]).toBe(0.5);
    expect(reranked[2]).toBeCloseTo(1 / Math.log2(3), 12);
    expect(reranked[3]).toBe(1);
  });
});

describe('runEvaluation with passage indexing', () => {
  const filler = (n: number): string =>
    Array.from({ length: n }, (_, i) => `${i}번 문단은 회의 자료의 배포와 보고 일정을 설명한다.`).join(' ');
  const topic = '지방은행이 시중은행으로 전환하려면 인가를 받아야 한다.';
  const long = `${filler(30)} ${topic} ${filler(30)}`;
  const dataset: Dataset = {
    format: 'mteb',
    corpus: [
      { id: 'long', text: long },
      { id: 'short', text: '은행 인가 안내' },
    ],
    queries: [{ id: 'q', text: '시중은행 전환 인가' }],
    qrels: new Map([['q', new Map([['long', 1]])]]),
    skipped: [],
  };

  it("hands rerankers each candidate's best passage, not the head of the document", async () => {
    const read: string[][] = [];
    const spy: RerankFn = async (query, documents) => {
      read.push(documents);
      return reverse(query, documents);
    };
    const report = await runEvaluation(dataset, {
      index: { passages: { maxTokens: 60, overlapTokens: 10 } },
      rerankers: [{ name: 'spy', rerank: spy }],
    });
    expect(report.passages).toEqual({ maxTokens: 60, overlapTokens: 10 });
    expect(report.rows[0]!.hitRate).toBe(1);
    const longText = read[0]!.find((text) => text.includes(topic))!;
    expect(long).toContain(longText);
    expect(longText.length).toBeLessThan(long.length / 2);
    expect(long.startsWith(longText)).toBe(false);
    expect(read[0]).toContain('은행 인가 안내');
  });

  it('hands whole documents without passage indexing', async () => {
    const read: string[][] = [];
    const spy: RerankFn = async (query, documents) => {
      read.push(documents);
      return reverse(query, documents);
    };
    const report = await runEvaluation(dataset, {
      index: { passages: null },
      rerankers: [{ name: 'spy', rerank: spy }],
    });
    expect(report.passages).toBeNull();
    expect(read[0]).toContain(long);
  });
});
