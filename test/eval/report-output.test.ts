import { describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../src/eval/progress.js';
import type { EvalReport } from '../../src/eval/run-eval.js';
import { formatReport } from '../../src/eval/table.js';

const fakeStream = (isTTY: boolean) => {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (chunk: string) => chunks.push(chunk) } };
};

describe('createProgressReporter', () => {
  it('redraws one bar per stage on a terminal', () => {
    const { chunks, stream } = fakeStream(true);
    const report = createProgressReporter(stream);
    report({ stage: 'first stage', done: 1, total: 2 });
    report({ stage: 'first stage', done: 2, total: 2 });
    expect(chunks).toEqual([
      `\rfirst stage [${'#'.repeat(15)}${'-'.repeat(15)}] 1/2`,
      `\rfirst stage [${'#'.repeat(30)}] 2/2\n`,
    ]);
  });

  it('writes a plain line per tenth, and the last one once, elsewhere', () => {
    const { chunks, stream } = fakeStream(false);
    const report = createProgressReporter(stream);
    for (let done = 1; done <= 25; done++) report({ stage: 'model', done, total: 25 });
    report({ stage: 'model', done: 25, total: 25 });
    report({ stage: 'next', done: 1, total: 1 });
    // tenths reached at 1 (0), 3 (1), 5 (2), 8 (3), 10 (4), 13 (5), 15 (6), 18 (7), 20 (8), 23 (9), then 25
    expect(chunks.join('')).toBe(
      [1, 3, 5, 8, 10, 13, 15, 18, 20, 23, 25].map((done) => `model: ${done}/25\n`).join('') + 'next: 1/1\n',
    );
  });
});

describe('formatReport', () => {
  const report: EvalReport = {
    format: 'mteb',
    corpusSize: 720,
    queries: 61,
    unjudgedQueries: 2,
    candidateListQueries: 0,
    k: 5,
    candidates: 50,
    candidateRecall: 1,
    passages: { maxTokens: 384, overlapTokens: 96 },
    indexMs: 123.4,
    skippedRows: 0,
    rows: [
      {
        name: 'first stage (BM25)',
        queries: 61,
        k: 5,
        hitRate: 1,
        mrr: 0.95136,
        ndcg10: 0.9636,
        recall: 0.98,
        msPerQuery: 0.268,
      },
      {
        name: 'models/ko-reranker',
        queries: 61,
        k: 5,
        hitRate: 1,
        mrr: 0.9,
        ndcg10: 0.91,
        recall: 1,
        msPerQuery: 812.25,
      },
    ],
  };

  it('prints the card table with k in the headers and one row per ranker', () => {
    const lines = formatReport(report).split('\n');
    expect(lines[0]).toBe('mteb dataset: 720 passages, 61 queries evaluated (2 without relevant passages left out)');
    expect(lines).toContain('| ranker | hitRate@5 | MRR@5 | NDCG@10 | Recall@5 | ms/query |');
    expect(lines).toContain('| first stage (BM25) | 1.000 | 0.951 | 0.964 | 0.980 | 0.3 |');
    expect(lines).toContain('| models/ko-reranker | 1.000 | 0.900 | 0.910 | 1.000 | 812.3 |');
    expect(lines).toContain('First-stage Recall@50 (the most a reranker of the top 50 can reach): 1.000');
    expect(lines).toContain(
      "Documents indexed as passages of up to 384 tokens (overlap 96); rerankers read each candidate's best passage.",
    );
    expect(formatReport({ ...report, passages: null })).toContain('Documents indexed whole');
  });
});
