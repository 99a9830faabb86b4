/**
 * Demo page: first-stage BM25 over a Korean sample corpus, then the cross-encoder in a Web Worker.
 * All user and document text is rendered with textContent, never as HTML.
 */
import { type BrowserReranker, createReranker } from '../client/index.js';
import { LexicalIndex } from '../retrieval/index.js';
import { registerServiceWorker } from '../pwa/register.js';
import { SAMPLE_PASSAGES } from './sample-corpus.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('search');
const queryInput = $<HTMLInputElement>('query');
const modelInput = $<HTMLInputElement>('model');
const status = $<HTMLParagraphElement>('status');
const progressBar = $<HTMLProgressElement>('progress');
const results = $<HTMLOListElement>('results');
const cancelButton = $<HTMLButtonElement>('cancel');

const index = new LexicalIndex();
index.add(SAMPLE_PASSAGES.map((text, i) => ({ id: String(i), text })));

let reranker: BrowserReranker | null = null;
let loadedModel = '';
let running: AbortController | null = null;

async function ensureReranker(model: string): Promise<BrowserReranker> {
  if (reranker && loadedModel === model) return reranker;
  await reranker?.dispose();
  reranker = null;
  status.textContent = `Loading ${model}…`;
  progressBar.hidden = false;
  const bytes = new Map<string, { loaded: number; total: number }>();
  reranker = await createReranker({
    model,
    onProgress: (event) => {
      if (event.phase !== 'download') {
        status.textContent = `${event.phase} on ${event.backend}…`;
        return;
      }
      bytes.set(event.file, event);
      const loaded = [...bytes.values()].reduce((s, b) => s + b.loaded, 0);
      const total = [...bytes.values()].reduce((s, b) => s + b.total, 0);
      progressBar.max = total || 1;
      progressBar.value = loaded;
      status.textContent = `Downloading ${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`;
    },
  });
  loadedModel = model;
  progressBar.hidden = true;
  return reranker;
}

function render(query: string, firstStage: number[], ranked: Array<{ index: number; score: number }>, timings: string): void {
  results.replaceChildren();
  ranked.forEach(({ index, score }, rank) => {
    const item = document.createElement('li');
    const before = firstStage.indexOf(index);
    const moved = before - rank;
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = `score ${score.toFixed(3)} · BM25 #${before + 1} ${moved > 0 ? `↑${moved}` : moved < 0 ? `↓${-moved}` : '–'}`;
    const text = document.createElement('p');
    text.textContent = SAMPLE_PASSAGES[index]!;
    item.append(text, meta);
    results.append(item);
  });
  status.textContent = `${timings} · ${reranker!.ready.backend} / ${reranker!.ready.dtype} (${reranker!.ready.reason}) · query: ${query}`;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = queryInput.value.trim();
  if (!query) return;
  running?.abort();
  running = new AbortController();
  cancelButton.disabled = false;
  try {
    const started = performance.now();
    const hits = index.search(query, 20);
    const firstStageMs = performance.now() - started;
    if (hits.length === 0) {
      results.replaceChildren();
      status.textContent = 'No passage shares a word with the query.';
      return;
    }
    const model = await ensureReranker(modelInput.value.trim());
    const rerankStarted = performance.now();
    const candidates = hits.map((h) => h.index);
    const ranked = await model.rank(query, candidates.map((i) => SAMPLE_PASSAGES[i]!), { signal: running.signal });
    const rerankMs = performance.now() - rerankStarted;
    render(query, candidates, ranked.map((r) => ({ index: candidates[r.index]!, score: r.score })), `BM25 ${firstStageMs.toFixed(1)} ms, rerank ${rerankMs.toFixed(0)} ms`);
  } catch (error) {
    status.textContent = `Error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  } finally {
    cancelButton.disabled = true;
    progressBar.hidden = true;
  }
});

cancelButton.addEventListener('click', () => running?.abort());
status.textContent = `${SAMPLE_PASSAGES.length} passages indexed. The default model is a generated one with random weights: it shows the mechanics, not real relevance.`;

void registerServiceWorker({
  onUpdateReady(apply) {
    const banner = $<HTMLParagraphElement>('update');
    banner.hidden = false;
    $<HTMLButtonElement>('apply-update').addEventListener('click', apply, { once: true });
  },
});
$<HTMLElement>('version').textContent = `build ${__APP_BUILD__}`;
