import { describe, expect, test } from 'vitest';
import { CorpusFormatError, detectCorpusFormat, parseCorpus } from '../../src/demo/corpus-file.js';

describe('user corpus files', () => {
  test('text: paragraphs split on blank lines, else one passage per line', () => {
    expect(parseCorpus('첫 문단\n이어짐\n\n둘째 문단\r\n\r\n\n셋째', 'txt').map((p) => p.text)).toEqual([
      '첫 문단 이어짐',
      '둘째 문단',
      '셋째',
    ]);
    expect(parseCorpus('하나\n둘\n\n', 'txt').map((p) => p.text)).toEqual(['하나', '둘']);
  });

  test('jsonl: text under any accepted field, ids kept, blank lines skipped', () => {
    const parsed = parseCorpus('{"id": "a", "text": "금리"}\n\n{"contents": "환율", "title": "경제"}\n', 'jsonl');
    expect(parsed).toEqual([
      { id: 'a', text: '금리' },
      { id: '2', text: '환율', title: '경제' },
    ]);
  });

  test('csv: quoted fields with commas and line breaks', () => {
    const csv = 'id,title,text\n1,제목,"쉼표, 그리고\n줄바꿈"\n2,,"따옴표 ""인용"""\n';
    expect(parseCorpus(csv, 'csv')).toEqual([
      { id: '1', title: '제목', text: '쉼표, 그리고\n줄바꿈' },
      { id: '2', text: '따옴표 "인용"' },
    ]);
  });

  test('malformed files name the line and the problem', () => {
    const error = (text: string, format: 'jsonl' | 'csv' | 'txt') => {
      try {
        parseCorpus(text, format);
      } catch (e) {
        expect(e).toBeInstanceOf(CorpusFormatError);
        return (e as Error).message;
      }
      throw new Error('expected a CorpusFormatError');
    };
    expect(error('{"text": "ok"}\n{"text": broken}\n', 'jsonl')).toBe('line 2: not valid JSON');
    expect(error('{"text": "ok"}\n{"id": 3}\n', 'jsonl')).toMatch(/^line 2: no text field/);
    expect(error('[1, 2]\n', 'jsonl')).toBe('line 1: expected a JSON object');
    expect(error('id,body\n1,x\n', 'csv')).toMatch(/^line 1: the header has no text column/);
    expect(error('id,text\n1,x\n2,y,z\n', 'csv')).toBe('line 3: 3 fields where the header has 2');
    expect(error('text\n"unterminated\n', 'csv')).toMatch(/^line 2: /);
    expect(error('  \n\n', 'txt')).toBe('no passages found');
  });

  test('format from the file name', () => {
    expect([
      detectCorpusFormat('a.JSONL'),
      detectCorpusFormat('b.csv'),
      detectCorpusFormat('c.txt'),
      detectCorpusFormat('d'),
    ]).toEqual(['jsonl', 'csv', 'txt', 'txt']);
  });
});
