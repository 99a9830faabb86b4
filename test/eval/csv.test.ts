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

  it('an unterminated quote costs its own row only: the lines after it are read as rows', () => {
    expect(parseCsv('a,b\nc,"open\nmore,1\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, error: 'unterminated quoted field (quote opened on line 2)' },
      { line: 3, fields: ['more', '1'] },
    ]);
    expect(parseCsv('a\n"x\n""')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, error: 'unterminated quoted field (quote opened on line 2)' },
      { line: 3, fields: [''] },
    ]);
    expect(parseCsv('h\r\n"open\r\nx,1\r\n')).toEqual([
      { line: 1, fields: ['h'] },
      { line: 2, error: 'unterminated quoted field (quote opened on line 2)' },
      { line: 3, fields: ['x', '1'] },
    ]);
    expect(parseCsv('a\n"x')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, error: 'unterminated quoted field (quote opened on line 2)' },
    ]);
  });

  it('a stray quote that a later row closes costs its own row, not the rows it swallowed', () => {
    // The quote on line 2 pairs with the opening quote on line 4; the text after that "closing"
    // quote shows the pairing is wrong, so lines 3 and 4 are read again as rows of their own.
    expect(parseCsv('h,i\na,"stray\nb,c\nd,"e"\n')).toEqual([
      { line: 1, fields: ['h', 'i'] },
      { line: 2, error: 'unexpected text after the closing quote of field 2 (quote opened on line 2, closed on 4)' },
      { line: 3, fields: ['b', 'c'] },
      { line: 4, fields: ['d', 'e'] },
    ]);
  });

  it('a row that starts with a good multi-line field and then breaks costs the lines up to the broken quote', () => {
    expect(parseCsv('"a\nb",c,"open\nd,e\n')).toEqual([
      { line: 1, error: 'unterminated quoted field (quote opened on line 2)' },
      { line: 3, fields: ['d', 'e'] },
    ]);
  });
});
