import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMtebFolder } from '../../src/eval/datasets/mteb.js';
import type { Dataset } from '../../src/eval/datasets/types.js';
import { mineHardNegatives, shortExamples, toJsonl } from '../../src/eval/mine-negatives.js';
import type { RerankFn } from '../../src/eval/run-eval.js';
import { InvalidInputError, LexicalIndex } from '../../src/retrieval/index.js';

// The shared dev split (see test/retrieval/autorag-dev.test.ts): the checks run where it is present.
const FOLDER =
  process.env['AUTORAG_KO_DIR'] ?? path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'autorag-ko');

const positiveIds = (dataset: Dataset, queryId: string): string[] =>
  [...dataset.qrels.get(queryId)!].filter(([, relevance]) => relevance > 0).map(([id]) => id);

describe.skipIf(!existsSync(FOLDER))('mineHardNegatives on the AutoRAG Korean dev split', () => {
  const dataset = loadMtebFolder(FOLDER);

  it('writes one FlagEmbedding line per query: 15 negatives from ranks 2-199, never a positive', async () => {
    const { examples } = await mineHardNegatives(dataset);
    expect(examples).toHaveLength(dataset.queries.length);
    // Independent reference: a whole-document index ranks the documents each negative came from.
    const whole = new LexicalIndex({ passages: null });
    whole.add(dataset.corpus);
    const lines = toJsonl(examples).trimEnd().split('\n');
    expect(lines).toHaveLength(examples.length);
    lines.forEach((line, i) => {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(parsed).sort()).toEqual(['neg', 'pos', 'query']);
      const query = dataset.queries[i]!;
      expect(parsed.query).toBe(query.text);
      const example = examples[i]!;
      expect(example.neg).toHaveLength(15);
      expect(new Set(example.neg).size).toBe(15); // no duplicates
      const positives = positiveIds(dataset, query.id).map((id) => dataset.corpus.find((doc) => doc.id === id)!.text);
      expect(example.pos).toHaveLength(positives.length);
      example.pos.forEach((passage, p) => expect(positives[p]).toContain(passage));
      const ranked = new Set(whole.search(query.text, 1000).map((hit) => hit.id));
      for (const negative of example.neg) {
        expect(example.pos).not.toContain(negative);
        expect(positives).not.toContain(negative);
        // It comes from a matched document that is not a positive.
        const sources = dataset.corpus.filter((doc) => doc.text.includes(negative)).map((doc) => doc.id);
        expect(sources.some((id) => ranked.has(id) && !positiveIds(dataset, query.id).includes(id))).toBe(true);
      }
    });
  });

  it('is reproducible for a seed and samples differently for another', async () => {
    const first = await mineHardNegatives(dataset, { seed: 7, maxQueries: 10 });
    const again = await mineHardNegatives(dataset, { seed: 7, maxQueries: 10 });
    const other = await mineHardNegatives(dataset, { seed: 8, maxQueries: 10 });
    expect(toJsonl(again.examples)).toBe(toJsonl(first.examples));
    expect(toJsonl(other.examples)).not.toBe(toJsonl(first.examples));
    expect(first.examples).toHaveLength(10);
  });

  it('samples only from the rank range it is given (whole documents: exact ranks)', async () => {
    const options = { index: { passages: null }, range: [5, 12] as [number, number], negatives: 4 };
    const { examples } = await mineHardNegatives(dataset, options);
    const index = new LexicalIndex({ passages: null });
    index.add(dataset.corpus);
    const textOf = new Map(dataset.corpus.map((doc) => [doc.id, doc.text]));
    examples.forEach((example, i) => {
      const allowed = index
        .search(dataset.queries[i]!.text, 12)
        .slice(5)
        .map((hit) => textOf.get(hit.id));
      expect(example.neg.length).toBe(4);
      for (const negative of example.neg) expect(allowed).toContain(negative);
    });
  });
});

describe('mineHardNegatives, small cases', () => {
  const docs = ['은행 금리 인상', '은행 금리 동결', '은행 대출 금리', '은행 예금 금리', '은행 금리 전망', '날씨 맑음'];
  const dataset: Dataset = {
    format: 'mteb',
    corpus: [...docs.map((text, i) => ({ id: `d${i}`, text })), { id: 'copy', text: '은행 금리 동결' }],
    queries: [
      { id: 'q', text: '은행 금리' },
      { id: 'none', text: '판단 없음' },
    ],
    qrels: new Map([['q', new Map([['d0', 1]])]]),
    skipped: [],
  };

  it('never repeats a text under two ids, and leaves out queries without a positive', async () => {
    const result = await mineHardNegatives(dataset, { range: [0, 10], negatives: 10 });
    expect(result.withoutPositives).toBe(1);
    expect(result.examples).toHaveLength(1);
    const neg = result.examples[0]!.neg;
    expect(neg.sort()).toEqual(['은행 금리 동결', '은행 대출 금리', '은행 예금 금리', '은행 금리 전망'].sort());
    expect(shortExamples(result.examples, 5)).toEqual([]);
    expect(shortExamples(result.examples, 6)).toEqual([0]);
  });

  it('tops up a short line with random passages when asked, never with a positive', async () => {
    const filled = await mineHardNegatives(dataset, { range: [0, 10], negatives: 5, fillRandom: true });
    const neg = filled.examples[0]!.neg;
    // Four retrieved, plus the one text the first stage did not retrieve.
    expect(neg).toHaveLength(5);
    expect(neg).toContain('날씨 맑음');
    expect(neg).not.toContain('은행 금리 인상');
    // Nothing is left to draw beyond that: the line stays short rather than repeating a text.
    const more = await mineHardNegatives(dataset, { range: [0, 10], negatives: 8, fillRandom: true });
    expect(more.examples[0]!.neg).toHaveLength(5);
    // The same with whole documents.
    const whole = await mineHardNegatives(dataset, {
      range: [0, 10],
      negatives: 5,
      fillRandom: true,
      index: { passages: null },
    });
    expect(whole.examples[0]!.neg).toContain('날씨 맑음');
  });

  it('drops candidates a reranker scores near the positive, and asks it only about what it needs', async () => {
    const asked: string[] = [];
    // Probabilities: the positive 0.9, '전망' 0.88 (a likely false negative), the rest 0.1.
    const logit = (p: number) => Math.log(p / (1 - p));
    const rerank: RerankFn = async (_query, texts) => {
      asked.push(...texts);
      return texts.map((text, index) => ({
        index,
        score: logit(text === '은행 금리 인상' ? 0.9 : text.includes('전망') ? 0.88 : 0.1),
      }));
    };
    const result = await mineHardNegatives(dataset, { range: [0, 10], negatives: 4, filter: { rerank } });
    expect(result.examples[0]!.neg.sort()).toEqual(['은행 금리 동결', '은행 대출 금리', '은행 예금 금리'].sort());
    expect(result.filteredOut).toBe(1);
    // The positive once, then one batch of the 4 candidates.
    expect(asked).toHaveLength(1 + 4);
    // With a ratio above 0.88 / 0.9 it stays a candidate.
    const loose = await mineHardNegatives(dataset, { range: [0, 10], negatives: 4, filter: { rerank, ratio: 0.99 } });
    expect(loose.examples[0]!.neg).toContain('은행 금리 전망');
    expect(loose.filteredOut).toBe(0);
  });

  it('rejects bad options with typed errors', async () => {
    await expect(mineHardNegatives(dataset, { range: [5, 5] })).rejects.toThrow(InvalidInputError);
    await expect(mineHardNegatives(dataset, { seed: 1.5 })).rejects.toThrow(InvalidInputError);
    await expect(mineHardNegatives(dataset, { negatives: 0 })).rejects.toThrow(RangeError);
  });
});
