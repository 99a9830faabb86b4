/**
 * MTEB / BEIR-style folder: corpus.jsonl {id|_id, text, title?}, queries.jsonl {id|_id, text},
 * qrels.jsonl {query_id|query-id, doc_id|corpus-id, relevance|score}.
 */
import { join } from 'node:path';
import { MalformedRowPolicy, RowError, readDatasetFile } from './errors.js';
import { asObject, numberField, stringField } from './fields.js';
import { forEachJsonLine } from './jsonl.js';
import type { Dataset, DatasetLoadOptions, Passage } from './types.js';

const ID = ['id', '_id'];
const FILES = ['corpus.jsonl', 'queries.jsonl', 'qrels.jsonl'];

export function loadMtebFolder(folder: string, options: DatasetLoadOptions = {}): Dataset {
  // All three files, before any is parsed: a missing one is named at once.
  for (const file of FILES)
    readDatasetFile(join(folder, file), ' (an MTEB folder holds corpus.jsonl, queries.jsonl and qrels.jsonl)');
  const policy = new MalformedRowPolicy(options.skipMalformed ?? false);
  const corpus = readPassages(join(folder, 'corpus.jsonl'), policy, true);
  const queries = readPassages(join(folder, 'queries.jsonl'), policy, false);
  const docIds = new Set(corpus.map((doc) => doc.id));
  const queryIds = new Set(queries.map((query) => query.id));

  const qrels = new Map<string, Map<string, number>>();
  forEachJsonLine(join(folder, 'qrels.jsonl'), policy, (value) => {
    const row = asObject(value);
    const queryId = stringField(row, ['query_id', 'query-id']);
    const docId = stringField(row, ['doc_id', 'corpus-id']);
    const relevance = numberField(row, ['relevance', 'score']);
    // A judgement on an unknown id is a broken reference, not something to evaluate around.
    if (!queryIds.has(queryId)) throw new RowError(`query_id ${JSON.stringify(queryId)} is not in queries.jsonl`);
    if (!docIds.has(docId)) throw new RowError(`doc_id ${JSON.stringify(docId)} is not in corpus.jsonl`);
    let judgements = qrels.get(queryId);
    if (!judgements) qrels.set(queryId, (judgements = new Map()));
    if (judgements.has(docId))
      throw new RowError(`duplicate judgement for ${JSON.stringify(queryId)} / ${JSON.stringify(docId)}`);
    judgements.set(docId, relevance);
  });
  return { format: 'mteb', corpus, queries, qrels, skipped: policy.skipped };
}

function readPassages(file: string, policy: MalformedRowPolicy, allowTitle: boolean): Passage[] {
  const passages: Passage[] = [];
  const seen = new Set<string>();
  forEachJsonLine(file, policy, (value) => {
    const row = asObject(value);
    const id = stringField(row, ID);
    let text = stringField(row, ['text']);
    // BEIR corpora keep the title apart; it is part of what a passage is about.
    if (allowTitle && 'title' in row) {
      const title = stringField(row, ['title'], true);
      if (title.trim() !== '') text = `${title}\n${text}`;
    }
    if (seen.has(id)) throw new RowError(`duplicate id ${JSON.stringify(id)}`);
    seen.add(id);
    passages.push({ id, text });
  });
  return passages;
}
