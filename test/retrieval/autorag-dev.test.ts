import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMtebFolder } from '../../src/eval/datasets/mteb.js';
import { evaluateRankings } from '../../src/eval/metrics.js';
import { LexicalIndex } from '../../src/retrieval/index.js';

// Shared development data, not part of the repository: it lives next to the checkout, in
// <repository>/../shared/data/autorag-ko (see its README), and the check runs where it is present.
// AUTORAG_KO_DIR points elsewhere (a git worktree one level deeper, say).
const FOLDER =
  process.env['AUTORAG_KO_DIR'] ?? path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'autorag-ko');

describe.skipIf(!existsSync(FOLDER))('default retrieval on the AutoRAG Korean dev split', () => {
  it('meets the issue targets: NDCG@10 >= 0.93 and Recall@50 = 1', () => {
    const dataset = loadMtebFolder(FOLDER);
    const index = new LexicalIndex();
    index.add(dataset.corpus);
    const rankings = new Map(
      dataset.queries.map((query) => [query.id, index.search(query.text, 50).map((hit) => hit.id)]),
    );
    expect(evaluateRankings(rankings, dataset.qrels, 10).ndcg10).toBeGreaterThanOrEqual(0.93);
    expect(evaluateRankings(rankings, dataset.qrels, 50).recall).toBe(1);
  });
});
