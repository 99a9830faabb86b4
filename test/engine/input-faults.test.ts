/**
 * Hostile or careless input to a loaded reranker (issue 10, items 6, 9 and 11): each gives a typed
 * error that names the problem, and the reranker keeps working afterwards.
 */
import { AutoTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidInputError, Reranker } from '../../src/engine/index.js';
import { PairEncoder } from '../../src/engine/pair-encoder.js';
import { testModel } from '../helpers/models.js';
import { KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';

let reranker: Reranker;
let folder: string;
beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
  reranker = await Reranker.load({ model: folder, dtype: 'fp32' });
});
afterAll(() => reranker.dispose());

async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    () => null,
    (e: unknown) => e,
  );
}

describe('arrays with holes (item 6)', () => {
  test('rank() refuses a document list with a hole instead of scoring a document that does not exist', async () => {
    // eslint-disable-next-line no-sparse-arrays
    const documents = [KOREAN_PASSAGES[0]!, , KOREAN_PASSAGES[1]!] as string[];
    const error = await rejection(() => reranker.rank(KOREAN_QUERY, documents));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/documents\[1\] is missing/) });
    const trailing = new Array<string>(3);
    trailing[0] = KOREAN_PASSAGES[0]!;
    expect(await rejection(() => reranker.rank(KOREAN_QUERY, trailing))).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/documents\[1\] is missing/),
    });
  });

  test('score() refuses a pair list with a hole, and a pair with a hole', async () => {
    // eslint-disable-next-line no-sparse-arrays
    const pairs = [[KOREAN_QUERY, KOREAN_PASSAGES[0]!], , [KOREAN_QUERY, KOREAN_PASSAGES[1]!]] as Array<
      [string, string]
    >;
    expect(await rejection(() => reranker.score(pairs))).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/pairs\[1\] is missing/),
    });
    // eslint-disable-next-line no-sparse-arrays
    const holedPair = [[KOREAN_QUERY, ,]] as unknown as Array<[string, string]>;
    expect(await rejection(() => reranker.score(holedPair))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(await reranker.score([[KOREAN_QUERY, KOREAN_PASSAGES[0]!]])).toHaveLength(1);
  });
});

describe('windowOverlap (item 9)', () => {
  test('an overlap as large as the window is refused, not clamped to a stride of one token', async () => {
    const documents = [longPassage(20)];
    // maxLength 64 leaves 60 content tokens; the query takes some, the window is the rest.
    for (const windowOverlap of [60, 59, 1000]) {
      const error = await rejection(() =>
        reranker.rank(KOREAN_QUERY, documents, { maxLength: 64, longPassages: 'windows', windowOverlap }),
      );
      expect(error, `windowOverlap ${windowOverlap}`).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(
        /windowOverlap .* must be smaller than the passage window of \d+ tokens/,
      );
    }
    // The window is what the query leaves: an overlap below 60 but not below that window is refused too.
    const encoder = new PairEncoder(await AutoTokenizer.from_pretrained(folder));
    const queryTokens = encoder.tokenize(KOREAN_QUERY).length;
    const window = 60 - queryTokens;
    expect(
      await rejection(() =>
        reranker.rank(KOREAN_QUERY, documents, { maxLength: 64, longPassages: 'windows', windowOverlap: window }),
      ),
    ).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(new RegExp(`passage window of ${window} tokens`)),
    });
    expect(
      await reranker.rank(KOREAN_QUERY, documents, {
        maxLength: 64,
        longPassages: 'windows',
        windowOverlap: window - 1,
      }),
    ).toHaveLength(1);
  });
});

describe('options and load arguments of the wrong type (item 11)', () => {
  test('rank(q, docs, null) and score(pairs, null) are typed errors', async () => {
    for (const call of [
      () => reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES, null as unknown as object),
      () => reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES, 'topK' as unknown as object),
      () => reranker.score([[KOREAN_QUERY, KOREAN_PASSAGES[0]!]], null as unknown as object),
    ]) {
      const error = await rejection(call);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/options must be an object/);
    }
  });

  test('a signal that is not an AbortSignal is a typed error', async () => {
    for (const signal of [{}, 'stop', { aborted: false }]) {
      const error = await rejection(() =>
        reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES, { signal: signal as AbortSignal }),
      );
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/signal must be an AbortSignal/);
    }
    const error = await rejection(() => Reranker.load({ model: 'x', signal: {} as AbortSignal }));
    expect(error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/signal must be an AbortSignal/),
    });
  });

  test('a non-string model or remoteHost is a typed error', async () => {
    for (const options of [
      { model: 42 },
      { model: ['a'] },
      { model: 'org/name', remoteHost: 42 },
      { model: 'org/name', remoteHost: {} },
    ]) {
      const error = await rejection(() => Reranker.load(options as unknown as Parameters<typeof Reranker.load>[0]));
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/(model|remoteHost) must be a non-empty string/);
    }
    expect(await rejection(() => Reranker.load(null as unknown as Parameters<typeof Reranker.load>[0]))).toBeInstanceOf(
      InvalidInputError,
    );
  });
});
