/** Result list rendering. Every piece of document text goes through textContent, never HTML. */

export interface ShownResult {
  text: string;
  title?: string;
  score: number;
  /** 0-based rank in the first stage. */
  firstStageRank: number;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

function movementLabel(firstStageRank: number, newRank: number): string {
  const moved = firstStageRank - newRank;
  return moved > 0 ? `▲${moved}` : moved < 0 ? `▼${-moved}` : '＝';
}

export function renderResults(list: HTMLOListElement, results: ShownResult[]): void {
  list.replaceChildren(
    ...results.map((result, rank) => {
      const item = document.createElement('li');
      item.dataset['score'] = String(result.score);
      item.dataset['firstStageRank'] = String(result.firstStageRank + 1);
      if (result.title) item.append(element('strong', 'title', result.title));
      item.append(element('p', 'passage', result.text));
      item.append(
        element(
          'span',
          'meta',
          `rerank ${result.score.toFixed(4)} · BM25 #${result.firstStageRank + 1} → #${rank + 1} ${movementLabel(result.firstStageRank, rank)}`,
        ),
      );
      return item;
    }),
  );
}
