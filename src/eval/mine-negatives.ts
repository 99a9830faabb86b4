/**
 * Hard-negative mining for reranker fine-tuning, in FlagEmbedding's JSONL format
 * ({"query", "pos": [...], "neg": [...]}): each query's negatives are sampled from a rank range of our
 * first stage, as FlagEmbedding's hn_mine does with `--range_for_sampling 2-200 --negative_number 15`.
 * Positives, the query itself and repeated texts are never negatives; a reranker can also drop likely
 * false negatives. Seeded, so the same inputs give the same file. No file or console access.
 */
import { InvalidInputError, LexicalIndex, type LexicalIndexOptions, type SearchHit } from '../retrieval/index.js';
import type { Dataset } from './datasets/types.js';
import { positiveInteger } from './metrics.js';
import type { EvalProgress, RerankFn } from './run-eval.js';

export interface MinedExample {
  query: string;
  pos: string[];
  neg: string[];
}

export interface FalseNegativeFilter {
  /** Scores (query, texts); scores are logits, turned into probabilities with a sigmoid. */
  rerank: RerankFn;
  /**
   * A candidate whose probability exceeds ratio x the lowest positive's is taken for an unlabelled
   * positive and dropped. Default 0.95 (NV-Retriever's "95% of the positive" rule).
   */
  ratio?: number;
}

export interface MineOptions {
  /** First-stage ranks sampled from, as a slice [from, to) of the ranking (FlagEmbedding's "2-200"). Default [2, 200]. */
  range?: readonly [number, number];
  /** Negatives per query. Default 15. */
  negatives?: number;
  /** Seed of the sampling. Default 42. */
  seed?: number;
  index?: LexicalIndexOptions;
  filter?: FalseNegativeFilter;
  /**
   * Top up a query short of negatives with random corpus passages (still never a positive), as
   * FlagEmbedding's hn_mine does. Default false: every negative is one the first stage retrieved.
   */
  fillRandom?: boolean;
  /** Mine only the first N queries with positives. */
  maxQueries?: number;
  onProgress?: (progress: EvalProgress) => void;
}

export interface MineResult {
  examples: MinedExample[];
  /** Queries left out because no document is relevant to them. */
  withoutPositives: number;
  /** Candidates the false-negative filter dropped, over all queries. */
  filteredOut: number;
}

export const DEFAULT_MINE_RANGE: readonly [number, number] = [2, 200];
export const DEFAULT_NEGATIVES = 15;
export const DEFAULT_FILTER_RATIO = 0.95;

/**
 * With passage indexing (the index default), positives and negatives are the passages that matched
 * the query (what the reranker reads at search time); a positive outside the searched range is
 * given whole.
 */
export async function mineHardNegatives(dataset: Dataset, options: MineOptions = {}): Promise<MineResult> {
  const [from, to] = checkRange(options.range ?? DEFAULT_MINE_RANGE);
  const negatives = positiveInteger(options.negatives ?? DEFAULT_NEGATIVES, 'negatives');
  const seed = options.seed ?? 42;
  if (!Number.isSafeInteger(seed)) throw new InvalidInputError(`seed must be an integer, got ${seed}`);
  const ratio = options.filter?.ratio ?? DEFAULT_FILTER_RATIO;
  if (!(Number.isFinite(ratio) && ratio > 0)) throw new InvalidInputError(`filter ratio must be > 0, got ${ratio}`);
  const progress = options.onProgress ?? (() => undefined);

  const withPositives = dataset.queries.filter((query) => positivesOf(dataset, query.id).length > 0);
  const queries =
    options.maxQueries === undefined
      ? withPositives
      : withPositives.slice(0, positiveInteger(options.maxQueries, 'maxQueries'));
  const index = new LexicalIndex(options.index);
  await index.addAll(dataset.corpus, { onProgress: (done, total) => progress({ stage: 'index', done, total }) });
  const textById = new Map(dataset.corpus.map((doc) => [doc.id, doc.text]));
  const random = mulberry32(seed);

  const examples: MinedExample[] = [];
  let filteredOut = 0;
  for (const query of queries) {
    const hits = index.search(query.text, to);
    const read = (hit: SearchHit): string => textById.get(hit.id)!.slice(hit.passage?.start ?? 0, hit.passage?.end);
    const positiveIds = new Set(positivesOf(dataset, query.id));
    const pos = [...positiveIds].map((id) => {
      const hit = hits.find((candidate) => candidate.id === id);
      return hit ? read(hit) : textById.get(id)!;
    });
    // Texts a negative may not be: the positives (whole and as passages), the query, earlier negatives.
    const taken = new Set([...pos, ...[...positiveIds].map((id) => textById.get(id)!), query.text]);
    const candidates: string[] = [];
    for (const hit of hits.slice(from)) {
      if (positiveIds.has(hit.id)) continue;
      const text = read(hit);
      if (taken.has(text)) continue;
      taken.add(text);
      candidates.push(text);
    }
    shuffle(candidates, random);
    let neg: string[];
    if (options.filter) {
      const kept = await keepLikelyNegatives(query.text, pos, candidates, negatives, options.filter.rerank, ratio);
      neg = kept.negatives;
      filteredOut += kept.dropped;
    } else neg = candidates.slice(0, negatives);
    if (options.fillRandom && neg.length < negatives) {
      const randomText = (): string | undefined => {
        const doc = Math.floor(random() * dataset.corpus.length);
        if (positiveIds.has(dataset.corpus[doc]!.id)) return undefined;
        const text = dataset.corpus[doc]!.text;
        const spans = index.passagesOf(doc); // [] when documents are indexed whole
        const span = spans[Math.floor(random() * spans.length)] ?? { start: 0, end: text.length };
        return text.slice(span.start, span.end);
      };
      // Bounded: a tiny corpus may have nothing left to draw.
      for (let attempt = 0; attempt < 20 * negatives && neg.length < negatives; attempt++) {
        const text = randomText();
        if (text === undefined || taken.has(text)) continue;
        taken.add(text);
        neg.push(text);
      }
    }
    examples.push({ query: query.text, pos, neg });
    progress({ stage: 'mine', done: examples.length, total: queries.length });
  }
  return { examples, withoutPositives: dataset.queries.length - withPositives.length, filteredOut };
}

/** Lines with fewer negatives than a training group of trainGroupSize needs (one positive + the rest). */
export function shortExamples(examples: readonly MinedExample[], trainGroupSize: number): number[] {
  const needed = positiveInteger(trainGroupSize, 'trainGroupSize') - 1;
  return examples.flatMap((example, line) => (example.neg.length < needed ? [line] : []));
}

/** One JSON object per line, as FlagEmbedding's reranker trainer reads them. */
export function toJsonl(examples: readonly MinedExample[]): string {
  return examples.map((example) => `${JSON.stringify(example)}\n`).join('');
}

function positivesOf(dataset: Dataset, queryId: string): string[] {
  return [...(dataset.qrels.get(queryId) ?? new Map<string, number>())]
    .filter(([, relevance]) => relevance > 0)
    .map(([id]) => id);
}

/**
 * Walks the shuffled candidates in batches, asking the reranker only about as many as needed: the
 * positives once, then candidates until `wanted` pass.
 */
async function keepLikelyNegatives(
  query: string,
  positives: string[],
  candidates: string[],
  wanted: number,
  rerank: RerankFn,
  ratio: number,
): Promise<{ negatives: string[]; dropped: number }> {
  const probabilities = async (texts: string[]): Promise<number[]> => {
    const out = new Array<number>(texts.length).fill(Number.NaN);
    for (const result of await rerank(query, texts)) out[result.index] = sigmoid(result.score);
    if (out.some(Number.isNaN)) throw new RangeError('the reranker did not score every text it was given');
    return out;
  };
  const threshold = ratio * Math.min(...(await probabilities(positives)));
  const negatives: string[] = [];
  let dropped = 0;
  for (let start = 0; start < candidates.length && negatives.length < wanted; start += wanted) {
    const batch = candidates.slice(start, start + wanted);
    const scores = await probabilities(batch);
    batch.forEach((text, i) => {
      if (scores[i]! > threshold) dropped++;
      else if (negatives.length < wanted) negatives.push(text);
    });
  }
  return { negatives, dropped };
}

function checkRange(range: readonly [number, number]): [number, number] {
  const [from, to] = range;
  if (!(Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && to > from))
    throw new InvalidInputError(`range must be [from, to) with 0 <= from < to, got [${String(from)}, ${String(to)}]`);
  return [from, to];
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Small seeded generator (mulberry32): same seed, same sequence, in every JavaScript engine. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates, in place. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
