/**
 * Measures first-stage retrieval variants on an MTEB-style folder and picks settings by
 * cross-validation over query folds, so the defaults in src/retrieval are reproducible and their
 * figure is one measured on queries the choice did not see.
 *
 *   npx tsx scripts/tune-retrieval.ts [folder] [--folds 5] [--pages 4] [--json out.json]
 *   (default folder <repository>/../shared/data/autorag-ko)
 *
 * Two views of the data: the passages as given ("pages"), and "long documents" made by joining
 * --pages consecutive pages of one source file (ids "<file> - <page>"), the relevant
 * document being the one holding the relevant page: a stand-in for long technical documents.
 * Only general settings are compared; nothing here looks at individual queries.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadMtebFolder } from '../src/eval/datasets/mteb.js';
import type { Dataset } from '../src/eval/datasets/types.js';
import { hitRateAt, ndcgAt, reciprocalRankAt } from '../src/eval/metrics.js';
import { parseCommandLine, usageError } from './command-line.js';
import {
  createAnalyzer,
  DEFAULT_FIELDS,
  LexicalIndex,
  type FieldOptions,
  type LexicalIndexOptions,
} from '../src/retrieval/index.js';

const USAGE = `usage: npx tsx scripts/tune-retrieval.ts [folder] [--folds 5] [--pages 4] [--json out.json]
  folder        an MTEB folder whose document ids are "<file> - <page>" (default ../shared/data/autorag-ko)
  --folds N     cross-validation folds over queries (default 5)
  --pages N     pages joined into one document for the long-document view (default 4)
  --json FILE   also write every figure as JSON`;

const { values, positionals } = parseCommandLine(USAGE, {
  allowPositionals: true,
  options: {
    folds: { type: 'string', default: '5' },
    pages: { type: 'string', default: '4' },
    json: { type: 'string' },
  },
});
for (const flag of ['folds', 'pages'] as const)
  if (!(Number.isInteger(Number(values[flag])) && Number(values[flag]) > 0))
    usageError(`--${flag} must be a positive integer, got ${JSON.stringify(values[flag])}`);
const PAGES_PER_DOCUMENT = Number(values.pages);
const folder = positionals[0] ?? path.resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'autorag-ko');
const folds = Number(values.folds);

const stems: FieldOptions = { name: 'stems', analyzer: { type: 'word', suffixes: 'all' } };
const words: FieldOptions = { name: 'words', analyzer: { type: 'word' } };
const uni: FieldOptions = { name: 'uni', analyzer: { type: 'ngram', n: 1 } };
const bi: FieldOptions = { name: 'bigrams', analyzer: { type: 'ngram', n: 2 } };
const tri: FieldOptions = { name: 'tri', analyzer: { type: 'ngram', n: 3 } };
const biJoin: FieldOptions = { name: 'bigrams', analyzer: { type: 'ngram', n: 2, joinSpaces: true } };
const feedbackTerms = createAnalyzer({ type: 'word', suffixes: 'all' });
const weighted = (field: FieldOptions, weight: number): FieldOptions => ({ ...field, weight });

interface Feedback {
  /** Top documents whose best passages give the expansion terms. */
  docs: number;
  terms: number;
  /** Times the original query is repeated, i.e. its weight against the expansion terms. */
  originalWeight: number;
}

interface Variant {
  name: string;
  options: LexicalIndexOptions;
  /** RM3-style pseudo-relevance feedback: expand the query from the first search's top passages. */
  feedback?: Feedback;
}

const DEFAULT_NAME = 'default: stems + bigrams, passages 384/96';
const current: Variant[] = [{ name: DEFAULT_NAME, options: {} }];
const whole = (fields: FieldOptions[]): LexicalIndexOptions => ({ fields, passages: null });
const fieldSets: Variant[] = [
  { name: 'stems + bigrams (previous default)', options: whole([...DEFAULT_FIELDS]) },
  { name: 'stems', options: whole([stems]) },
  { name: 'bigrams', options: whole([bi]) },
  { name: 'words + stems + bigrams', options: whole([words, stems, bi]) },
  { name: 'stems + bigrams + trigrams', options: whole([stems, bi, tri]) },
  { name: 'stems + unigrams + bigrams', options: whole([stems, weighted(uni, 0.25), bi]) },
  { name: 'stems + bigrams across spaces', options: whole([stems, biJoin]) },
  { name: 'stems + bigrams x0.5', options: whole([stems, weighted(bi, 0.5)]) },
  { name: 'stems + bigrams x2', options: whole([stems, weighted(bi, 2)]) },
];
const withFusion = fieldSets
  .filter((variant) => (variant.options.fields?.length ?? 0) > 1 && !variant.name.includes(' x'))
  .map((variant) => ({ name: `${variant.name}, RRF`, options: { ...variant.options, combine: 'rrf' as const } }));
const bm25: Variant[] = [];
for (const variant of ['okapi', 'bm25l', 'bm25+'] as const)
  for (const [k1, b] of [
    [1.2, 0.75],
    [0.9, 0.4],
    [1.5, 0.9],
    [1.2, 0.5],
    [2.0, 0.75],
  ] as const)
    bm25.push({ name: `default fields, ${variant} k1 ${k1} b ${b}`, options: { variant, k1, b, passages: null } });
const passages: Variant[] = [];
// Built from the whole-document defaults, so these rows show passage indexing alone.
for (const maxTokens of [96, 160, 256, 384, 512])
  for (const overlap of [0, 0.25])
    passages.push({
      name: `stems + bigrams, passages ${maxTokens} tokens, overlap ${overlap * 100}%`,
      options: { passages: { maxTokens, overlapTokens: Math.round(maxTokens * overlap) } },
    });
const passagesMixed: Variant[] = [256, 384].flatMap((maxTokens) => [
  {
    name: `stems + bigrams + trigrams, passages ${maxTokens}/25%`,
    options: { fields: [stems, bi, tri], passages: { maxTokens, overlapTokens: maxTokens / 4 } },
  },
  {
    name: `default, passages ${maxTokens}/25%, bm25+`,
    options: { variant: 'bm25+' as const, passages: { maxTokens, overlapTokens: maxTokens / 4 } },
  },
  {
    name: `default, passages ${maxTokens}/25%, RRF`,
    options: { combine: 'rrf' as const, passages: { maxTokens, overlapTokens: maxTokens / 4 } },
  },
]);

const feedback: Variant[] = (
  [
    [3, 5, 2],
    [3, 10, 2],
    [5, 10, 3],
    [3, 5, 4],
    [10, 20, 3],
  ] as const
).map(([docs, terms, originalWeight]) => ({
  name: `default + feedback from ${docs} passages, ${terms} terms, query x${originalWeight}`,
  options: {},
  feedback: { docs, terms, originalWeight },
}));

const groups: [string, Variant[]][] = [
  ['Current default', current],
  ['Whole documents: fields and weights (okapi, k1 1.2, b 0.75, sum)', fieldSets],
  ['Whole documents: fields fused by reciprocal rank (k 60)', withFusion],
  ['Whole documents: BM25 variants and parameters (default fields)', bm25],
  ['Passage indexing (default fields and BM25)', passages],
  ['Passages with the other techniques', passagesMixed],
  ['Pseudo-relevance feedback (RM3 style: stem terms weighted by tf/length x idf x normalised score)', feedback],
];
const all = groups.flatMap(([, variants]) => variants);

interface PerQuery {
  hit6: number;
  mrr6: number;
  mrr10: number;
  ndcg10: number;
}
type Scores = Map<string, PerQuery>;

const pages = loadMtebFolder(folder);
const long = joinPages(pages, PAGES_PER_DOCUMENT);
const report: Record<string, unknown> = {};
for (const [label, dataset] of [
  ['pages', pages],
  [`long documents (${PAGES_PER_DOCUMENT} pages each)`, long],
] as const) {
  console.log(
    `\n## ${label}: ${dataset.corpus.length} documents, ${dataset.queries.length} queries, mean ${mean(dataset.corpus.map((doc) => doc.text.length)).toFixed(0)} characters\n`,
  );
  const scores = new Map(all.map((variant) => [variant.name, evaluate(variant, dataset)]));
  for (const [title, variants] of groups) {
    console.log(`### ${title}\n`);
    console.log('| variant | hit@6 | MRR@6 | MRR@10 | NDCG@10 |');
    console.log('|---|---|---|---|---|');
    for (const variant of variants) console.log(`| ${variant.name} | ${cells(summarise(scores.get(variant.name)!))} |`);
    console.log('');
  }
  const queryIds = dataset.queries.map((query) => query.id).sort();
  const cv = crossValidate(scores, queryIds, folds);
  // The one setting the defaults adopt, chosen alone: whole documents or one of the passage grid.
  const passageGrid = new Map(
    [fieldSets[0]!, ...passages].map((variant) => [variant.name, scores.get(variant.name)!] as const),
  );
  const cvPassages = crossValidate(passageGrid, queryIds, folds);
  const best = [...scores].sort(([, a], [, b]) => objective(summarise(b)) - objective(summarise(a)))[0]!;
  console.log(`### Chosen by ${folds}-fold cross-validation over queries (objective NDCG@10 + MRR@10)\n`);
  console.log('| setting | hit@6 | MRR@6 | MRR@10 | NDCG@10 |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| previous default (whole documents), in-sample | ${cells(summarise(scores.get(fieldSets[0]!.name)!))} |`,
  );
  console.log(`| ${DEFAULT_NAME}, in-sample | ${cells(summarise(scores.get(DEFAULT_NAME)!))} |`);
  console.log(`| best in-sample: ${best[0]} | ${cells(summarise(best[1]))} |`);
  console.log(`| cross-validated choice among all variants above | ${cells(cv.summary)} |`);
  console.log(
    `| cross-validated choice of passage setting (whole documents or the grid) | ${cells(cvPassages.summary)} |`,
  );
  console.log(`\nPicked per fold among all: ${cv.picks.join('; ')}`);
  console.log(`\nPicked per fold among passage settings: ${cvPassages.picks.join('; ')}\n`);
  report[label] = {
    variants: Object.fromEntries([...scores].map(([name, perQuery]) => [name, summarise(perQuery)])),
    crossValidated: cv,
    crossValidatedPassages: cvPassages,
  };
}
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);

function evaluate(variant: Variant, data: Dataset): Scores {
  const index = new LexicalIndex(variant.options);
  index.add(data.corpus);
  const out: Scores = new Map();
  const texts = new Map(data.corpus.map((doc) => [doc.id, doc.text]));
  const documentFrequency = new Map<string, number>();
  if (variant.feedback)
    for (const doc of data.corpus)
      for (const term of new Set(feedbackTerms(doc.text)))
        documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  for (const query of data.queries) {
    const judgements = data.qrels.get(query.id) ?? new Map<string, number>();
    const text = variant.feedback
      ? expandQuery(index, query.text, texts, documentFrequency, data.corpus.length, variant.feedback)
      : query.text;
    const ranking = index.search(text, 10).map((hit) => hit.id);
    out.set(query.id, {
      hit6: hitRateAt(ranking, judgements, 6),
      mrr6: reciprocalRankAt(ranking, judgements, 6),
      mrr10: reciprocalRankAt(ranking, judgements, 10),
      ndcg10: ndcgAt(ranking, judgements, 10),
    });
  }
  return out;
}

/** The query repeated originalWeight times plus the best new stems of the top passages. */
function expandQuery(
  index: LexicalIndex,
  query: string,
  texts: Map<string, string>,
  documentFrequency: Map<string, number>,
  docCount: number,
  feedback: Feedback,
): string {
  const top = index.search(query, feedback.docs);
  const weights = new Map<string, number>();
  for (const hit of top) {
    const passage = texts.get(hit.id)!.slice(hit.passage?.start ?? 0, hit.passage?.end);
    const terms = feedbackTerms(passage);
    for (const term of terms) {
      if (term.length < 2) continue;
      const idf = Math.log(docCount / (documentFrequency.get(term) ?? 1));
      const add = ((hit.score / top[0]!.score) * idf) / terms.length;
      weights.set(term, (weights.get(term) ?? 0) + add);
    }
  }
  const asked = new Set(feedbackTerms(query));
  const expansion = [...weights]
    .filter(([term]) => !asked.has(term))
    .sort((a, b) => b[1] - a[1])
    .slice(0, feedback.terms)
    .map(([term]) => term);
  return [...new Array<string>(feedback.originalWeight).fill(query), ...expansion].join(' ');
}

function summarise(perQuery: Scores, only?: readonly string[]): PerQuery {
  const rows = only ? only.map((id) => perQuery.get(id)!) : [...perQuery.values()];
  return {
    hit6: mean(rows.map((row) => row.hit6)),
    mrr6: mean(rows.map((row) => row.mrr6)),
    mrr10: mean(rows.map((row) => row.mrr10)),
    ndcg10: mean(rows.map((row) => row.ndcg10)),
  };
}

function objective(summary: PerQuery): number {
  return summary.ndcg10 + summary.mrr10;
}

/**
 * Queries dealt round-robin (sorted by id) into folds; on each fold, the variant best on the other
 * folds is scored. Ties go to the earlier variant, so the default wins unless beaten.
 */
function crossValidate(
  scores: Map<string, Scores>,
  queryIds: string[],
  foldCount: number,
): { summary: PerQuery; picks: string[] } {
  const heldOutScores: PerQuery[] = [];
  const picks: string[] = [];
  for (let fold = 0; fold < foldCount; fold++) {
    const train = queryIds.filter((_, i) => i % foldCount !== fold);
    const test = queryIds.filter((_, i) => i % foldCount === fold);
    let bestName = '';
    let bestValue = -Infinity;
    for (const [name, perQuery] of scores) {
      const value = objective(summarise(perQuery, train));
      if (value > bestValue + 1e-12) [bestName, bestValue] = [name, value];
    }
    picks.push(bestName);
    for (const id of test) heldOutScores.push(scores.get(bestName)!.get(id)!);
  }
  const all = new Map(heldOutScores.map((row, i) => [String(i), row]));
  return { summary: summarise(all), picks };
}

/** Consecutive pages of one file ("<file> - <page>") joined into documents of `size` pages. */
function joinPages(data: Dataset, size: number): Dataset {
  const byFile = new Map<string, { page: number; id: string; text: string }[]>();
  for (const doc of data.corpus) {
    const cut = doc.id.lastIndexOf(' - ');
    const file = doc.id.slice(0, cut);
    const pagesOfFile = byFile.get(file) ?? [];
    pagesOfFile.push({ page: Number(doc.id.slice(cut + 3)), id: doc.id, text: doc.text });
    byFile.set(file, pagesOfFile);
  }
  const corpus: Dataset['corpus'] = [];
  const documentOf = new Map<string, string>();
  for (const [file, filePages] of byFile) {
    filePages.sort((a, b) => a.page - b.page);
    for (let start = 0; start < filePages.length; start += size) {
      const chunk = filePages.slice(start, start + size);
      const id = `${file} - pages ${chunk[0]!.page}-${chunk[chunk.length - 1]!.page}`;
      for (const page of chunk) documentOf.set(page.id, id);
      corpus.push({ id, text: chunk.map((page) => page.text).join('\n') });
    }
  }
  const qrels = new Map(
    [...data.qrels].map(([query, judgements]) => [
      query,
      new Map([...judgements].map(([doc, relevance]) => [documentOf.get(doc)!, relevance])),
    ]),
  );
  return { ...data, corpus, qrels };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function cells(summary: PerQuery): string {
  return [summary.hit6, summary.mrr6, summary.mrr10, summary.ndcg10].map((value) => value.toFixed(3)).join(' | ');
}
