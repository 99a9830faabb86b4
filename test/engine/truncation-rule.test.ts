/** The `truncation` option reaches the model: the rows scored are the ones each rule fits. */
import { AutoTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PairEncoder } from '../../src/engine/pair-encoder.js';
import { Reranker } from '../../src/engine/index.js';
import { ortLogits, padRows } from '../helpers/batches.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, longPassage } from '../helpers/text.js';

let folder: string;
let reranker: Reranker;
beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
  reranker = await Reranker.load({ model: folder, dtype: 'fp32' });
});
afterAll(() => reranker.dispose());

test('longest-first scores the rows Hugging Face would build; passage-first keeps the long query whole', async () => {
  const encoder = new PairEncoder(await AutoTokenizer.from_pretrained(folder));
  const query = longPassage(2);
  const passage = KOREAN_PASSAGES[0]!;
  const [q, p] = [encoder.tokenize(query).length, encoder.tokenize(passage).length];
  expect(p).toBeLessThan(q);
  // A budget where the rules differ: the query is over half of it and the pair does not fit.
  const maxLength = q + Math.floor(p / 2) + encoder.pairSpecialTokens;
  const pairs: Array<[string, string]> = [[query, passage]];
  const options = { maxLength, activation: 'none' as const };
  const [passageFirst] = await reranker.score(pairs, { ...options, truncation: 'passage-first' });
  const [longestFirst] = await reranker.score(pairs, { ...options, truncation: 'longest-first' });
  expect(longestFirst).not.toBeCloseTo(passageFirst!, 5);

  // Independently: the longest-first row (passage whole, query cut) run on the file directly.
  const [row] = encoder.encode(encoder.tokenize(query), encoder.tokenize(passage), maxLength, null, 'longest-first');
  expect(row!.inputIds).toHaveLength(maxLength);
  expect(row!.inputIds.slice(-p - 1, -1)).toEqual(
    encoder.encode([], encoder.tokenize(passage), 512, null)[0]!.inputIds.slice(-p - 1, -1),
  );
  const [direct] = await ortLogits(`${folder}/onnx/model.onnx`, padRows([row!], encoder.padTokenId));
  expect(longestFirst).toBeCloseTo(direct!, 5);
});

test('an unknown rule is refused', async () => {
  await expect(reranker.score([['q', 'p']], { truncation: 'only_second' as never })).rejects.toMatchObject({
    code: 'INVALID_INPUT',
    message: expect.stringMatching(/truncation/),
  });
});
