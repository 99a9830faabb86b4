/** The `truncation` option reaches the model: the rows scored are the ones each rule fits. */
import { AutoTokenizer, type Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { ortLogits } from '../helpers/batches.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, longPassage } from '../helpers/text.js';

let folder: string;
let reranker: Reranker;
beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
  reranker = await Reranker.load({ model: folder, dtype: 'fp32' });
});
afterAll(() => reranker.dispose());

/** Hugging Face's `longest_first` by its definition: one token at a time off the longer side (the pair on a tie). */
function longestFirstByDefinition(query: number, passage: number, budget: number): [number, number] {
  while (query + passage > budget) {
    if (query > passage) query--;
    else passage--;
  }
  return [query, passage];
}

test('longest-first scores the rows Hugging Face would build; passage-first keeps the long query whole', async () => {
  // The expectation comes from transformers.js's own tokenizer and pair template, not from PairEncoder.
  const tokenizer = await AutoTokenizer.from_pretrained(folder);
  const query = longPassage(2);
  const passage = KOREAN_PASSAGES[0]!;
  const q = tokenizer.encode(query, { add_special_tokens: false }).length;
  const p = tokenizer.encode(passage, { add_special_tokens: false }).length;
  const whole = Array.from(
    (tokenizer(query, { text_pair: passage }).input_ids as Tensor).data as BigInt64Array,
    Number,
  );
  const special = whole.length - q - p; // <s> q </s></s> p </s> for XLM-R
  expect(special).toBe(4);
  expect(p).toBeLessThan(q);
  // A budget where the rules differ: the query is over half of it and the pair does not fit.
  const maxLength = q + Math.floor(p / 2) + special;
  const pairs: Array<[string, string]> = [[query, passage]];
  const options = { maxLength, activation: 'none' as const };
  const [passageFirst] = await reranker.score(pairs, { ...options, truncation: 'passage-first' });
  const [longestFirst] = await reranker.score(pairs, { ...options, truncation: 'longest-first' });
  expect(longestFirst).not.toBeCloseTo(passageFirst!, 5);

  // The longest-first row: the whole pair's ids with the query cut to what the definition keeps.
  const [keepQuery, keepPassage] = longestFirstByDefinition(q, p, maxLength - special);
  expect(keepPassage).toBe(p); // this budget cuts the query only
  const longestFirstRow = [...whole.slice(0, 1 + keepQuery), ...whole.slice(1 + q)];
  // The passage-first row: the query whole, the passage cut to the rest, its closing </s> kept.
  const passageFirstRow = [...whole.slice(0, 1 + q + 2 + (maxLength - special - q)), whole.at(-1)!];
  const rows = [longestFirstRow, passageFirstRow];
  for (const row of rows) expect(row).toHaveLength(maxLength);
  const batch = {
    inputIds: rows,
    attentionMask: rows.map((r) => r.map(() => 1)),
    tokenTypeIds: rows.map((r) => r.map(() => 0)),
  };
  const direct = await ortLogits(`${folder}/onnx/model.onnx`, batch);
  expect(longestFirst).toBeCloseTo(direct[0]!, 5);
  expect(passageFirst).toBeCloseTo(direct[1]!, 5);
});

test('an unknown rule is refused', async () => {
  await expect(reranker.score([['q', 'p']], { truncation: 'only_second' as never })).rejects.toMatchObject({
    code: 'INVALID_INPUT',
    message: expect.stringMatching(/truncation/),
  });
});
