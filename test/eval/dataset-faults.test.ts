/**
 * Dataset faults (issue 10, item 11): a missing file of an MTEB folder is a DatasetFormatError naming
 * it (was a raw ENOENT). Issue 25, item 4: an unterminated quote in a CSV costs its own row only
 * (was: the rest of the file), and the report lists exactly that row.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, loadDataset } from '../../src/eval/datasets/index.js';

const MTEB = join(import.meta.dirname, 'fixtures', 'mteb-small');

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return null;
}

describe('MTEB folder with a file missing', () => {
  it.each(['qrels.jsonl', 'queries.jsonl', 'corpus.jsonl'])(
    'without %s: DatasetFormatError naming the file',
    (missing) => {
      const folder = mkdtempSync(join(tmpdir(), 'mteb-missing-'));
      for (const file of ['corpus.jsonl', 'queries.jsonl', 'qrels.jsonl'])
        if (file !== missing) copyFileSync(join(MTEB, file), join(folder, file));
      for (const skipMalformed of [false, true]) {
        const error = thrown(() => loadDataset(folder, { skipMalformed }));
        expect(error).toBeInstanceOf(DatasetFormatError);
        expect(error).toMatchObject({
          file: join(folder, missing),
          line: 0,
          reason: expect.stringMatching(/file not found/),
        });
      }
      rmSync(folder, { recursive: true, force: true });
    },
  );
});

describe('card CSV with an unterminated quote before its end', () => {
  const text = [
    'question,answer,doc_id,doc',
    'q1,a,d1,one',
    'q2,a,d2,"never closed',
    'q3,a,d3,three',
    'q4,a,d4,four',
    'q5,a,d5,five',
    '',
  ].join('\n');

  it('--skip-malformed skips that one row and reads the rows after it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'card-quote-'));
    const file = join(folder, 'data.csv');
    writeFileSync(file, text);
    const dataset = loadDataset(file, { skipMalformed: true });
    expect(dataset.corpus.map((doc) => doc.id)).toEqual(['d1', 'd3', 'd4', 'd5']);
    expect(dataset.queries.map((query) => query.text)).toEqual(['q1', 'q3', 'q4', 'q5']);
    expect(dataset.skipped).toEqual([{ file, line: 3, reason: 'unterminated quoted field (quote opened on line 3)' }]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('without it, the error names the row', () => {
    const folder = mkdtempSync(join(tmpdir(), 'card-quote-'));
    const file = join(folder, 'data.csv');
    writeFileSync(file, text);
    expect(thrown(() => loadDataset(file))).toMatchObject({
      line: 3,
      reason: 'unterminated quoted field (quote opened on line 3)',
    });
    rmSync(folder, { recursive: true, force: true });
  });
});
