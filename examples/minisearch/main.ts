/**
 * Bring your own first stage: MiniSearch finds the candidates, the reranker reorders them in the page,
 * and the list is repainted after every model run (progressive partials), best first, unscored
 * candidates after them in MiniSearch's order. The whole integration is the `search` function below;
 * first-stage.ts is the app's MiniSearch index as it was.
 *
 *   npm run dev, then open http://localhost:5173/examples/minisearch/
 *   (?model=<hub id>&host=<hub mirror> to pick another model; default: the generated demo model)
 */
import { type RankReport, createReranker } from '../../src/entry/browser.js'; // 'ko-rerank-web' in an app
import { SAMPLE_CORPUS } from '../../src/demo/sample-corpus-data.js';
import { buildIndex, firstStage } from './first-stage.js';

const params = new URLSearchParams(location.search);
const host = params.get('host') ?? undefined;
const model = params.get('model') ?? new URL('/models/demo-xlmr', location.href).href;
const batchTokens = params.has('batchTokens') ? Number(params.get('batchTokens')) : undefined;
const CANDIDATES = 20;

const status = document.getElementById('status')!;
const list = document.getElementById('results')!;
const setStatus = (state: string, text: string) => {
  status.dataset['state'] = state;
  status.textContent = text;
};

const index = buildIndex(SAMPLE_CORPUS); // the app's existing first stage (first-stage.ts)

const reranker = await createReranker({ model, remoteHost: host });
// The default is the generated demo model: its order shows the mechanism, not relevance.
const randomWeights = params.has('model') ? '' : ' · 생성된 데모 모델(무작위 가중치): 순서에 의미 없음';
setStatus('ready', `준비됨 (${reranker.ready.backend} / ${reranker.ready.dtype})${randomWeights}`);

/** Paints `hits` in the report's order: scored best first, then the unscored in first-stage order. */
function paint(hits: Array<{ id: string; title: string; text: string }>, report?: RankReport) {
  const order = report ? [...report.results.map((r) => r.index), ...report.unscored] : hits.map((_, i) => i);
  const scores = new Map(report?.results.map((r) => [r.index, r.score]));
  list.replaceChildren(
    ...order.map((i) => {
      const item = document.createElement('li');
      item.dataset['id'] = hits[i]!.id;
      item.dataset['scored'] = String(scores.has(i));
      if (scores.has(i)) item.dataset['score'] = String(scores.get(i));
      item.textContent = `${hits[i]!.title}${scores.has(i) ? ` (${scores.get(i)!.toFixed(3)})` : ''}`; // text, never HTML
      return item;
    }),
  );
}

let running: AbortController | undefined;
async function search(query: string) {
  running?.abort();
  const controller = (running = new AbortController());
  const hits = firstStage(index, query, CANDIDATES);
  paint(hits); // the first stage's list at once
  setStatus('ranking', `재순위화 중… (${hits.length}개 후보)`);
  try {
    const report = await reranker.rankDetailed(
      query,
      hits.map((hit) => `${hit.title}\n${hit.text}`),
      { signal: controller.signal, batchTokens, onPartial: (partial) => paint(hits, partial) },
    );
    paint(hits, report);
    setStatus('done', `완료: ${hits.length}개 후보, ${report.elapsedMs.toFixed(0)} ms${randomWeights}`);
  } catch (error) {
    if (!controller.signal.aborted) setStatus('error', String((error as Error).message));
  }
}

document.getElementById('search')!.addEventListener('submit', (event) => {
  event.preventDefault();
  void search((document.getElementById('query') as HTMLInputElement).value);
});
void search((document.getElementById('query') as HTMLInputElement).value);
