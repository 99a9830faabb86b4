/**
 * Demo page: a Korean-first search box. BM25 finds candidates in the corpus, the cross-encoder in a
 * Web Worker reranks them. All user and document text is rendered as text, never as HTML.
 */
import { type BrowserReranker, type CreateRerankerOptions, createReranker, filesFromFolderPick } from '../client/index.js';
import type { Dtype } from '../engine/types.js';
import { registerServiceWorker } from '../pwa/register.js';
import { LexicalIndex } from '../retrieval/index.js';
import { planBackends } from '../worker/backend-plan.js';
import { probeCapabilities } from '../worker/probe.js';
import { type CorpusPassage, CorpusFormatError, detectCorpusFormat, parseCorpus } from './corpus-file.js';
import { hubReachable } from './hub-probe.js';
import { DEFAULT_HUB_MODEL, DEMO_MODEL_ID, HUB_MODELS, describeModel } from './model-catalog.js';
import { renderResults } from './render.js';
import { SAMPLE_CORPUS } from './sample-corpus-data.js';

/** First-stage hits the reranker sees. */
const CANDIDATES = 30;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  form: $<HTMLFormElement>('search'),
  query: $<HTMLInputElement>('query'),
  cancel: $<HTMLButtonElement>('cancel'),
  progress: $<HTMLProgressElement>('progress'),
  status: $<HTMLParagraphElement>('status'),
  notice: $<HTMLParagraphElement>('notice'),
  results: $<HTMLOListElement>('results'),
  modelSelect: $<HTMLSelectElement>('model-select'),
  customRow: $<HTMLDivElement>('custom-row'),
  customModel: $<HTMLInputElement>('custom-model'),
  folderInput: $<HTMLInputElement>('folder-input'),
  modelInfo: $<HTMLParagraphElement>('model-info'),
  corpusStatus: $<HTMLParagraphElement>('corpus-status'),
  corpusError: $<HTMLParagraphElement>('corpus-error'),
  corpusFile: $<HTMLInputElement>('corpus-file'),
  corpusText: $<HTMLTextAreaElement>('corpus-text'),
};

// ---- corpus ---------------------------------------------------------------------------------

let corpus: CorpusPassage[] = [];
let index = new LexicalIndex();

/** Indexes in chunks (the page keeps painting); the old corpus stays until the new one is ready. */
async function useCorpus(passages: CorpusPassage[], label: string): Promise<void> {
  const next = new LexicalIndex();
  await next.addAll(passages.map((p, i) => ({ id: String(i), text: p.title ? `${p.title} ${p.text}` : p.text })), {
    onProgress: (done, total) => (ui.corpusStatus.textContent = `색인 중 ${done} / ${total}…`),
  });
  corpus = passages;
  index = next;
  ui.corpusError.textContent = '';
  ui.corpusStatus.textContent = `${label}: ${passages.length}개 문서`;
  ui.results.replaceChildren();
}

function reportCorpusError(source: string, error: unknown): void {
  const reason = error instanceof CorpusFormatError ? error.message : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  ui.corpusError.textContent = `${source}을(를) 읽을 수 없습니다 — ${reason}. 이전 문서 모음을 계속 사용합니다.`;
  ui.corpusStatus.textContent = `${ui.corpusStatus.textContent?.replace(/^색인 중.*$/, '') ?? ''}`;
}

ui.corpusFile.addEventListener('change', async () => {
  const file = ui.corpusFile.files?.[0];
  if (!file) return;
  try {
    await useCorpus(parseCorpus(await file.text(), detectCorpusFormat(file.name)), file.name);
  } catch (error) {
    reportCorpusError(file.name, error);
  } finally {
    ui.corpusFile.value = '';
  }
});
$<HTMLButtonElement>('use-pasted').addEventListener('click', async () => {
  try {
    await useCorpus(parseCorpus(ui.corpusText.value, 'txt'), '붙여넣은 글');
  } catch (error) {
    reportCorpusError('붙여넣은 글', error);
  }
});
$<HTMLButtonElement>('use-sample').addEventListener('click', () => void useCorpus(SAMPLE_CORPUS, '샘플 문서'));

// ---- model ----------------------------------------------------------------------------------

let predictedDtype: Dtype = 'q8';
let pickedFolder: Record<string, Blob> | null = null;
let reranker: BrowserReranker | null = null;
let loadedKey = '';

function fillModelPicker(): void {
  const options: Array<[string, string]> = [
    ...HUB_MODELS.map((m): [string, string] => [m.id, describeModel(m, predictedDtype)]),
    [DEMO_MODEL_ID, 'Generated demo model — random weights: shows the mechanics, not real relevance'],
    ['custom', 'Another hub id or URL…'],
    ['folder', 'Model folder opened from disk'],
  ];
  ui.modelSelect.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
}

function selectedModel(): { key: string; options: Pick<CreateRerankerOptions, 'model' | 'files'> } {
  const value = ui.modelSelect.value;
  if (value === 'custom') return { key: `custom:${ui.customModel.value.trim()}`, options: { model: ui.customModel.value.trim() } };
  if (value === 'folder' && pickedFolder) return { key: `folder:${Object.keys(pickedFolder).join()}`, options: { model: 'model folder from disk', files: pickedFolder } };
  return { key: value, options: { model: value } };
}

ui.modelSelect.addEventListener('change', () => {
  ui.customRow.hidden = ui.modelSelect.value !== 'custom';
  ui.modelInfo.textContent = ui.modelSelect.value === DEMO_MODEL_ID ? 'Random weights: the ranking is meaningless, the mechanics are real.' : '';
});
ui.folderInput.addEventListener('change', () => {
  if (!ui.folderInput.files?.length) return;
  pickedFolder = filesFromFolderPick(ui.folderInput.files);
  ui.modelSelect.value = 'folder';
  ui.modelInfo.textContent = `${Object.keys(pickedFolder).length} files: ${Object.keys(pickedFolder).slice(0, 6).join(', ')}…`;
});

async function ensureReranker(signal: AbortSignal): Promise<BrowserReranker> {
  const { key, options } = selectedModel();
  if (reranker && loadedKey === key) return reranker;
  await reranker?.dispose();
  reranker = null;
  const bytes = new Map<string, { loaded: number; total: number }>();
  ui.progress.hidden = false;
  ui.progress.removeAttribute('value');
  try {
    reranker = await createReranker({
      ...options,
      signal,
      onProgress: (event) => {
        if (event.phase !== 'download') {
          ui.status.textContent = `${event.phase} (${event.backend})…`;
          return;
        }
        bytes.set(event.file, event);
        const loaded = [...bytes.values()].reduce((s, b) => s + b.loaded, 0);
        const total = [...bytes.values()].reduce((s, b) => s + b.total, 0);
        ui.progress.max = total || 1;
        ui.progress.value = loaded;
        ui.status.textContent = `모델 다운로드 ${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB (${event.file})`;
      },
    });
  } finally {
    ui.progress.hidden = true;
  }
  loadedKey = key;
  return reranker;
}

// ---- search ---------------------------------------------------------------------------------

let running: AbortController | null = null;

ui.form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = ui.query.value.trim();
  if (!query) {
    ui.status.textContent = '질문을 입력하세요.';
    return;
  }
  running?.abort();
  const controller = (running = new AbortController());
  ui.cancel.disabled = false;
  try {
    const started = performance.now();
    const hits = index.search(query, CANDIDATES);
    const firstStageMs = performance.now() - started;
    if (hits.length === 0) {
      ui.results.replaceChildren();
      ui.status.textContent = '질문과 겹치는 단어가 있는 문서가 없습니다.';
      return;
    }
    const loadStarted = performance.now();
    const model = await ensureReranker(controller.signal);
    const loadMs = performance.now() - loadStarted;
    ui.status.textContent = `재순위화 중 (${hits.length}개 후보)…`;
    const rerankStarted = performance.now();
    const candidates = hits.map((hit) => corpus[hit.index]!);
    const ranked = await model.rank(query, candidates.map((p) => p.text), { signal: controller.signal });
    const rerankMs = performance.now() - rerankStarted;
    renderResults(ui.results, ranked.map((r) => ({ ...candidates[r.index]!, score: r.score, firstStageRank: r.index })));
    const { backend, dtype, threads } = model.ready;
    ui.status.textContent =
      `BM25 ${firstStageMs.toFixed(1)} ms · ${loadMs > 5 ? `모델 준비 ${(loadMs / 1000).toFixed(1)} s · ` : ''}재순위화 ${rerankMs.toFixed(0)} ms ` +
      `(${hits.length}개) · ${backend} / ${dtype}${backend === 'wasm' ? `, ${threads} thread(s)` : ''} · ${model.ready.model}`;
  } catch (error) {
    const e = error as { name?: string; message?: string };
    ui.status.textContent = e.name === 'AbortError' ? '취소했습니다.' : `오류: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
  } finally {
    if (running === controller) {
      running = null;
      ui.cancel.disabled = true;
    }
  }
});
ui.cancel.addEventListener('click', () => running?.abort());

// ---- start ----------------------------------------------------------------------------------

async function start(): Promise<void> {
  const capabilities = await probeCapabilities();
  predictedDtype = planBackends(capabilities)[0]!.dtype;
  fillModelPicker();
  ui.modelSelect.value = DEFAULT_HUB_MODEL.id;
  const indexing = useCorpus(SAMPLE_CORPUS, '샘플 문서');
  if (!(await hubReachable(DEFAULT_HUB_MODEL.id))) {
    ui.modelSelect.value = DEMO_MODEL_ID;
    ui.notice.hidden = false;
    ui.notice.textContent =
      'Hugging Face Hub에 연결할 수 없어 생성된 데모 모델을 선택했습니다. The Hugging Face Hub cannot be reached from this page, ' +
      'so the generated demo model is selected: its weights are random, so it shows the mechanics (worker, backend, batching, ' +
      'scores moving results) but not real relevance. Pick a hub model when online, or open a model folder from disk.';
  }
  ui.modelSelect.dispatchEvent(new Event('change'));
  await indexing;
  ui.status.textContent = `준비됨. ${capabilities.webgpu ? 'WebGPU' : 'WASM'} 사용 예정, ${predictedDtype}.`;
}

void start();
void registerServiceWorker({
  onUpdateReady(apply) {
    $<HTMLParagraphElement>('update').hidden = false;
    $<HTMLButtonElement>('apply-update').addEventListener('click', apply, { once: true });
  },
});
$<HTMLElement>('version').textContent = `build ${__APP_BUILD__}`;
