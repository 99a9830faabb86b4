import { describe, expect, it } from 'vitest';
import { IndexFormatError, InvalidInputError, LexicalIndex, type FieldOptions } from '../../src/retrieval/index.js';

const WORDS: FieldOptions[] = [{ name: 'words', analyzer: { type: 'word' } }];
const DOCS = [
  { id: 'a', text: 'x y' },
  { id: 'b', text: 'x x z z' },
  { id: 'c', text: 'w' },
];

describe('LexicalIndex.search', () => {
  it('scores with BM25 as computed by hand', () => {
    const index = new LexicalIndex({ fields: WORDS, k1: 1.2, b: 0.75 });
    index.add(DOCS);
    // N 3, df(x) 2 -> idf ln(1.6) = 0.470004; avgdl (2 + 4 + 1) / 3 = 7/3
    // a: tf 1, dl 2 -> 2.2 / (1 + 1.2 (0.25 + 0.75 * 6/7)) = 1.062069 -> 0.499176
    // b: tf 2, dl 4 -> 4.4 / (2 + 1.2 (0.25 + 0.75 * 12/7)) = 1.144981 -> 0.538144
    const hits = index.search('x', 10);
    expect(hits.map((hit) => hit.id)).toEqual(['b', 'a']);
    expect(hits[0]!.score).toBeCloseTo(0.538144, 5);
    expect(hits[1]!.score).toBeCloseTo(0.499176, 5);
    expect(hits.map((hit) => hit.index)).toEqual([1, 0]);
  });

  it('counts a repeated query term per occurrence unless told otherwise', () => {
    const counted = new LexicalIndex({ fields: WORDS });
    const unique = new LexicalIndex({ fields: WORDS, uniqueQueryTerms: true });
    counted.add(DOCS);
    unique.add(DOCS);
    expect(counted.search('x x', 1)[0]!.score).toBeCloseTo(2 * counted.search('x', 1)[0]!.score, 12);
    expect(unique.search('x x', 1)[0]!.score).toBeCloseTo(unique.search('x', 1)[0]!.score, 12);
  });

  it('breaks equal scores by insertion order', () => {
    const index = new LexicalIndex({ fields: WORDS });
    index.add([
      { id: 'late', text: 'q r' },
      { id: 'early', text: 'r q' },
      { id: 'other', text: 's t' },
      { id: 'same', text: 'q s' },
    ]);
    expect(index.search('q', 10).map((hit) => hit.id)).toEqual(['late', 'early', 'same']);
  });

  it('returns at most topN hits and only documents sharing a term', () => {
    const index = new LexicalIndex({ fields: WORDS });
    index.add(DOCS);
    expect(index.search('x', 1).map((hit) => hit.id)).toEqual(['b']);
    expect(index.search('nothing here', 10)).toEqual([]);
    expect(index.search('x', 0)).toEqual([]);
    expect(() => index.search('x', -1)).toThrow(InvalidInputError);
  });

  it('weights fields: a zero weight silences a field, a weight scales it', () => {
    const fields = (weight: number): FieldOptions[] => [
      { name: 'words', analyzer: { type: 'word' } },
      { name: 'grams', analyzer: { type: 'ngram', n: 2 }, weight },
    ];
    const docs = [
      { id: 'k', text: '한국은행 금리' },
      { id: 'm', text: '은행 대출' },
    ];
    const wordsOnly = new LexicalIndex({ fields: [fields(0)[0]!] });
    const silenced = new LexicalIndex({ fields: fields(0) });
    const single = new LexicalIndex({ fields: fields(1) });
    const double = new LexicalIndex({ fields: fields(2) });
    for (const index of [wordsOnly, silenced, single, double]) index.add(docs);
    // "은행" is a whole word only in m, but a bigram of both documents.
    expect(silenced.search('은행', 10)).toEqual(wordsOnly.search('은행', 10));
    const gramsPart = (index: LexicalIndex, id: string): number =>
      index.search('은행', 10).find((hit) => hit.id === id)!.score -
      (wordsOnly.search('은행', 10).find((hit) => hit.id === id)?.score ?? 0);
    expect(gramsPart(double, 'k')).toBeCloseTo(2 * gramsPart(single, 'k'), 12);
    expect(single.search('은행', 10).map((hit) => hit.id)).toEqual(['m', 'k']);
  });

  it('finds Korean text through particles with the default fields', () => {
    const index = new LexicalIndex();
    index.add([
      { id: 'bank', text: '한국은행은 기준금리를 동결하였다.' },
      { id: 'other', text: '중소기업 대출 지원 확대' },
    ]);
    expect(index.search('한국은행의 기준금리 결정', 10)[0]!.id).toBe('bank');
  });

  it('rejects duplicate ids and non-string fields', () => {
    const index = new LexicalIndex({ fields: WORDS });
    index.add([{ id: 'a', text: 'x' }]);
    expect(() => index.add([{ id: 'a', text: 'y' }])).toThrow(/duplicate/);
    expect(() => index.add([{ id: 'b', text: 3 as unknown as string }])).toThrow(InvalidInputError);
    expect(index.size).toBe(1);
  });

  it('rejects bad options', () => {
    expect(() => new LexicalIndex({ fields: [] })).toThrow(InvalidInputError);
    expect(() => new LexicalIndex({ fields: [WORDS[0]!, WORDS[0]!] })).toThrow(/unique/);
    expect(() => new LexicalIndex({ b: 2 })).toThrow(InvalidInputError);
    expect(() => new LexicalIndex({ fields: [{ ...WORDS[0]!, weight: -1 }] })).toThrow(InvalidInputError);
  });
});

describe('LexicalIndex.addAll', () => {
  const many = Array.from({ length: 10 }, (_, i) => ({ id: `d${i}`, text: `word${i % 3} common` }));

  it('indexes in chunks, reports progress and yields between chunks', async () => {
    const index = new LexicalIndex({ fields: WORDS });
    const progress: number[] = [];
    let yielded = 0;
    const ticker = setInterval(() => yielded++, 0);
    await index.addAll(many, { chunkSize: 4, onProgress: (done, total) => progress.push(done, total) });
    clearInterval(ticker);
    expect(progress).toEqual([4, 10, 8, 10, 10, 10]);
    expect(yielded).toBeGreaterThan(0); // timers ran while indexing: the event loop was not blocked
    const reference = new LexicalIndex({ fields: WORDS });
    reference.add(many);
    expect(index.search('word1 common', 10)).toEqual(reference.search('word1 common', 10));
  });

  it('stops between chunks when aborted', async () => {
    const index = new LexicalIndex({ fields: WORDS });
    const controller = new AbortController();
    const run = index.addAll(many, { chunkSize: 4, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toThrow();
    expect(index.size).toBe(4);
  });

  it('rejects a bad chunk size', async () => {
    await expect(new LexicalIndex().addAll(many, { chunkSize: 0 })).rejects.toThrow(InvalidInputError);
  });
});

describe('LexicalIndex serialisation', () => {
  const corpus = [
    { id: 'p1', text: '한국은행은 2024년 기준금리를 3.5%로 유지했다.' },
    { id: 'p2', text: 'B2B e커머스의 성장과 디지털 전환' },
    { id: 'p3', text: '소상공인 대환대출 지원 예산' },
    { id: 'p4', text: '기준금리 인하 전망과 GDP 성장률' },
  ];
  const queries = ['기준금리 전망', 'e커머스 성장', '대출', '2024년 GDP', 'none'];

  it('round-trips through JSON text with identical results', () => {
    const index = new LexicalIndex({ k1: 0.9, b: 0.6 });
    index.add(corpus);
    const restored = LexicalIndex.fromJSON(JSON.parse(JSON.stringify(index)));
    expect(restored.size).toBe(index.size);
    expect(restored.options).toEqual(index.options);
    for (const query of queries) expect(restored.search(query, 10)).toEqual(index.search(query, 10));
    expect(restored.toJSON()).toEqual(index.toJSON());
  });

  it('stores postings as document gaps', () => {
    const index = new LexicalIndex({ fields: WORDS });
    index.add([
      { id: 'a', text: 'x' },
      { id: 'b', text: 'y' },
      { id: 'c', text: 'x x' },
      { id: 'd', text: 'x' },
    ]);
    // x occurs in documents 0 (tf 1), 2 (tf 2) and 3 (tf 1): gaps 0, 2, 1
    expect(index.toJSON().fields[0]!.postings).toEqual({ x: [0, 1, 2, 2, 1, 1], y: [1, 1] });
  });

  it('keeps indexing after a restore', () => {
    const full = new LexicalIndex();
    full.add(corpus);
    const half = new LexicalIndex();
    half.add(corpus.slice(0, 2));
    const restored = LexicalIndex.fromJSON(half.toJSON());
    restored.add(corpus.slice(2));
    for (const query of queries) expect(restored.search(query, 10)).toEqual(full.search(query, 10));
    expect(() => restored.add([corpus[0]!])).toThrow(/duplicate/);
  });

  it('rejects malformed data with a precise error', () => {
    const index = new LexicalIndex({ fields: WORDS });
    index.add(DOCS);
    /** The stored form, loosely typed so that each case can break one part of it. */
    type StoredIndex = Record<string, unknown> & {
      fields: Record<string, unknown>[];
      options: Record<string, unknown>;
    };
    const good = () => JSON.parse(JSON.stringify(index)) as StoredIndex;
    const broken: [string, (data: StoredIndex) => unknown][] = [
      ['format', (d) => ({ ...d, format: 'other' })],
      ['version', (d) => ({ ...d, version: 99 })],
      ['ids must be unique', (d) => ({ ...d, ids: ['a', 'a', 'c'] })],
      ['docLengths', (d) => ({ ...d, fields: [{ ...d.fields[0], docLengths: [2, 4] }] })],
      ['points past the last document', (d) => ({ ...d, fields: [{ ...d.fields[0], postings: { x: [0, 1, 3, 1] } }] })],
      ['bad entry', (d) => ({ ...d, fields: [{ ...d.fields[0], postings: { x: [1, 1, 0, 1] } }] })],
      ['bad entry', (d) => ({ ...d, fields: [{ ...d.fields[0], postings: { x: [0, 0] } }] })],
      ['bad entry', (d) => ({ ...d, fields: [{ ...d.fields[0], postings: { x: [-1, 1] } }] })],
      ['[docGap, tf, ...]', (d) => ({ ...d, fields: [{ ...d.fields[0], postings: { x: [0] } }] })],
      ['name does not match', (d) => ({ ...d, fields: [{ ...d.fields[0], name: 'other' }] })],
      ['one stored field', (d) => ({ ...d, fields: [] })],
    ];
    for (const [message, mutate] of broken) {
      expect(() => LexicalIndex.fromJSON(mutate(good())), message).toThrow(IndexFormatError);
      expect(() => LexicalIndex.fromJSON(mutate(good())), message).toThrow(message);
    }
    expect(() => LexicalIndex.fromJSON(null)).toThrow(IndexFormatError);
    // Options no index accepts make the file malformed: IndexFormatError, with the option's own error as cause.
    expect(() => LexicalIndex.fromJSON({ ...good(), options: { ...good().options, k1: -1 } })).toThrow(
      IndexFormatError,
    );
    expect(() => LexicalIndex.fromJSON({ ...good(), options: { ...good().options, k1: -1 } })).toThrow(/options: .*k1/);
  });
});
