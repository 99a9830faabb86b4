import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/eval/datasets/csv.js';

describe('parseCsv', () => {
  it('reads plain and quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('a,b,c\n1,"x, ""y""\nz",3\n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, "y"\nz', '3'] },
    ]);
  });

  it('accepts CRLF and LF, keeps CRLF inside quotes, numbers lines by where records start', () => {
    expect(parseCsv('h\r\n"a\r\nb"\r\nc')).toEqual([
      { line: 1, fields: ['h'] },
      { line: 2, fields: ['a\r\nb'] },
      { line: 4, fields: ['c'] },
    ]);
  });

  it('keeps empty fields, quoted empty records, and skips only truly empty lines', () => {
    expect(parseCsv('\uFEFFa,,b\n\n,\n""\n')).toEqual([
      { line: 1, fields: ['a', '', 'b'] },
      { line: 3, fields: ['', ''] },
      { line: 4, fields: [''] },
    ]);
  });

  it('reports a stray quote and text after a closing quote, then resumes on the next line', () => {
    expect(parseCsv('a,b"c\n"x"y,z\nok,1')).toEqual([
      { line: 1, error: 'quote inside unquoted field 2' },
      { line: 2, error: 'unexpected text after the closing quote of field 1' },
      { line: 3, fields: ['ok', '1'] },
    ]);
  });

  it('reports an unterminated quote with the line it opened on and the lines it swallowed, and stops', () => {
    expect(parseCsv('a,b\nc,"open\nmore\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      {
        line: 2,
        error:
          'unterminated quoted field (quote opened on line 2): lines 2-3, the rest of the file, were not read (2 lines)',
      },
    ]);
    expect(parseCsv('a\n"x\n""')).toEqual([
      { line: 1, fields: ['a'] },
      {
        line: 2,
        error:
          'unterminated quoted field (quote opened on line 2): lines 2-3, the rest of the file, were not read (2 lines)',
      },
    ]);
    expect(parseCsv('a\n"x')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, error: 'unterminated quoted field (quote opened on line 2)' },
    ]);
  });
});
