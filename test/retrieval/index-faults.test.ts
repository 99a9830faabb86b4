/**
 * BM25 index faults (issue 10, item 11): a restored index with a bogus analyser or impossible term
 * frequencies is refused by fromJSON (it used to load, then every search threw or scored Infinity),
 * and add() with a duplicate id leaves the index as it was (it used to keep the batch's first part).
 * Issue 25, item 5: every bad argument is an InvalidInputError (code INVALID_INPUT, like the engine's)
 * that names the argument; search(undefined) used to throw "reading 'normalize'", a numeric id a bare TypeError.
 */
import { CodedError } from '../../src/errors/coded-error.js';
import { describe, expect, test } from 'vitest';
import {
  createAnalyzer,
  DuplicateDocumentError,
  IndexFormatError,
  InvalidInputError,
  LexicalIndex,
} from '../../src/retrieval/index.js';

const DOCS = [
  { id: 'a', text: '한국은행은 기준금리를 결정한다' },
  { id: 'b', text: '서울의 날씨는 맑다' },
];

function saved(): ReturnType<LexicalIndex['toJSON']> {
  const index = new LexicalIndex();
  index.add(DOCS);
  return JSON.parse(JSON.stringify(index.toJSON())) as ReturnType<LexicalIndex['toJSON']>;
}

describe('fromJSON refuses what would break searches', () => {
  test.each([
    ['suffixes', { type: 'word', suffixes: 'bogus' }, /suffixes must be one of keep, particles, all/],
    ['minStem', { type: 'word', suffixes: 'all', minStem: -1 }, /minStem must be a non-negative integer/],
    ['joinSpaces', { type: 'ngram', n: 2, joinSpaces: 'yes' }, /joinSpaces must be true or false/],
    ['ngram suffixes', { type: 'ngram', n: 2, suffixes: 42 }, /suffixes must be one of/],
    ['type', { type: 'regex' }, /unknown analyzer type/],
    ['not an object', null, /analyzer must be an object/],
  ])('an analyser with a bad %s', (_, analyzer, message) => {
    const data = saved();
    (data.options.fields[0] as { analyzer: unknown }).analyzer = analyzer;
    const restore = () => LexicalIndex.fromJSON(data);
    expect(restore).toThrow(IndexFormatError);
    expect(restore).toThrow(message);
  });

  test.each([
    ['1e308', 1e308],
    ['above the document length', 50],
    ['a non-safe integer', 2 ** 60],
  ])('a term frequency of %s', (_, tf) => {
    const data = saved();
    const postings = data.fields[0]!.postings;
    const term = Object.keys(postings)[0]!;
    postings[term]![1] = tf;
    expect(() => LexicalIndex.fromJSON(data)).toThrow(IndexFormatError);
    expect(() => LexicalIndex.fromJSON(data)).toThrow(/term frequencies of document \d+ add up to \d+|bad entry/);
  });

  test('document lengths that disagree with the postings', () => {
    const data = saved();
    data.fields[0]!.docLengths[0] = 1e308;
    expect(() => LexicalIndex.fromJSON(data)).toThrow(IndexFormatError);
  });

  test('an untouched index still round-trips and searches the same', () => {
    const index = new LexicalIndex();
    index.add(DOCS);
    expect(LexicalIndex.fromJSON(saved()).search('기준금리')).toEqual(index.search('기준금리'));
  });
});

describe('add() is all or nothing', () => {
  test.each([
    [
      'an id already in the index',
      [
        { id: 'c', text: '금리 인상' },
        { id: 'a', text: '중복' },
      ],
    ],
    [
      'an id twice in the batch',
      [
        { id: 'c', text: '금리 인상' },
        { id: 'c', text: '다시' },
      ],
    ],
    ['a document without text', [{ id: 'c', text: '금리 인상' }, { id: 'd' }]],
  ])('a batch with %s is refused whole', (label, batch) => {
    const index = new LexicalIndex();
    index.add(DOCS);
    const before = JSON.stringify(index.toJSON());
    expect(() => index.add(batch as Array<{ id: string; text: string }>)).toThrow(
      label.includes('text') ? InvalidInputError : DuplicateDocumentError,
    );
    expect(index.size).toBe(2);
    expect(JSON.stringify(index.toJSON())).toBe(before);
    expect(index.search('금리').map((hit) => hit.id)).toEqual(['a']);
    index.add([{ id: 'c', text: '금리 인상' }]); // the first document of the refused batch can still be added
    expect(index.size).toBe(3);
  });

  test('addAll checks every chunk before adding any', async () => {
    const index = new LexicalIndex();
    const many = Array.from({ length: 10 }, (_, i) => ({ id: `d${i}`, text: `문서 ${i}` }));
    many.push({ id: 'd0', text: '중복' });
    await expect(index.addAll(many, { chunkSize: 3 })).rejects.toThrow(DuplicateDocumentError);
    expect(index.size).toBe(0);
  });
});

describe('bad arguments are InvalidInputError naming the argument', () => {
  function indexed(): LexicalIndex {
    const index = new LexicalIndex();
    index.add(DOCS);
    return index;
  }

  function thrownBy(call: () => unknown): unknown {
    try {
      call();
    } catch (error) {
      return error;
    }
    throw new Error('expected a throw');
  }

  test.each<[string, () => unknown, RegExp]>([
    [
      'search(undefined)',
      () => indexed().search(undefined as unknown as string),
      /^query must be a string, got undefined$/,
    ],
    ['search(42)', () => indexed().search(42 as unknown as string), /^query must be a string, got number$/],
    ['score(null)', () => indexed().score(null as unknown as string), /^query must be a string, got null$/],
    ['search with topN -1', () => indexed().search('금리', -1), /^topN must be a non-negative integer, got -1$/],
    ['search with topN 1.5', () => indexed().search('금리', 1.5), /^topN must be/],
    ['add(not an array)', () => indexed().add('문서' as unknown as []), /^docs must be an array, got string$/],
    [
      'a numeric id',
      () => indexed().add([{ id: 7 as unknown as string, text: 'x' }]),
      /^docs\[0\]\.id must be a string, got number$/,
    ],
    [
      'a missing text',
      () => indexed().add([{ id: 'c', text: 'x' }, { id: 'd' } as { id: string; text: string }]),
      /^docs\[1\]\.text must be a string, got undefined$/,
    ],
    [
      'a null document',
      () => indexed().add([null as unknown as { id: string; text: string }]),
      /^docs\[0\] must be an object with id and text, got null$/,
    ],
    ['k1 -1', () => new LexicalIndex({ k1: -1 }), /k1 must be a finite number >= 0, got -1/],
    ['b 2', () => new LexicalIndex({ b: 2 }), /b must be in \[0, 1\], got 2/],
    ['no fields', () => new LexicalIndex({ fields: [] }), /at least one field/],
    [
      'a negative weight',
      () => new LexicalIndex({ fields: [{ name: 'w', analyzer: { type: 'word' }, weight: -1 }] }),
      /field w: weight must be >= 0/,
    ],
    [
      'an analyser with n 0',
      () => createAnalyzer({ type: 'ngram', n: 0 }),
      /ngram n must be a positive integer, got 0/,
    ],
    [
      'an analyser of an unknown type',
      () => createAnalyzer({ type: 'regex' } as unknown as { type: 'word' }),
      /unknown analyzer type "regex"/,
    ],
  ])('%s', (_, call, message) => {
    const error = thrownBy(call);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({
      name: 'InvalidInputError',
      code: 'INVALID_INPUT',
      message: expect.stringMatching(message),
    });
  });

  test('addAll with chunkSize 0 rejects with it, and adds nothing', async () => {
    const index = new LexicalIndex();
    await expect(index.addAll(DOCS, { chunkSize: 0 })).rejects.toMatchObject({
      name: 'InvalidInputError',
      code: 'INVALID_INPUT',
      message: 'chunkSize must be a positive integer, got 0',
    });
    expect(index.size).toBe(0);
  });

  test('a duplicate id is its own typed error, with its own code', () => {
    const error = thrownBy(() => indexed().add([{ id: 'a', text: '중복' }]));
    expect(error).toBeInstanceOf(DuplicateDocumentError);
    expect(error).toBeInstanceOf(CodedError);
    expect(error).toMatchObject({ name: 'DuplicateDocumentError', code: 'DUPLICATE_DOCUMENT', id: 'a' });
  });

  test('a good index still searches after refusing bad arguments', () => {
    const index = indexed();
    expect(() => index.search(undefined as unknown as string)).toThrow(InvalidInputError);
    expect(index.search('기준금리').map((hit) => hit.id)).toEqual(['a']);
  });
});
