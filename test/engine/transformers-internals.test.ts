/**
 * The fields of transformers.js the engine reaches past its documented API (src/engine/transformers-internals.ts),
 * checked against its public API on generated models: after an upgrade of @huggingface/transformers, this
 * file says which access broke before any ranking test does.
 */
import {
  AutoModelForSequenceClassification,
  AutoTokenizer,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  Tensor,
} from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  fromOrtTensor,
  modelInputNames,
  modelSession,
  toOrtTensor,
  tokenizerCore,
} from '../../src/engine/transformers-internals.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';

describe.each([
  ['tiny-xlmr', false],
  ['tiny-bert', true],
] as const)('%s', (preset, hasTokenTypes) => {
  let tokenizer: PreTrainedTokenizer;
  let model: PreTrainedModel;
  beforeAll(async () => {
    const folder = await testModel(preset);
    tokenizer = await AutoTokenizer.from_pretrained(folder);
    model = await AutoModelForSequenceClassification.from_pretrained(folder, { dtype: 'fp32' });
  });
  afterAll(() => model?.dispose());

  test('the tokenizer core tokenizes as the public tokenize() does, and maps tokens to the public ids', () => {
    const core = tokenizerCore(tokenizer);
    const tokens = core.encode_text(KOREAN_PASSAGES[0]!);
    expect(tokens).toEqual(tokenizer.tokenize(KOREAN_PASSAGES[0]!));
    expect(tokens!.map((t) => core.token_to_id(t))).toEqual(
      tokenizer.encode(KOREAN_PASSAGES[0]!, { add_special_tokens: false }),
    );
  });

  test(`the session's inputs ${hasTokenTypes ? 'include' : 'leave out'} token_type_ids`, () => {
    expect(modelInputNames(model)).toContain('input_ids');
    expect(modelInputNames(model).includes('token_type_ids')).toBe(hasTokenTypes);
  });

  test("running the session directly gives the public forward pass's logits", async () => {
    const encoded = tokenizer(KOREAN_QUERY, { text_pair: KOREAN_PASSAGES[1]!, padding: true }) as Record<
      string,
      Tensor
    >;
    const feeds = Object.fromEntries(
      modelInputNames(model).map((name) => [name, toOrtTensor(encoded[name]!)] as const),
    );
    const direct = fromOrtTensor((await modelSession(model).run(feeds, { logSeverityLevel: 4 }))['logits']!);
    const forward = (await model(encoded)) as { logits: Tensor };
    expect(direct).toBeInstanceOf(Tensor);
    expect(direct.dims).toEqual(forward.logits.dims);
    expect(Array.from(direct.data as Float32Array)).toEqual(Array.from(forward.logits.data as Float32Array));
  });
});

test('a transformers.js without these fields fails with a message naming the field and the pinned version', () => {
  expect(() => tokenizerCore({} as PreTrainedTokenizer)).toThrow(/tokenizer\._tokenizer.*4\.3\.1/);
  expect(() => modelSession({ sessions: {} } as unknown as PreTrainedModel)).toThrow(/model\.sessions\.model.*4\.3\.1/);
});
