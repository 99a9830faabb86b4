/**
 * RFC 4180 CSV: comma-separated fields, CRLF or LF between records, fields optionally in double
 * quotes, where "" is a literal quote and commas and line breaks are data. Short enough to own.
 *
 * A malformed record (a quote inside an unquoted field, text after a closing quote, a quote never
 * closed) becomes one error item and parsing resumes on the next line. When the fault is a quoted
 * field that ran past its own line, the quote was most likely unbalanced: the record is taken to end
 * on the line where that quote opened, and the lines it swallowed are read again as records, so one
 * bad row costs one row.
 */

export type CsvItem =
  /** `line`: 1-based line on which the record starts. */
  { line: number; fields: string[] } | { line: number; error: string };

export function parseCsv(input: string): CsvItem[] {
  const text = input.replace(/^\uFEFF/, '');
  const items: CsvItem[] = [];
  let pos = 0;
  let line = 1;

  const atRecordEnd = (): boolean => pos >= text.length || text[pos] === '\n' || text.startsWith('\r\n', pos);
  const skipRecordEnd = (): void => {
    if (text[pos] === '\r') pos++;
    if (text[pos] === '\n') {
      pos++;
      line++;
    }
  };
  const skipRestOfLine = (): void => {
    while (pos < text.length && text[pos] !== '\n') pos++;
    skipRecordEnd();
  };

  while (pos < text.length) {
    const start = line;
    const emptyLine = atRecordEnd();
    const fields: string[] = [];
    let error: string | undefined;
    /** Set when a faulty quoted field swallowed lines: where reading resumes instead of the next line. */
    let rereadFrom: { pos: number; line: number } | undefined;
    for (;;) {
      let field = '';
      if (text[pos] === '"') {
        const quoteLine = line;
        const quoteLineEnd = text.indexOf('\n', pos);
        // Where to read again if this field turns out to be a stray quote that swallowed lines.
        const afterQuoteLine = { pos: quoteLineEnd < 0 ? text.length : quoteLineEnd + 1, line: quoteLine + 1 };
        pos++;
        for (;;) {
          const close = text.indexOf('"', pos);
          if (close < 0) {
            error = `unterminated quoted field (quote opened on line ${quoteLine})`;
            rereadFrom = afterQuoteLine;
            break;
          }
          field += text.slice(pos, close);
          line += countNewlines(text, pos, close);
          pos = close + 1;
          if (text[pos] !== '"') break;
          field += '"';
          pos++;
        }
        if (!error && !atRecordEnd() && text[pos] !== ',') {
          error = `unexpected text after the closing quote of field ${fields.length + 1}`;
          if (line > quoteLine) {
            error += ` (quote opened on line ${quoteLine}, closed on ${line})`;
            rereadFrom = afterQuoteLine;
          }
        }
      } else {
        const begin = pos;
        while (!atRecordEnd() && text[pos] !== ',' && text[pos] !== '"') pos++;
        if (text[pos] === '"') error = `quote inside unquoted field ${fields.length + 1}`;
        field = text.slice(begin, pos);
      }
      if (error) break;
      fields.push(field);
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      skipRecordEnd();
      break;
    }
    if (error) {
      items.push({ line: start, error });
      if (rereadFrom) ({ pos, line } = rereadFrom);
      else skipRestOfLine();
    } else if (!emptyLine) {
      // An empty line holds no record (a trailing newline, a blank separator line).
      items.push({ line: start, fields });
    }
  }
  return items;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) count++;
  return count;
}
