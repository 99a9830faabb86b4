import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, detectFormat, loadDataset, type Dataset } from '../../src/eval/datasets/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const fixture = (name: string): string => join(FIXTURES, name);

/** The error a load throws, for field-by-field assertions. */
function loadError(path: string): DatasetFormatError {
  try {
    loadDataset(path);
  } catch (error) {
    if (error instanceof DatasetFormatError) return error;
    throw error;
  }
  throw new Error(`${path} loaded without error`);
}

const plainQrels = (dataset: Dataset) =>
  Object.fromEntries([...dataset.qrels].map(([id, docs]) => [id, Object.fromEntries(docs)]));

describe('MTEB folder', () => {
  it('loads corpus, queries and graded qrels', () => {
    const dataset = loadDataset(fixture('mteb-small'));
    expect(dataset.format).toBe('mteb');
    expect(dataset.corpus.map((doc) => doc.id)).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
    expect(dataset.queries.map((query) => query.id)).toEqual(['q1', 'q2', 'q3', 'q4']);
    expect(plainQrels(dataset)).toEqual({ q1: { d3: 1 }, q2: { d1: 1 }, q3: { d4: 2, d2: 1 } });
    expect(dataset.candidatesPerQuery).toBeUndefined();
    expect(dataset.skipped).toEqual([]);
  });

  it('throws on the first malformed row with file and line', () => {
    const error = loadError(fixture('mteb-malformed'));
    expect(error.file).toBe(join(fixture('mteb-malformed'), 'corpus.jsonl'));
    expect(error.line).toBe(2);
    expect(error.reason).toBe('field text must be a string, got number');
    expect(error.message).toContain('corpus.jsonl:2:');
  });

  it('skips and lists every malformed row when asked', () => {
    const dataset = loadDataset(fixture('mteb-malformed'), { skipMalformed: true });
    const where = (file: string) => join(fixture('mteb-malformed'), file);
    expect(dataset.skipped.map(({ file, line }) => [file, line])).toEqual([
      [where('corpus.jsonl'), 2],
      [where('corpus.jsonl'), 3],
      [where('corpus.jsonl'), 5],
      [where('corpus.jsonl'), 7],
      [where('queries.jsonl'), 2],
      [where('qrels.jsonl'), 2],
      [where('qrels.jsonl'), 3],
      [where('qrels.jsonl'), 4],
      [where('qrels.jsonl'), 5],
    ]);
    const reasons = dataset.skipped.map((row) => row.reason);
    expect(reasons[1]).toMatch(/^invalid JSON/);
    expect(reasons[2]).toBe('missing field id / _id');
    expect(reasons[3]).toBe('duplicate id "d1"');
    expect(reasons[4]).toBe('field text is empty');
    expect(reasons[5]).toBe('doc_id "d2" is not in corpus.jsonl');
    expect(reasons[6]).toBe('field score must be a finite number, got string');
    expect(reasons[7]).toBe('query_id "q9" is not in queries.jsonl');
    expect(reasons[8]).toBe('duplicate judgement for "q1" / "d4"');
    // BEIR _id and title are understood.
    expect(dataset.corpus).toEqual([
      { id: 'd1', text: 'alpha beta' },
      { id: 'd4', text: 'Title\nepsilon alpha' },
    ]);
    expect(plainQrels(dataset)).toEqual({ q1: { d4: 1, d1: 0 } });
  });
});

describe('model card CSV', () => {
  it('builds the corpus from every row and a query from every question', () => {
    const dataset = loadDataset(fixture('card.csv'));
    expect(dataset.format).toBe('card-csv');
    expect(dataset.corpus).toEqual([
      { id: 'd3', text: 'delta' },
      { id: 'd4', text: 'epsilon alpha' },
      { id: 'd2', text: 'alpha gamma' },
      { id: 'd1', text: 'alpha beta' },
      { id: 'd5', text: 'zeta "quoted"\r\nsecond line' },
    ]);
    // The two "alpha, please" rows are one query with both docs relevant.
    expect(dataset.queries).toEqual([
      { id: 'q1', text: 'delta?' },
      { id: 'q2', text: 'alpha, please' },
      { id: 'q3', text: 'zeta omega' },
    ]);
    expect(plainQrels(dataset)).toEqual({ q1: { d3: 1 }, q2: { d4: 1, d2: 1 }, q3: { d1: 1 } });
    expect(dataset.skipped).toEqual([]);
  });

  it('throws on the first malformed row', () => {
    const error = loadError(fixture('card-malformed.csv'));
    expect([error.line, error.reason]).toEqual([3, 'expected 4 fields, found 3']);
  });

  it('skips and lists malformed rows, the unterminated quote included', () => {
    const dataset = loadDataset(fixture('card-malformed.csv'), { skipMalformed: true });
    expect(dataset.skipped.map(({ line, reason }) => [line, reason])).toEqual([
      [3, 'expected 4 fields, found 3'],
      [4, 'quote inside unquoted field 1'],
      [5, 'unexpected text after the closing quote of field 1'],
      [6, 'field doc_id is empty'],
      [7, 'field doc is empty'],
      [10, 'doc_id "d3" appears earlier with a different doc text'],
      [11, 'unterminated quoted field (quote opened on line 11)'],
    ]);
    expect(dataset.corpus.map((doc) => doc.id)).toEqual(['d3', 'd6']);
    expect(dataset.queries.map((query) => query.text)).toEqual(['delta?', 'multi\nline question']);
  });

  it('needs the question, doc_id and doc columns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'card-'));
    writeFileSync(join(dir, 'bad.csv'), 'question,answer,doc\nq,a,d\n');
    const error = loadError(join(dir, 'bad.csv'));
    expect([error.line, error.reason]).toEqual([1, 'header lacks column(s) doc_id']);
    writeFileSync(join(dir, 'empty.csv'), '');
    expect(loadError(join(dir, 'empty.csv')).reason).toMatch(/empty file/);
  });
});

describe('FlagEmbedding JSONL', () => {
  it('gives each query its own candidate list in a label-free order', () => {
    const dataset = loadDataset(fixture('flag.jsonl'));
    expect(dataset.format).toBe('flag-jsonl');
    expect(dataset.corpus.map((doc) => doc.text)).toEqual([
      'epsilon alpha',
      'alpha beta',
      'alpha gamma',
      'delta',
      'zeta',
    ]);
    // Query ids carry the line number; line 2 is blank.
    expect(dataset.queries).toEqual([
      { id: 'q1', text: 'alpha' },
      { id: 'q3', text: 'zeta' },
    ]);
    const texts = (queryId: string) =>
      dataset.candidatesPerQuery!.get(queryId)!.map((id) => dataset.corpus.find((doc) => doc.id === id)!.text);
    expect(texts('q1')).toEqual(['alpha beta', 'alpha gamma', 'delta', 'epsilon alpha']);
    expect(texts('q3')).toEqual(['delta', 'zeta']);
    // "delta" is shared by both queries under one id.
    expect(plainQrels(dataset)).toEqual({ q1: { p1: 1, p2: 0, p3: 0, p4: 0 }, q3: { p5: 1, p4: 0 } });
  });

  it('counts a passage listed as both positive and negative once, as positive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flag-'));
    writeFileSync(join(dir, 'dup.jsonl'), '{"query": "q", "pos": ["a", "a"], "neg": ["a", "b"]}\n');
    const dataset = loadDataset(join(dir, 'dup.jsonl'));
    expect(dataset.candidatesPerQuery!.get('q1')).toEqual(['p1', 'p2']);
    expect(plainQrels(dataset)).toEqual({ q1: { p1: 1, p2: 0 } });
  });

  it('throws on the first malformed row', () => {
    const error = loadError(fixture('flag-malformed.jsonl'));
    expect(error.line).toBe(2);
    expect(error.reason).toMatch(/^invalid JSON/);
  });

  it('skips and lists malformed rows, leaving nothing of them in the corpus', () => {
    const dataset = loadDataset(fixture('flag-malformed.jsonl'), { skipMalformed: true });
    expect(dataset.skipped.map(({ line, reason }) => [line, reason.replace(/\(.*\)/, '(…)')])).toEqual([
      [2, 'invalid JSON (…)'],
      [3, 'missing field query'],
      [4, 'field pos must be an array of strings, got string'],
      [5, 'field pos[1] must be a string, got number'],
      [6, 'field pos is empty: a query needs at least one positive passage'],
      [7, 'missing field neg'],
      [8, 'row is not a JSON object'],
    ]);
    expect(dataset.queries.map((query) => query.id)).toEqual(['q1', 'q9']);
    expect(dataset.corpus.map((doc) => doc.text)).toEqual(['epsilon alpha', 'alpha beta', 'zeta', 'delta']);
  });
});

describe('format detection', () => {
  it('goes by folder or extension and refuses anything else', () => {
    expect(detectFormat(fixture('mteb-small'))).toBe('mteb');
    expect(detectFormat(fixture('card.csv'))).toBe('card-csv');
    expect(detectFormat(fixture('flag.jsonl'))).toBe('flag-jsonl');
    const dir = mkdtempSync(join(tmpdir(), 'detect-'));
    writeFileSync(join(dir, 'data.txt'), '');
    expect(() => detectFormat(join(dir, 'data.txt'))).toThrow(DatasetFormatError);
  });
});
