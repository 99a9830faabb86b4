/**
 * One demo search, as pure logic (no DOM): first stage over the corpus the search STARTED with, paint
 * those hits at once, then rerank and paint the new order, but only while the search is still the
 * latest one. A reranker failure leaves the first-stage results on screen with the error beside them.
 */
import type { CorpusPassage } from './corpus-file.js';
import type { Turn } from './latest.js';

/**
 * A corpus and its index, frozen together: a search holds on to the snapshot it began with, so a
 * corpus swapped in while it runs can never receive its (old) first-stage indices.
 */
export interface CorpusSnapshot {
  readonly label: string;
  readonly passages: readonly CorpusPassage[];
  readonly index: {
    search(query: string, topN: number): Array<{ index: number; score: number; passage?: MatchedSpan }>;
  };
}

/** Offsets into a document's indexedText: the part of a long document that matched best. */
export interface MatchedSpan {
  start: number;
  end: number;
}

export interface Candidate {
  passage: CorpusPassage;
  /** 0-based rank in the first stage. */
  firstStageRank: number;
  bm25: number;
  /** Set when the index split the document: the reranker reads this part instead of its start. */
  matched?: MatchedSpan;
}

/** What the first stage indexes for a corpus entry: its title (if any) and text. */
export function indexedText(passage: CorpusPassage): string {
  return passage.title ? `${passage.title} ${passage.text}` : passage.text;
}

export interface RankedCandidate extends Candidate {
  score: number;
}

/**
 * The reranker reads at most maxLength tokens (512) of query + passage; a few thousand characters are
 * already more than it can see, so longer passages are cut here. Cutting also keeps every document
 * under the engine's per-document character limit and the tokenizer's stack limit on huge unspaced runs.
 */
export const RERANK_MAX_CHARACTERS = 4000;

export function rerankText(
  passage: CorpusPassage,
  maxCharacters = RERANK_MAX_CHARACTERS,
  matched?: MatchedSpan,
): string {
  let text = passage.title ? `${passage.title}. ${passage.text}` : passage.text;
  const indexed = indexedText(passage);
  if (matched && matched.end - matched.start < indexed.length) {
    // A long document: the passage that matched, still headed by the title when it does not start with it.
    const part = indexed.slice(matched.start, matched.end);
    text = passage.title && matched.start > 0 ? `${passage.title}. ${part}` : part;
  }
  return text.length > maxCharacters ? text.slice(0, maxCharacters) : text;
}

/**
 * What a result shows of its document: the start, or for a long document the passage that matched,
 * cut to maxCharacters, with "…" where text was left out before or after.
 */
export function excerpt(candidate: Candidate, maxCharacters: number): string {
  const { passage, matched } = candidate;
  let start = 0;
  if (matched && matched.end - matched.start < indexedText(passage).length) {
    // Spans are offsets into indexedText, which puts the title and a space before the text.
    start = Math.min(passage.text.length, Math.max(0, matched.start - (passage.title ? passage.title.length + 1 : 0)));
  }
  const shown = passage.text.slice(start, start + maxCharacters);
  return `${start > 0 ? '…' : ''}${shown}${start + shown.length < passage.text.length ? '…' : ''}`;
}

export function firstStage(snapshot: CorpusSnapshot, query: string, topN: number): Candidate[] {
  return snapshot.index.search(query, topN).map((hit, rank) => {
    const passage = snapshot.passages[hit.index];
    // The snapshot's index and passages were built together, so this only fires on a programming error.
    if (!passage)
      throw new Error(`first-stage hit ${hit.index} is outside the corpus (${snapshot.passages.length} passages)`);
    return hit.passage
      ? { passage, firstStageRank: rank, bm25: hit.score, matched: hit.passage }
      : { passage, firstStageRank: rank, bm25: hit.score };
  });
}

/** Reranker output over the candidates: scored ones best first, the rest in first-stage order. */
export interface CandidateRanking {
  results: Array<{ index: number; score: number }>;
  /** Candidates the reranker did not score (yet, or not within the latency budget). */
  unscored: number[];
}

export interface SearchView {
  /** First-stage hits, before reranking. */
  showFirstStage(candidates: Candidate[]): void;
  /** The ranking so far while the reranker works: scored candidates first, the rest in first-stage order. */
  showPartial(scored: RankedCandidate[], unscored: Candidate[]): void;
  /** The final ranking; `unscored` is non-empty only when a latency budget left candidates out. */
  showReranked(results: RankedCandidate[], unscored: Candidate[]): void;
  /** The reranker failed; the first-stage hits stay on screen. */
  showRerankError(error: unknown, candidates: Candidate[]): void;
  showNoHits(): void;
}

export interface SearchRequest {
  query: string;
  snapshot: CorpusSnapshot;
  turn: Turn;
  topN: number;
  /** Loads (or reuses) the model and ranks the texts (indices into `texts`), reporting partial rankings. */
  rank(
    query: string,
    texts: string[],
    signal: AbortSignal,
    onPartial: (partial: CandidateRanking) => void,
  ): Promise<CandidateRanking>;
  view: SearchView;
}

export type SearchOutcome = 'no-hits' | 'reranked' | 'rerank-failed' | 'stale';

export async function runSearch(request: SearchRequest): Promise<SearchOutcome> {
  const { query, snapshot, turn, view } = request;
  const candidates = firstStage(snapshot, query, request.topN);
  if (!turn.isCurrent()) return 'stale';
  if (candidates.length === 0) {
    view.showNoHits();
    return 'no-hits';
  }
  view.showFirstStage(candidates);
  const scored = (ranking: CandidateRanking) =>
    ranking.results.map((r) => ({ ...candidates[r.index]!, score: r.score }));
  const unscored = (ranking: CandidateRanking) => ranking.unscored.map((i) => candidates[i]!);
  // A partial of a search that is no longer current, or one that trails the result, must not paint.
  let settled = false;
  const showPartial = (partial: CandidateRanking) =>
    !settled && turn.isCurrent() && view.showPartial(scored(partial), unscored(partial));
  let ranked: CandidateRanking;
  try {
    ranked = await request.rank(
      query,
      candidates.map((c) => rerankText(c.passage, RERANK_MAX_CHARACTERS, c.matched)),
      turn.signal,
      showPartial,
    );
  } catch (error) {
    settled = true;
    if (!turn.isCurrent()) return 'stale';
    view.showRerankError(error, candidates);
    return 'rerank-failed';
  }
  settled = true;
  // The worker may finish a cancelled request anyway (it checks between model runs): never paint it.
  if (!turn.isCurrent()) return 'stale';
  view.showReranked(scored(ranked), unscored(ranked));
  return 'reranked';
}

/**
 * What the status line says when the user cancels, from what the list shows then: the first-stage
 * order, or a partial ranking whose scored part stays in front (scored of total) and whose rest will
 * not be scored now.
 */
export function cancelledStatus(stage: string | undefined, scored: number, total: number): string {
  if (stage === 'bm25') return '재순위화를 취소했습니다. 1단계(BM25) 순서 그대로입니다.';
  if (stage === 'partial')
    return `재순위화를 취소했습니다. 채점을 마친 ${scored}개는 점수 순으로 앞에, 나머지 ${total - scored}개는 1단계(BM25) 순서입니다.`;
  return '취소했습니다.';
}
