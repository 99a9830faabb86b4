/**
 * A user's own corpus for the demo: pasted text or an uploaded TXT, JSONL or CSV file. Pure; a bad file
 * gives a CorpusFormatError that names the line and the problem, and the caller keeps its old corpus.
 */
import { parseCsv } from '../eval/datasets/csv.js';

export type CorpusFormat = 'txt' | 'jsonl' | 'csv';

export interface CorpusPassage {
  id: string;
  text: string;
  title?: string;
}

export class CorpusFormatError extends Error {
  override name = 'CorpusFormatError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

/** Column or field names accepted for the passage text, in order of preference. */
const TEXT_FIELDS = ['text', 'passage', 'doc', 'document', 'content', 'contents'];
const MAX_PASSAGES = 20_000;

export function detectCorpusFormat(fileName: string): CorpusFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  return 'txt';
}

export function parseCorpus(text: string, format: CorpusFormat): CorpusPassage[] {
  const passages = format === 'jsonl' ? parseJsonl(text) : format === 'csv' ? parseCsvCorpus(text) : parseText(text);
  if (passages.length === 0) throw new CorpusFormatError('no passages found');
  if (passages.length > MAX_PASSAGES)
    throw new CorpusFormatError(`${passages.length} passages is more than the demo's limit of ${MAX_PASSAGES}`);
  return passages;
}

/** Paragraphs separated by blank lines; without blank lines, one passage per line. */
function parseText(text: string): CorpusPassage[] {
  const normalised = text.replace(/\r\n?/g, '\n').trim();
  const blocks = /\n\s*\n/.test(normalised) ? normalised.split(/\n\s*\n/) : normalised.split('\n');
  return blocks
    .map((block) => block.replace(/\s+/g, ' ').trim())
    .filter((block) => block.length > 0)
    .map((block, i) => ({ id: String(i + 1), text: block }));
}

function parseJsonl(text: string): CorpusPassage[] {
  const passages: CorpusPassage[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch {
      throw new CorpusFormatError('not valid JSON', line);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      throw new CorpusFormatError('expected a JSON object', line);
    const record = row as Record<string, unknown>;
    const field = TEXT_FIELDS.find(
      (name) => typeof record[name] === 'string' && (record[name] as string).trim() !== '',
    );
    if (!field) throw new CorpusFormatError(`no text field (one of ${TEXT_FIELDS.join(', ')})`, line);
    passages.push({
      id:
        typeof record['id'] === 'string' || typeof record['id'] === 'number'
          ? String(record['id'])
          : String(passages.length + 1),
      text: (record[field] as string).trim(),
      ...(typeof record['title'] === 'string' ? { title: record['title'] } : {}),
    });
  });
  return passages;
}

function parseCsvCorpus(text: string): CorpusPassage[] {
  const items = parseCsv(text);
  const header = items[0];
  if (!header || 'error' in header) throw new CorpusFormatError(header ? header.error : 'empty file', header?.line);
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const textColumn = TEXT_FIELDS.map((name) => columns.indexOf(name)).find((index) => index >= 0);
  if (textColumn === undefined)
    throw new CorpusFormatError(`the header has no text column (one of ${TEXT_FIELDS.join(', ')})`, header.line);
  const idColumn = columns.indexOf('id');
  const titleColumn = columns.indexOf('title');
  const passages: CorpusPassage[] = [];
  for (const item of items.slice(1)) {
    if ('error' in item) throw new CorpusFormatError(item.error, item.line);
    if (item.fields.length === 1 && item.fields[0] === '') continue; // blank line
    if (item.fields.length !== columns.length) {
      throw new CorpusFormatError(`${item.fields.length} fields where the header has ${columns.length}`, item.line);
    }
    const passage = item.fields[textColumn]!.trim();
    if (passage === '') throw new CorpusFormatError('empty text', item.line);
    passages.push({
      id: idColumn >= 0 && item.fields[idColumn] ? item.fields[idColumn]! : String(passages.length + 1),
      text: passage,
      ...(titleColumn >= 0 && item.fields[titleColumn] ? { title: item.fields[titleColumn] } : {}),
    });
  }
  return passages;
}
