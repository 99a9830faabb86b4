/** The engine end to end in Node: transformers.js + onnxruntime-node on a generated model. */
import { AutoTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidInputError, LimitExceededError, Reranker, type RerankerError } from '../../src/engine/index.js';
import { PairEncoder } from '../../src/engine/pair-encoder.js';
import { PRESETS } from '../../src/model-builder/presets.js';
import { randomWeights } from '../../src/model-builder/random-weights.js';
import { shapeFor } from '../../src/model-builder/write-model.js';
import { referenceLogits } from '../../src/reference/forward.js';
import { maxAbsDiff, padRows } from '../helpers/batches.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';

const SEED = 7;
const PASSAGES = [...KOREAN_PASSAGES, ...ENGLISH_PASSAGES];

describe.each(['tiny-xlmr', 'tiny-bert'] as const)('Reranker on %s', (preset) => {
  let reranker: Reranker;
  let folder: string;
  beforeAll(async () => {
    folder = await testModel(preset, SEED);
    reranker = await Reranker.load({
      model: folder,
      dtype: 'fp32',
      maxDocuments: 50,
      maxCharacters: 5000,
      scoreCache: false,
    }); // no cache: the tests compare calls
  });
  afterAll(() => reranker.dispose());

  test('reports the model it loaded', () => {
    expect(reranker.info).toMatchObject({
      model: folder,
      dtype: 'fp32',
      architecture: preset === 'tiny-xlmr' ? 'XLMRobertaForSequenceClassification' : 'BertForSequenceClassification',
      maxLength: 512,
      generatedBy: expect.stringContaining('random weights'),
    });
  });

  test('raw logits equal the float64 reference on the same pairs (1e-4)', async () => {
    const logits = await reranker.score(
      PASSAGES.map((p) => [KOREAN_QUERY, p]),
      { activation: 'none' },
    );
    const encoder = new PairEncoder(await AutoTokenizer.from_pretrained(folder));
    const rows = PASSAGES.flatMap((p) =>
      encoder.encode(encoder.tokenize(KOREAN_QUERY), encoder.tokenize(p), 512, null),
    );
    const { shape } = shapeFor(PRESETS[preset]);
    const expected = referenceLogits(shape, randomWeights(shape, SEED), padRows(rows, encoder.padTokenId));
    expect(logits).toHaveLength(PASSAGES.length);
    expect(maxAbsDiff(logits, expected)).toBeLessThan(1e-4);
  });

  test('rank: every document once, best first, in the caller index space, with sigmoid scores', async () => {
    const logits = await reranker.score(
      PASSAGES.map((p) => [KOREAN_QUERY, p]),
      { activation: 'none' },
    );
    const ranked = await reranker.rank(KOREAN_QUERY, PASSAGES);
    expect(ranked.map((r) => r.index).sort((a, b) => a - b)).toEqual(PASSAGES.map((_, i) => i));
    for (const { index, score } of ranked) expect(score).toBeCloseTo(1 / (1 + Math.exp(-logits[index]!)), 6);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1]!.score).toBeGreaterThanOrEqual(ranked[i]!.score);
    expect(ranked[0]!.index).toBe(logits.indexOf(Math.max(...logits)));
  });

  test('topK, returnDocuments and softmax across the list', async () => {
    const top = await reranker.rank(KOREAN_QUERY, PASSAGES, { topK: 3, returnDocuments: true, activation: 'softmax' });
    expect(top).toHaveLength(3);
    for (const r of top) expect(r.document).toBe(PASSAGES[r.index]);
    const all = await reranker.rank(KOREAN_QUERY, PASSAGES, { activation: 'softmax' });
    expect(all.reduce((s, r) => s + r.score, 0)).toBeCloseTo(1, 10);
    expect(top.map((r) => r.index)).toEqual(all.slice(0, 3).map((r) => r.index));
    expect(all[0]).not.toHaveProperty('document');
  });

  test('batch size does not change scores (padding is masked)', async () => {
    const documents = [...PASSAGES, longPassage(5), longPassage(20)];
    const oneBatch = await reranker.score(
      documents.map((d) => [KOREAN_QUERY, d]),
      { activation: 'none', batchTokens: 65_536 },
    );
    const tinyBatches = await reranker.score(
      documents.map((d) => [KOREAN_QUERY, d]),
      { activation: 'none', batchTokens: 64 },
    );
    expect(oneBatch).toHaveLength(documents.length);
    expect(maxAbsDiff(oneBatch, tinyBatches)).toBeLessThan(1e-5);
  });

  test('windows score a long passage by its best window; short passages are unchanged', async () => {
    const documents = [
      ENGLISH_PASSAGES[2]!,
      longPassage(30),
      longPassage(45),
      `${longPassage(30)} ${ENGLISH_PASSAGES[1]}`,
    ];
    const truncated = await reranker.score(
      documents.map((d) => [KOREAN_QUERY, d]),
      { activation: 'none', maxLength: 96 },
    );
    const windowed = await reranker.score(
      documents.map((d) => [KOREAN_QUERY, d]),
      { activation: 'none', maxLength: 96, longPassages: 'windows' },
    );
    expect(Math.abs(windowed[0]! - truncated[0]!)).toBeLessThan(1e-6);
    // The first window is the truncated passage, so the best window can only be as good or better...
    windowed.forEach((w, i) => expect(w).toBeGreaterThanOrEqual(truncated[i]! - 1e-6));
    // ...and other windows really were scored.
    expect(windowed.slice(1).some((w, i) => w > truncated[i + 1]! + 1e-4)).toBe(true);
  });

  test('an empty list gives [] and duplicate documents tie in input order', async () => {
    expect(await reranker.rank(KOREAN_QUERY, [])).toEqual([]);
    const ranked = await reranker.rank(KOREAN_QUERY, [PASSAGES[1]!, PASSAGES[1]!, PASSAGES[1]!]);
    expect(ranked.map((r) => r.index)).toEqual([0, 1, 2]);
  });

  test('concurrent calls are queued and each gets its own answer', async () => {
    const [a, b] = await Promise.all([
      reranker.score([[KOREAN_QUERY, PASSAGES[0]!]], { activation: 'none' }),
      reranker.score([[KOREAN_QUERY, PASSAGES[2]!]], { activation: 'none' }),
    ]);
    const [a2] = await reranker.score([[KOREAN_QUERY, PASSAGES[0]!]], { activation: 'none' });
    expect(a![0]).toBeCloseTo(a2!, 6);
    expect(b![0]).not.toBeCloseTo(a2!, 6);
  });

  test('bad input gives typed errors that name the problem, and the reranker keeps working', async () => {
    const bad: Array<[() => Promise<unknown>, typeof RerankerError, RegExp]> = [
      [() => reranker.rank('', PASSAGES), InvalidInputError, /query is empty/],
      [() => reranker.rank('   ', PASSAGES), InvalidInputError, /query is empty/],
      [() => reranker.rank(42 as unknown as string, PASSAGES), InvalidInputError, /query must be a string, got number/],
      [
        () => reranker.rank(KOREAN_QUERY, 'text' as unknown as string[]),
        InvalidInputError,
        /documents must be an array/,
      ],
      [
        () => reranker.rank(KOREAN_QUERY, ['ok', null as unknown as string]),
        InvalidInputError,
        /documents\[1\] must be a string, got null/,
      ],
      [
        () => reranker.rank(KOREAN_QUERY, Array(51).fill('x')),
        LimitExceededError,
        /51 documents is more than the limit of 50/,
      ],
      [
        () => reranker.rank(KOREAN_QUERY, ['ok', 'x'.repeat(5001)]),
        LimitExceededError,
        /documents\[1\] has 5001 characters/,
      ],
      [
        () => reranker.rank(KOREAN_QUERY, PASSAGES, { topK: 0 }),
        InvalidInputError,
        /topK must be an integer of at least 1/,
      ],
      [
        () => reranker.rank(KOREAN_QUERY, PASSAGES, { maxLength: 3 }),
        InvalidInputError,
        /maxLength must be an integer/,
      ],
      [
        () => reranker.rank(KOREAN_QUERY, PASSAGES, { activation: 'relu' as 'none' }),
        InvalidInputError,
        /activation must be one of sigmoid, none, softmax/,
      ],
      [
        () => reranker.score([[KOREAN_QUERY]] as unknown as Array<[string, string]>),
        InvalidInputError,
        /pairs\[0\] must be a \[query, passage\]/,
      ],
      [() => reranker.score([['', 'x']]), InvalidInputError, /pairs\[0\]: query is empty/],
    ];
    for (const [call, type, message] of bad) {
      const error = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, String(message)).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    }
    expect(await reranker.rank(KOREAN_QUERY, PASSAGES.slice(0, 2))).toHaveLength(2);
  });
});

test('a disposed reranker refuses work with a typed error', async () => {
  const reranker = await Reranker.load({ model: await testModel('tiny-xlmr', SEED) });
  await reranker.dispose();
  await expect(reranker.rank('질문', ['문서'])).rejects.toMatchObject({ code: 'DISPOSED' });
});

test('fp16 and q8 files load through the engine and rank close to fp32', async () => {
  const folder = await testModel('tiny-xlmr', SEED);
  const scores: Record<string, number[]> = {};
  for (const dtype of ['fp32', 'fp16', 'q8'] as const) {
    const reranker = await Reranker.load({ model: folder, dtype });
    expect(reranker.info.dtype).toBe(dtype);
    scores[dtype] = await reranker.score(
      PASSAGES.map((p) => [KOREAN_QUERY, p]),
      { activation: 'none' },
    );
    await reranker.dispose();
  }
  expect(scores['fp32']).toHaveLength(PASSAGES.length);
  expect(maxAbsDiff(scores['fp16']!, scores['fp32']!)).toBeLessThan(5e-3);
  expect(maxAbsDiff(scores['q8']!, scores['fp32']!)).toBeLessThan(0.1);
  expect(maxAbsDiff(scores['q8']!, scores['fp32']!)).toBeGreaterThan(0); // really a different file
});
