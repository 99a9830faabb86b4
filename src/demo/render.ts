/** Result list rendering. Every piece of document text goes through textContent, never HTML. */

export interface ShownResult {
  text: string;
  title?: string;
  /** The reranker's score; absent for first-stage results shown before (or without) reranking. */
  score?: number;
  /** 0-based rank in the first stage. */
  firstStageRank: number;
  /** BM25 score of the first stage. */
  bm25?: number;
}

/**
 * Which results the list shows, and for which query: first-stage (BM25) order, a partial reranking
 * (the reranker is still at work, or was cancelled at that point), or the final reranked order.
 */
export interface ListLabel {
  stage: 'bm25' | 'partial' | 'cancelled' | 'reranked';
  query: string;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

function movementLabel(firstStageRank: number, newRank: number): string {
  const moved = firstStageRank - newRank;
  return moved > 0 ? `▲${moved}` : moved < 0 ? `▼${-moved}` : '＝';
}

/** Why a result on a reranked list has no score: not reached yet, cancelled, or left out by the time budget. */
const UNSCORED_NOTE = {
  bm25: '',
  partial: ' · 채점 대기 중',
  cancelled: ' · 취소되어 채점하지 않음',
  reranked: ' · 시간 예산 밖이라 채점하지 않음',
} as const;

function metaLine(result: ShownResult, rank: number, stage: ListLabel['stage']): string {
  if (result.score === undefined)
    return `BM25 #${result.firstStageRank + 1}${result.bm25 === undefined ? '' : ` · BM25 점수 ${result.bm25.toFixed(2)}`}${UNSCORED_NOTE[stage]}`;
  return `재순위 점수 ${result.score.toFixed(4)} · BM25 #${result.firstStageRank + 1} → #${rank + 1} ${movementLabel(result.firstStageRank, rank)}`;
}

export function renderResults(list: HTMLOListElement, results: ShownResult[], label: ListLabel): void {
  // The labels let a reader (and the tests) tell which search and which stage is on screen.
  list.dataset['stage'] = label.stage;
  list.dataset['query'] = label.query;
  list.replaceChildren(
    ...results.map((result, rank) => {
      const item = document.createElement('li');
      if (result.score !== undefined) item.dataset['score'] = String(result.score);
      item.dataset['firstStageRank'] = String(result.firstStageRank + 1);
      if (result.title) item.append(element('strong', 'title', result.title));
      item.append(element('p', 'passage', result.text));
      item.append(element('span', 'meta', metaLine(result, rank, label.stage)));
      return item;
    }),
  );
}

export function clearResults(list: HTMLOListElement): void {
  delete list.dataset['stage'];
  delete list.dataset['query'];
  list.replaceChildren();
}
