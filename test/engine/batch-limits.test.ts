/** batchTokens is bounded (issue 10 item 5): one absurd value must not ask the runtime for gigabytes. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { MAX_BATCH_TOKENS } from '../../src/engine/reranker.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';

let reranker: Reranker;
beforeAll(async () => {
  reranker = await Reranker.load({ model: await testModel('tiny-xlmr'), dtype: 'q8' });
});
afterAll(() => reranker.dispose());

test('batchTokens above the bound is refused with INVALID_INPUT before any run; the bound itself works', async () => {
  for (const batchTokens of [1e9, MAX_BATCH_TOKENS + 1]) {
    await expect(reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES, { batchTokens })).rejects.toMatchObject({
      name: 'InvalidInputError',
      code: 'INVALID_INPUT',
      message: expect.stringContaining(`at most ${MAX_BATCH_TOKENS}`),
    });
    await expect(reranker.score([[KOREAN_QUERY, KOREAN_PASSAGES[0]!]], { batchTokens })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  }
  const bounded = await reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES, { batchTokens: MAX_BATCH_TOKENS });
  expect(bounded.map((r) => r.index)).toEqual((await reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES)).map((r) => r.index));
});
