/**
 * The seed model card's evaluation CSV: header `question,answer,doc_id,doc` (any column order,
 * extra columns ignored). Every row's doc joins the corpus (deduplicated by doc_id); a row with a
 * question makes that doc relevant to it. Rows with the same question text are one query with
 * every such doc relevant, so a query is never penalised for ranking its own other answer first.
 */
import { parseCsv } from './csv.js';
import { DatasetFormatError, MalformedRowPolicy, RowError, readDatasetFile } from './errors.js';
import type { Dataset, DatasetLoadOptions, Passage } from './types.js';

const REQUIRED = ['question', 'doc_id', 'doc'] as const;

export function loadCardCsv(file: string, options: DatasetLoadOptions = {}): Dataset {
  return parseCardCsv(readDatasetFile(file), file, options);
}

/** `file` only labels errors. */
export function parseCardCsv(text: string, file: string, options: DatasetLoadOptions = {}): Dataset {
  const policy = new MalformedRowPolicy(options.skipMalformed ?? false);
  const items = parseCsv(text);
  const header = items[0];
  if (!header) throw new DatasetFormatError(file, 0, 'empty file: a header row is needed');
  if ('error' in header) throw new DatasetFormatError(file, header.line, header.error);
  const names = header.fields.map((name) => name.trim().toLowerCase());
  const column = Object.fromEntries(REQUIRED.map((name) => [name, names.indexOf(name)])) as Record<
    (typeof REQUIRED)[number],
    number
  >;
  const missing = REQUIRED.filter((name) => column[name] < 0);
  if (missing.length > 0)
    throw new DatasetFormatError(file, header.line, `header lacks column(s) ${missing.join(', ')}`);

  const corpus: Passage[] = [];
  const docText = new Map<string, string>();
  const queries: Passage[] = [];
  const queryByText = new Map<string, Passage>();
  const qrels = new Map<string, Map<string, number>>();

  for (const item of items.slice(1)) {
    if ('error' in item) {
      policy.report(file, item.line, item.error);
      continue;
    }
    policy.guard(file, item.line, () => {
      if (item.fields.length !== names.length)
        throw new RowError(`expected ${names.length} fields, found ${item.fields.length}`);
      const question = item.fields[column.question]!.trim();
      const docId = item.fields[column.doc_id]!.trim();
      const doc = item.fields[column.doc]!;
      if (docId === '') throw new RowError('field doc_id is empty');
      if (doc.trim() === '') throw new RowError('field doc is empty');
      const known = docText.get(docId);
      if (known !== undefined && known !== doc)
        throw new RowError(`doc_id ${JSON.stringify(docId)} appears earlier with a different doc text`);
      if (known === undefined) {
        docText.set(docId, doc);
        corpus.push({ id: docId, text: doc });
      }
      if (question === '') return;
      let query = queryByText.get(question);
      if (!query) {
        query = { id: `q${queries.length + 1}`, text: question };
        queryByText.set(question, query);
        queries.push(query);
        qrels.set(query.id, new Map());
      }
      qrels.get(query.id)!.set(docId, 1);
    });
  }
  return { format: 'card-csv', corpus, queries, qrels, skipped: policy.skipped };
}
