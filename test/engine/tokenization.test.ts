/**
 * Pair tokenisation against the tokenizer definitions: special-token layout, token types, and our
 * truncation rule (passage first; the query only when it alone exceeds the limit).
 */
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, test } from 'vitest';
import { PairEncoder } from '../../src/engine/pair-encoder.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, ENGLISH_QUERY, KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';

const ids = (t: PreTrainedTokenizer, text: string, pair?: string) =>
  t(text, { text_pair: pair ?? null, return_tensor: false }) as unknown as {
    input_ids: number[];
    token_type_ids?: number[];
  };

describe('XLM-R (SentencePiece Unigram) pairs', () => {
  let tokenizer: PreTrainedTokenizer;
  let encoder: PairEncoder;
  beforeAll(async () => {
    tokenizer = await AutoTokenizer.from_pretrained(await testModel('tiny-xlmr'));
    encoder = new PairEncoder(tokenizer);
  });

  test('layout is <s> A </s></s> B </s>, identical to the tokenizer on pairs that fit', () => {
    expect(encoder.pairSpecialTokens).toBe(4);
    for (const [query, passage] of [
      [KOREAN_QUERY, KOREAN_PASSAGES[0]!],
      [ENGLISH_QUERY, ENGLISH_PASSAGES[0]!],
    ] as const) {
      const [row] = encoder.encode(encoder.tokenize(query), encoder.tokenize(passage), 512, null);
      const reference = ids(tokenizer, query, passage);
      expect(row!.inputIds).toEqual(reference.input_ids);
      const queryIds = ids(tokenizer, query).input_ids.slice(1, -1);
      const passageIds = ids(tokenizer, passage).input_ids.slice(1, -1);
      expect(row!.inputIds).toEqual([0, ...queryIds, 2, 2, ...passageIds, 2]);
    }
  });

  test('Unigram picks whole known words, fuses unknown characters into <unk>, normalises whitespace', () => {
    expect(tokenizer.tokenize('한국은행')).toEqual(['▁한국은행']);
    expect(tokenizer.tokenize('은행에서')).toEqual(['▁은행', '에서']);
    expect(ids(tokenizer, '漢字').input_ids).toEqual([0, 4, 3, 2]); // ▁ then one fused <unk>
    expect(tokenizer.tokenize('  금리\n\n 인상 ')).toEqual(tokenizer.tokenize('금리 인상'));
    const text = '한국은행 금융통화위원회는 기준금리를 결정합니다.';
    expect(tokenizer.decode(ids(tokenizer, text).input_ids, { skip_special_tokens: true })).toBe(text);
  });

  test('truncation cuts the passage and keeps the query and the closing </s>', () => {
    const queryTokens = encoder.tokenize(KOREAN_QUERY);
    const passageTokens = encoder.tokenize(longPassage());
    const [row] = encoder.encode(queryTokens, passageTokens, 64, null);
    const full = ids(tokenizer, KOREAN_QUERY, longPassage()).input_ids;
    expect(row!.inputIds).toHaveLength(64);
    expect(row!.inputIds.slice(0, queryTokens.length + 3)).toEqual(full.slice(0, queryTokens.length + 3)); // <s> query </s></s>
    expect(row!.inputIds.slice(0, -1)).toEqual(full.slice(0, 63)); // the passage's first tokens
    expect(row!.inputIds.at(-1)).toBe(2);
  });

  test('transformers.js alone would cut the end of the joined pair, losing </s> (why we fit pairs ourselves)', () => {
    const naive = tokenizer(KOREAN_QUERY, {
      text_pair: longPassage(),
      truncation: true,
      max_length: 64,
      return_tensor: false,
    }) as unknown as { input_ids: number[] };
    expect(naive.input_ids).toHaveLength(64);
    expect(naive.input_ids.at(-1)).not.toBe(2);
  });

  test('a query that alone exceeds the limit is cut, and the passage keeps a share', () => {
    const hugeQuery = encoder.tokenize(longPassage(40));
    const passage = encoder.tokenize(KOREAN_PASSAGES[0]!);
    expect(hugeQuery.length).toBeGreaterThan(512);
    const [row] = encoder.encode(hugeQuery, passage, 512, null);
    expect(row!.inputIds).toHaveLength(512);
    const passageIds = ids(tokenizer, KOREAN_PASSAGES[0]!).input_ids.slice(1, -1);
    expect(row!.inputIds.slice(-passageIds.length - 1, -1)).toEqual(passageIds); // whole short passage kept
  });

  test('windows: every row fits, all passage tokens are covered, the query leads every window', () => {
    const queryTokens = encoder.tokenize(KOREAN_QUERY);
    const passageTokens = encoder.tokenize(longPassage());
    const rows = encoder.encode(queryTokens, passageTokens, 128, { overlap: 16 });
    expect(rows.length).toBeGreaterThan(3);
    const queryPart = encoder.encode(queryTokens, [], 128, null)[0]!.inputIds.slice(0, -2);
    const covered = new Set<number>();
    for (const row of rows) {
      expect(row.inputIds.length).toBeLessThanOrEqual(128);
      expect(row.inputIds.slice(0, queryPart.length)).toEqual(queryPart);
      row.inputIds.slice(queryPart.length + 1, -1).forEach((id) => covered.add(id));
    }
    const passageIds = new Set(ids(tokenizer, longPassage()).input_ids.slice(1, -1));
    expect(covered).toEqual(passageIds);
  });
});

describe('BERT (WordPiece) pairs', () => {
  let tokenizer: PreTrainedTokenizer;
  let encoder: PairEncoder;
  beforeAll(async () => {
    tokenizer = await AutoTokenizer.from_pretrained(await testModel('tiny-bert'));
    encoder = new PairEncoder(tokenizer);
  });

  test('layout is [CLS] A [SEP] B [SEP] with token types 0 then 1, identical to the tokenizer', () => {
    expect(encoder.pairSpecialTokens).toBe(3);
    const [row] = encoder.encode(encoder.tokenize(ENGLISH_QUERY), encoder.tokenize(ENGLISH_PASSAGES[0]!), 512, null);
    const reference = ids(tokenizer, ENGLISH_QUERY, ENGLISH_PASSAGES[0]!);
    expect(row!.inputIds).toEqual(reference.input_ids);
    expect(row!.tokenTypeIds).toEqual(reference.token_type_ids);
    const queryLength = encoder.tokenize(ENGLISH_QUERY).length;
    expect(row!.tokenTypeIds).toEqual(row!.inputIds.map((_, i) => (i <= queryLength + 1 ? 0 : 1)));
    expect([row!.inputIds[0], row!.inputIds[queryLength + 1], row!.inputIds.at(-1)]).toEqual([2, 3, 3]);
  });

  test('uncased WordPiece: lowercase, greedy longest match, ## continuations', () => {
    expect(tokenizer.tokenize('The SEARCH results')).toEqual(['the', 'search', 'result', '##s']);
    expect(tokenizer.tokenize('ranking')).toEqual(['rank', '##ing']);
  });

  test('truncation keeps the query and the final [SEP] with its token type', () => {
    const [row] = encoder.encode(encoder.tokenize(ENGLISH_QUERY), encoder.tokenize(longPassage()), 40, null);
    expect(row!.inputIds).toHaveLength(40);
    expect(row!.inputIds.at(-1)).toBe(3);
    expect(row!.tokenTypeIds.at(-1)).toBe(1);
  });
});
