// Uses the BUILT library, as an outside app would: build it first with
//   npx vite build --config vite.lib.config.ts
import * as lib from '../../dist/lib/ko-rerank.js';

const { createReranker, rerankElements, defineRerankResults } = lib;

const form = document.getElementById('search');
const queryInput = document.getElementById('query');
const rerankButton = document.getElementById('rerank');
const cancelButton = document.getElementById('cancel');
const status = document.getElementById('status');
const list = document.getElementById('results');
const news = document.getElementById('news');

const setStatus = (state, text) => {
  status.dataset.state = state;
  status.textContent = text; // text only: error messages may quote page content
};

// The page's own behaviour, bound before any reranking: it must keep working after the items move.
for (const button of list.querySelectorAll('button.save')) {
  button.addEventListener('click', () => {
    button.dataset.clicks = String(Number(button.dataset.clicks ?? 0) + 1);
    button.setAttribute('aria-pressed', 'true');
  });
}

// What the model reads for each result: its title and snippet, not the button label.
const readItem = (li) =>
  `${li.querySelector('a')?.textContent ?? ''}. ${li.querySelector('.snippet')?.textContent ?? ''}`;

// ?model=<hub id>&host=<hub mirror>, or ?model=<folder URL or path>. A path is resolved against this page
// (the worker would resolve it against its own URL).
const params = new URLSearchParams(location.search);
const host = params.get('host') ?? undefined;
const modelParam = params.get('model') ?? '../../public/models/demo-xlmr';
const model = host ? modelParam : new URL(modelParam, location.href).href;
const topK = Number(params.get('topK') ?? 5);

let running = null;

async function rerank(query) {
  running?.abort();
  const controller = (running = new AbortController());
  cancelButton.disabled = false;
  setStatus('ranking', 'Reranking…');
  try {
    const result = await rerankElements(list, query, {
      reranker,
      topK,
      text: readItem,
      scoreAttribute: 'data-rerank-score',
      signal: controller.signal,
    });
    // data-rerank-score keeps the exact number for scripts; people see three decimals.
    for (const [item, score] of result.scores) item.setAttribute('data-score-shown', score.toFixed(3));
    news.setAttribute('query', query); // the custom element reranks itself on the change
    setStatus('done', `Reranked ${result.items.length} results (${result.moved} moved) on ${reranker.ready.backend}.`);
    return result;
  } catch (error) {
    if (error.name === 'AbortError') setStatus('cancelled', 'Cancelled; the list was left as it was.');
    else setStatus('error', `${error.name}: ${error.message}`);
    throw error;
  } finally {
    if (running === controller) running = null;
    cancelButton.disabled = running === null;
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const query = queryInput.value.trim();
  if (query) rerank(query).catch(() => undefined); // shown in the status line
});
cancelButton.addEventListener('click', () => running?.abort());
news.addEventListener('rerank-error', (event) => setStatus('error', `<rerank-results>: ${event.detail.message}`));

let reranker;
try {
  reranker = await createReranker({ model, remoteHost: host });
} catch (error) {
  setStatus('error', `Could not load ${model}: ${error.message}`);
  throw error;
}
news.reranker = reranker; // share one model between both lists
defineRerankResults();
rerankButton.disabled = false;
const modelName = reranker.ready.model
  .replace(/[?#].*$/, '')
  .split('/')
  .filter(Boolean)
  .at(-1);
setStatus('ready', `준비됨 (ready): ${modelName} on ${reranker.ready.backend} (${reranker.ready.dtype}).`);
// The bundled demo model is generated with random weights: say so, so nobody reads meaning into its order.
if (!params.get('model')) document.getElementById('random-weights').hidden = false;

// For the browser console and the browser test.
window.rerankExample = { lib, reranker, list, news, readItem, rerank };
