import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/retrieval/errors.js';
import { LexicalIndex, reciprocalRankFusion } from '../../src/retrieval/index.js';

describe('reciprocalRankFusion', () => {
  it('adds weight / (k + rank) over the lists an id is in', () => {
    const fused = reciprocalRankFusion(
      [
        ['a', 'b', 'c'],
        ['c', 'a'],
      ],
      { k: 10, weights: [1, 2] },
    );
    const expected = { a: 1 / 11 + 2 / 12, b: 1 / 12, c: 1 / 13 + 2 / 11 };
    expect(fused.map((item) => item.id)).toEqual(['c', 'a', 'b']);
    for (const item of fused) expect(item.score).toBeCloseTo(expected[item.id as keyof typeof expected], 12);
  });

  it('counts a repeated id once, at its first position, and breaks ties by first appearance', () => {
    const fused = reciprocalRankFusion([
      ['x', 'x', 'y'],
      ['y', 'x'],
    ]);
    // x: 1/61 + 1/62, y: 1/62 + 1/61: equal, x met first
    expect(fused.map((item) => item.id)).toEqual(['x', 'y']);
    expect(fused[0]!.score).toBeCloseTo(fused[1]!.score, 15);
  });

  it('fuses the index with an app-side vector search (a stand-in list)', () => {
    const index = new LexicalIndex();
    index.add([
      { id: 'rate', text: '한국은행 금융통화위원회는 기준금리를 연 3.50%로 유지했다.' },
      { id: 'loan', text: '은행 대출 금리가 오르면 가계의 이자 부담이 커진다.' },
      { id: 'weather', text: '내일 서울은 맑고 기온이 오른다.' },
      { id: 'policy', text: '통화정책 방향 결정 회의의 의결 사항을 공개한다.' },
    ]);
    const lexical = index.search('기준금리 유지', 10).map((hit) => hit.id);
    expect(lexical).toEqual(['rate', 'loan']);
    // A dense retriever would also find 'policy' (related meaning, no shared term) and rank it first.
    const dense = ['policy', 'rate', 'loan'];
    const fused = reciprocalRankFusion([lexical, dense]);
    // rate 1/61 + 1/62, loan 1/62 + 1/63, policy 1/61: found by both lists beats found by one.
    expect(fused.map((item) => item.id)).toEqual(['rate', 'loan', 'policy']);
    expect(fused[2]!.score).toBeCloseTo(1 / 61, 15);
  });

  it('rejects malformed input with a typed error', () => {
    expect(() => reciprocalRankFusion([['a']], { k: -1 })).toThrow(InvalidInputError);
    expect(() => reciprocalRankFusion([['a'], ['b']], { weights: [1] })).toThrow(InvalidInputError);
    expect(() => reciprocalRankFusion([[1 as unknown as string]])).toThrow(InvalidInputError);
    expect(() => reciprocalRankFusion('ab' as unknown as string[][])).toThrow(InvalidInputError);
  });
});

describe("LexicalIndex combine: 'rrf'", () => {
  it('ranks documents by fusing the per-field rankings, as reciprocalRankFusion does', () => {
    const docs = [
      { id: 'a', text: '한국은행 기준금리 결정' },
      { id: 'b', text: '한국 은행 금리' },
      { id: 'c', text: '기준금리를 결정하는 한국은행 회의, 한국은행 총재' },
      { id: 'd', text: '서울 날씨' },
    ];
    const fields = [
      { name: 'stems', analyzer: { type: 'word' as const, suffixes: 'all' as const } },
      { name: 'bigrams', analyzer: { type: 'ngram' as const, n: 2 }, weight: 0.5 },
    ];
    const query = '한국은행이 기준금리를';
    const fused = new LexicalIndex({ fields, combine: 'rrf', rrfK: 5 });
    fused.add(docs);
    const perField = fields.map((field) => {
      const index = new LexicalIndex({ fields: [{ ...field, weight: 1 }] });
      index.add(docs);
      return index.search(query, 10).map((hit) => hit.id);
    });
    const expected = reciprocalRankFusion(perField, { k: 5, weights: [1, 0.5] });
    const hits = fused.search(query, 10);
    expect(hits.map((hit) => hit.id)).toEqual(expected.map((item) => item.id));
    hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i]!.score, 12));
  });
});
