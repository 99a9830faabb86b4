/**
 * FlagEmbedding reranker data: one {"query": str, "pos": [str], "neg": [str]} per line (extra keys
 * such as pos_scores or prompt are ignored). Each query is ranked only within its own pos + neg list.
 * Identical passage texts share one corpus id; a text listed twice for one query counts once, as
 * relevant if it is among the positives. Candidate lists are sorted by passage text, because the
 * file's pos-then-neg order would otherwise leak the labels through any order-based tie-breaking.
 */
import { MalformedRowPolicy, RowError } from './errors.js';
import { asObject, stringArrayField, stringField } from './fields.js';
import { forEachJsonLine } from './jsonl.js';
import type { Dataset, DatasetLoadOptions, Passage } from './types.js';

export function loadFlagJsonl(file: string, options: DatasetLoadOptions = {}): Dataset {
  const policy = new MalformedRowPolicy(options.skipMalformed ?? false);
  const corpus: Passage[] = [];
  const idByText = new Map<string, string>();
  const queries: Passage[] = [];
  const qrels = new Map<string, Map<string, number>>();
  const candidatesPerQuery = new Map<string, string[]>();

  const passageId = (text: string): string => {
    let id = idByText.get(text);
    if (id === undefined) {
      id = `p${corpus.length + 1}`;
      idByText.set(text, id);
      corpus.push({ id, text });
    }
    return id;
  };

  const textById = (id: string): string => corpus[Number(id.slice(1)) - 1]!.text;

  forEachJsonLine(file, policy, (value, line) => {
    const row = asObject(value);
    const query = stringField(row, ['query']);
    const pos = stringArrayField(row, 'pos');
    const neg = stringArrayField(row, 'neg');
    if (pos.length === 0) throw new RowError('field pos is empty: a query needs at least one positive passage');
    const empty = [...pos, ...neg].findIndex((text) => text.trim() === '');
    if (empty >= 0)
      throw new RowError(`${empty < pos.length ? `pos[${empty}]` : `neg[${empty - pos.length}]`} is an empty passage`);

    // Ids only after validation, so a rejected row leaves nothing behind in the corpus.
    const queryId = `q${line}`;
    const judgements = new Map<string, number>();
    const candidates: string[] = [];
    for (const text of pos) {
      const id = passageId(text);
      if (!judgements.has(id)) candidates.push(id);
      judgements.set(id, 1);
    }
    for (const text of neg) {
      const id = passageId(text);
      if (candidates.includes(id)) continue;
      candidates.push(id);
      judgements.set(id, 0);
    }
    candidates.sort((a, b) => compareText(textById(a), textById(b)));
    queries.push({ id: queryId, text: query });
    qrels.set(queryId, judgements);
    candidatesPerQuery.set(queryId, candidates);
  });
  return { format: 'flag-jsonl', corpus, queries, qrels, candidatesPerQuery, skipped: policy.skipped };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
