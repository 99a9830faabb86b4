import { describe, expect, it } from 'vitest';
import { IndexFormatError, InvalidInputError, LexicalIndex, splitPassages } from '../../src/retrieval/index.js';

/** A long report: filler sentences with one sentence about the topic deep inside. */
function report(topicSentence: string, at: number, length = 60): string {
  return Array.from({ length }, (_, i) =>
    i === at ? topicSentence : `${i}번째 문단은 행정 절차와 보고 일정, 회의 자료의 배포 방식을 설명한다.`,
  ).join(' ');
}

const LONG = report('지방은행이 시중은행으로 전환하려면 금융위원회의 인가를 받아야 한다.', 45);
const DOCS = [
  { id: 'long', text: LONG },
  { id: 'short', text: '시중은행 전환 인가 절차 안내' },
  { id: 'other', text: report('학교 도서관 진흥 계획을 수립한다.', 10) },
];

describe('LexicalIndex with passages', () => {
  it('marks the passage that matched, deep inside a long document', () => {
    const index = new LexicalIndex({ passages: { maxTokens: 80, overlapTokens: 20 } });
    index.add(DOCS);
    const hits = index.search('지방은행의 시중은행 전환 인가', 10);
    const long = hits.find((hit) => hit.id === 'long')!;
    const passage = LONG.slice(long.passage!.start, long.passage!.end);
    expect(passage).toContain('지방은행이 시중은행으로 전환하려면');
    expect(long.passage!.start).toBeGreaterThan(0);
    expect(index.passagesOf(0)).toEqual(splitPassages(LONG, { maxTokens: 80, overlapTokens: 20 }));
    // A short document is one passage: the whole text.
    expect(hits.find((hit) => hit.id === 'short')!.passage).toEqual({ start: 0, end: DOCS[1]!.text.length });
  });

  it('scores a document as its best passage, independently computed', () => {
    const options = { passages: { maxTokens: 80, overlapTokens: 20 } };
    const index = new LexicalIndex(options);
    index.add(DOCS);
    // Reference: every passage as a document of its own in a whole-document index.
    const reference = new LexicalIndex({ passages: null });
    DOCS.forEach((doc) =>
      splitPassages(doc.text, options.passages).forEach((span, i) =>
        reference.add([{ id: `${doc.id}#${i}`, text: doc.text.slice(span.start, span.end) }]),
      ),
    );
    const query = '시중은행 전환 인가';
    const best = new Map<string, number>();
    for (const hit of reference.search(query, 1000)) {
      const id = hit.id.slice(0, hit.id.indexOf('#'));
      best.set(id, Math.max(best.get(id) ?? 0, hit.score));
    }
    const hits = index.search(query, 10);
    expect(hits.map((hit) => hit.id)).toEqual([...best].sort((a, b) => b[1] - a[1]).map(([id]) => id));
    for (const hit of hits) expect(hit.score).toBeCloseTo(best.get(hit.id)!, 12);
  });

  it('ranks a long relevant document above whole-document indexing would', () => {
    const whole = new LexicalIndex({ passages: null });
    const split = new LexicalIndex({ passages: { maxTokens: 80, overlapTokens: 20 } });
    const docs = [...DOCS, { id: 'mid', text: '은행 전환 이야기. 지방 소식.' }];
    whole.add(docs);
    split.add(docs);
    const query = '지방은행 시중은행 전환 인가 금융위원회';
    const rank = (index: LexicalIndex) => index.search(query, 10).findIndex((hit) => hit.id === 'long');
    expect(rank(split)).toBeLessThanOrEqual(rank(whole));
    expect(rank(split)).toBe(0);
  });

  it('survives toJSON / fromJSON with the same hits and passages', () => {
    const index = new LexicalIndex({ passages: { maxTokens: 80, overlapTokens: 20 } });
    index.add(DOCS);
    const restored = LexicalIndex.fromJSON(JSON.parse(JSON.stringify(index)));
    expect(restored.search('시중은행 인가', 10)).toEqual(index.search('시중은행 인가', 10));
    expect(restored.passages).toEqual({ maxTokens: 80, overlapTokens: 20 });
  });

  it('reads a file saved before passage indexing as whole documents', () => {
    const whole = new LexicalIndex({ passages: null });
    whole.add(DOCS);
    const saved = JSON.parse(JSON.stringify(whole));
    // The earlier format: no passages, variant, combine or rrfK keys in the options.
    for (const key of ['passages', 'variant', 'combine', 'rrfK']) delete saved.options[key];
    const restored = LexicalIndex.fromJSON(saved);
    expect(restored.passages).toBeNull();
    expect(restored.passagesOf(0)).toEqual([]);
    expect(restored.search('시중은행 인가', 10)).toEqual(whole.search('시중은행 인가', 10));
  });

  it('refuses a saved passage layout that does not fit its documents', () => {
    const index = new LexicalIndex({ passages: { maxTokens: 80 } });
    index.add(DOCS);
    const saved = () => JSON.parse(JSON.stringify(index));
    const dropped = saved();
    delete dropped.passages;
    expect(() => LexicalIndex.fromJSON(dropped)).toThrow(/passages missing/);
    const skipped = saved();
    skipped.passages.docs = skipped.passages.docs.map((doc: number) => (doc === 1 ? 2 : doc));
    expect(() => LexicalIndex.fromJSON(skipped)).toThrow(IndexFormatError);
    const shortSpans = saved();
    shortSpans.passages.spans.pop();
    expect(() => LexicalIndex.fromJSON(shortSpans)).toThrow(/spans/);
    const unexpected = JSON.parse(JSON.stringify(new LexicalIndex({ passages: null })));
    unexpected.passages = { docs: [], spans: [] };
    expect(() => LexicalIndex.fromJSON(unexpected)).toThrow(/options.passages is not set/);
  });
});

describe('LexicalIndex options added with passages', () => {
  it('refuses bad values with a typed error naming the option', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ passages: { maxTokens: 0 } }, /passages.maxTokens/],
      [{ passages: { maxTokens: 10, overlapTokens: 10 } }, /passages.overlapTokens/],
      [{ passages: 'long' }, /passages must be an object/],
      [{ variant: 'bm42' }, /bm25 variant/],
      [{ delta: -1 }, /delta/],
      [{ combine: 'max' }, /combine/],
      [{ rrfK: -5 }, /rrfK/],
    ];
    for (const [options, message] of bad) {
      expect(() => new LexicalIndex(options as never), JSON.stringify(options)).toThrow(InvalidInputError);
      expect(() => new LexicalIndex(options as never)).toThrow(message);
    }
  });

  it('ranks the same with passages as without when every document is short', () => {
    const docs = [
      { id: 'a', text: '한국은행 기준금리 결정' },
      { id: 'b', text: '한국 은행 금리 전망' },
      { id: 'c', text: '서울 날씨 맑음' },
    ];
    const split = new LexicalIndex();
    const whole = new LexicalIndex({ passages: null });
    split.add(docs);
    whole.add(docs);
    const strip = (hits: ReturnType<LexicalIndex['search']>) => hits.map(({ id, score }) => ({ id, score }));
    expect(strip(split.search('한국은행 금리', 10))).toEqual(strip(whole.search('한국은행 금리', 10)));
  });
});
