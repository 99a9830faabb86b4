// data/ko-sample is the evaluation set a fresh clone can run (docs/retrieval-and-eval.md). Its corpus is
// the demo's sample corpus written out, so the two must not drift apart; its judgements must load.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE_CORPUS } from '../../src/demo/sample-corpus-data.js';
import { loadDataset } from '../../src/eval/datasets/index.js';
import { runEvaluation } from '../../src/eval/run-eval.js';

const FOLDER = path.resolve(import.meta.dirname, '../../data/ko-sample');

describe('data/ko-sample', () => {
  it('holds the demo sample corpus, passage for passage', () => {
    const lines = readFileSync(path.join(FOLDER, 'corpus.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(
      SAMPLE_CORPUS.map(({ id, title, text }) => ({ id, title, text })),
    );
  });

  it('loads as an MTEB folder whose every query has a relevant passage, and BM25 finds most of them', async () => {
    const dataset = loadDataset(FOLDER);
    expect(dataset.format).toBe('mteb');
    expect(dataset.queries.length).toBeGreaterThanOrEqual(20);
    const report = await runEvaluation(dataset, { k: 10 });
    expect(report.unjudgedQueries).toBe(0);
    // Not a tuned figure: a set whose judgements pointed at the wrong passages would sit near 0.
    expect(report.rows[0]!.recall).toBeGreaterThan(0.5);
  });
});
