/**
 * Measures first-stage retrieval variants (tokenisation, field combinations and weights, BM25 k1/b)
 * on an MTEB-style folder and prints markdown tables, so the defaults in src/retrieval are reproducible.
 *
 *   npx tsx scripts/tune-retrieval.ts [folder]      (default <repository>/../shared/data/autorag-ko)
 *
 * Only general settings are compared; nothing here looks at individual queries.
 */
import path from 'node:path';
import { loadMtebFolder } from '../src/eval/datasets/mteb.js';
import type { Dataset } from '../src/eval/datasets/types.js';
import { evaluateRankings } from '../src/eval/metrics.js';
import {
  DEFAULT_B,
  DEFAULT_FIELDS,
  DEFAULT_K1,
  LexicalIndex,
  type FieldOptions,
  type LexicalIndexOptions,
} from '../src/retrieval/index.js';

interface Variant {
  name: string;
  options: LexicalIndexOptions;
  /** Applied to documents and queries before indexing (only to compare with Intl.Segmenter). */
  pre?: (text: string) => string;
}

const folder = process.argv[2] ?? path.resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'autorag-ko');
const dataset = loadMtebFolder(folder);

const words: FieldOptions = { name: 'words', analyzer: { type: 'word' } };
const particles: FieldOptions = { name: 'stems', analyzer: { type: 'word', suffixes: 'particles' } };
const stems: FieldOptions = { name: 'stems', analyzer: { type: 'word', suffixes: 'all' } };
const uni: FieldOptions = { name: 'uni', analyzer: { type: 'ngram', n: 1 } };
const bi: FieldOptions = { name: 'bigrams', analyzer: { type: 'ngram', n: 2 } };
const biJoin: FieldOptions = { name: 'bigrams', analyzer: { type: 'ngram', n: 2, joinSpaces: true } };
const biStems: FieldOptions = { name: 'bigrams', analyzer: { type: 'ngram', n: 2, suffixes: 'all' } };
const tri: FieldOptions = { name: 'tri', analyzer: { type: 'ngram', n: 3 } };
const withWeight = (field: FieldOptions, weight: number): FieldOptions => ({ ...field, weight });
const withMinStem = (minStem: number): FieldOptions => ({
  ...stems,
  analyzer: { type: 'word', suffixes: 'all', minStem },
});

const segmenter = new Intl.Segmenter('ko', { granularity: 'word' });
const segment = (text: string): string =>
  [...segmenter.segment(text)]
    .filter((part) => part.isWordLike)
    .map((part) => part.segment)
    .join(' ');

const tokenisation: Variant[] = [
  { name: 'words (script-split runs)', options: { fields: [words] } },
  { name: 'Intl.Segmenter words', options: { fields: [words] }, pre: segment },
  { name: 'words, particles stripped', options: { fields: [particles] } },
  { name: 'words, particles + endings stripped ("stems")', options: { fields: [stems] } },
  { name: 'syllable unigrams', options: { fields: [uni] } },
  { name: 'syllable bigrams', options: { fields: [bi] } },
  { name: 'syllable bigrams across spaces', options: { fields: [biJoin] } },
  { name: 'syllable bigrams of stems', options: { fields: [biStems] } },
  { name: 'syllable trigrams', options: { fields: [tri] } },
];

const combinations: Variant[] = [
  { name: 'unigrams + bigrams', options: { fields: [uni, bi] } },
  { name: 'bigrams + trigrams', options: { fields: [bi, tri] } },
  { name: 'words + bigrams', options: { fields: [words, bi] } },
  { name: 'particles-stripped words + bigrams', options: { fields: [particles, bi] } },
  { name: 'stems + bigrams (default)', options: { fields: [stems, bi] } },
  { name: 'stems + bigrams across spaces', options: { fields: [stems, biJoin] } },
  { name: 'stems + bigrams of stems', options: { fields: [stems, biStems] } },
  { name: 'stems + bigrams + trigrams', options: { fields: [stems, bi, tri] } },
  { name: 'stems (min stem 1) + bigrams', options: { fields: [withMinStem(1), bi] } },
  { name: 'stems (min stem 3) + bigrams', options: { fields: [withMinStem(3), bi] } },
  { name: 'stems + bigrams, repeated query terms once', options: { fields: [stems, bi], uniqueQueryTerms: true } },
  ...[0.25, 0.5, 2, 4].map((weight) => ({
    name: `stems + bigrams x${weight}`,
    options: { fields: [stems, withWeight(bi, weight)] },
  })),
];

const grid: Variant[] = [];
for (const k1 of [0.6, 0.9, 1.2, 1.5, 2.0]) {
  for (const b of [0.3, 0.5, 0.75, 0.9, 1.0])
    grid.push({ name: 'stems + bigrams', options: { fields: [stems, bi], k1, b } });
}

printTable('Tokenisation (one field, k1 1.2, b 0.75)', tokenisation);
printTable('Field combinations and weights (k1 1.2, b 0.75)', combinations);
printTable('BM25 parameters (stems + bigrams)', grid);
printGroups('Defaults by query-id group (text after the last "_" in the query id)', dataset);

function printTable(title: string, variants: Variant[]): void {
  console.log(`\n### ${title}\n`);
  console.log('| variant | k1 | b | NDCG@10 | MRR@10 | R@10 | R@50 | R@100 |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const variant of variants) {
    const { rankings, index } = rank(variant, dataset);
    const at = (k: number) => evaluateRankings(rankings, dataset.qrels, k);
    const [at10, at50, at100] = [at(10), at(50), at(100)];
    const { k1, b } = index.options;
    console.log(
      `| ${variant.name} | ${k1} | ${b} | ${f(at10.ndcg10)} | ${f(at10.mrr)} | ${f(at10.recall)} | ${f(at50.recall)} | ${f(at100.recall)} |`,
    );
  }
}

/** Per-group figures show whether the defaults win everywhere or only on average. */
function printGroups(title: string, data: Dataset): void {
  const groupOf = (id: string): string => id.slice(id.lastIndexOf('_') + 1);
  const groups = [...new Set(data.queries.map((query) => groupOf(query.id)))];
  const defaults: Variant = {
    name: 'stems + bigrams (default)',
    options: { fields: [...DEFAULT_FIELDS], k1: DEFAULT_K1, b: DEFAULT_B },
  };
  const compared = [tokenisation[0]!, tokenisation[3]!, tokenisation[5]!, defaults];
  console.log(`\n### ${title}\n`);
  console.log(`| variant | ${groups.map((group) => `${group} NDCG@10`).join(' | ')} |`);
  console.log(`|---|${groups.map(() => '---').join('|')}|`);
  for (const variant of compared) {
    const { rankings } = rank(variant, data);
    const cells = groups.map((group) => {
      const qrels = new Map([...data.qrels].filter(([id]) => groupOf(id) === group));
      return `${f(evaluateRankings(rankings, qrels, 10).ndcg10)} (${qrels.size})`;
    });
    console.log(`| ${variant.name} | ${cells.join(' | ')} |`);
  }
}

function rank(variant: Variant, data: Dataset): { rankings: Map<string, string[]>; index: LexicalIndex } {
  const pre = variant.pre ?? ((text: string) => text);
  const index = new LexicalIndex(variant.options);
  index.add(data.corpus.map((doc) => ({ id: doc.id, text: pre(doc.text) })));
  const rankings = new Map<string, string[]>();
  for (const query of data.queries)
    rankings.set(
      query.id,
      index.search(pre(query.text), 100).map((hit) => hit.id),
    );
  return { rankings, index };
}

function f(value: number): string {
  return value.toFixed(3);
}
