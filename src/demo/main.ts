/**
 * Demo page: a Korean-first search box. BM25 finds candidates in the corpus, the cross-encoder in a
 * Web Worker reranks them. All user and document text is rendered as text, never as HTML.
 *
 * Races are handled by "latest wins" turns (latest.ts): a newer search or corpus choice supersedes the
 * older one, which may finish in the background but never touches the page.
 */
import {
  type BrowserReranker,
  type CreateRerankerOptions,
  type ProgressEvent,
  type RemoteReranker,
  createReranker,
  filesFromFolderPick,
} from '../client/index.js';
import { catalogEntry, downloadBytes, formatBytes } from '../catalog/rerankers.js';
import { DEFAULT_PRIOR } from '../engine/cost-model.js';
import { hubFileUrl } from '../engine/hub-address.js';
import { ONNX_FILE_FOR_DTYPE } from '../engine/model-files.js';
import { type ShapeTiming, coefficientsFor, predictRankMs } from '../engine/shape-cost.js';
import type { Dtype, RankReport } from '../engine/types.js';
import { type DeviceSpeed, measureDeviceSpeed } from '../client/device-speed.js';
import { registerServiceWorker } from '../pwa/register.js';
import { LexicalIndex } from '../retrieval/index.js';
import { planBackends } from '../worker/backend-plan.js';
import { probeCapabilities } from '../worker/probe.js';
import { MODEL_CACHE_NAME } from '../worker/model-cache-name.js';
import { type CorpusPassage, CorpusFormatError, detectCorpusFormat, parseCorpus } from './corpus-file.js';
import { hubReachable } from './hub-probe.js';
import { LatestWins } from './latest.js';
import {
  describeModelError,
  describeServiceError,
  incompleteChoice,
  serviceEndpoint,
  shortModelName,
} from './model-errors.js';
import { ModelHolder } from './model-holder.js';
import {
  DEFAULT_EDGE_ENDPOINT,
  DEMO_MODEL_ID,
  EDGE_SERVICE,
  HUB_MODELS,
  HUB_PROBE_MODEL,
  describeModel,
} from './model-catalog.js';
import {
  DEFAULT_CHOICE_BUDGET_MS,
  type DownloadGate,
  type ModelOption,
  TYPICAL_PAIR_TOKENS,
  chooseDefaultModel,
  downloadGate,
  formatMs,
} from './model-choice.js';
import { type ShownResult, clearResults, renderResults } from './render.js';
import { SAMPLE_CORPUS } from './sample-corpus-data.js';
import {
  type Candidate,
  type CorpusSnapshot,
  cancelledStatus,
  excerpt,
  indexedText,
  type RankedCandidate,
  runSearch,
} from './search-flow.js';

/** First-stage hits the reranker sees. */
const CANDIDATES = 30;
/** Characters of a passage shown in the list; the rest of a very long document is elided. */
const SHOWN_CHARACTERS = 1200;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  form: $<HTMLFormElement>('search'),
  query: $<HTMLInputElement>('query'),
  cancel: $<HTMLButtonElement>('cancel'),
  progress: $<HTMLProgressElement>('progress'),
  status: $<HTMLParagraphElement>('status'),
  backendReason: $<HTMLParagraphElement>('backend-reason'),
  modelChoice: $<HTMLParagraphElement>('model-choice'),
  consent: $<HTMLDivElement>('consent'),
  consentText: $<HTMLSpanElement>('consent-text'),
  consentButton: $<HTMLButtonElement>('consent-button'),
  notice: $<HTMLDetailsElement>('notice'),
  noticeSummary: $<HTMLElement>('notice-summary'),
  noticeBody: $<HTMLParagraphElement>('notice-body'),
  results: $<HTMLOListElement>('results'),
  modelSelect: $<HTMLSelectElement>('model-select'),
  customRow: $<HTMLDivElement>('custom-row'),
  customModel: $<HTMLInputElement>('custom-model'),
  edgeRow: $<HTMLDivElement>('edge-row'),
  edgeEndpoint: $<HTMLInputElement>('edge-endpoint'),
  folderInput: $<HTMLInputElement>('folder-input'),
  modelInfo: $<HTMLParagraphElement>('model-info'),
  budget: $<HTMLSelectElement>('budget-select'),
  corpusStatus: $<HTMLParagraphElement>('corpus-status'),
  corpusError: $<HTMLParagraphElement>('corpus-error'),
  corpusFile: $<HTMLInputElement>('corpus-file'),
  corpusText: $<HTMLTextAreaElement>('corpus-text'),
};

function setStatus(text: string, kind: 'info' | 'error' = 'info'): void {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', kind === 'error');
}

// ---- corpus ---------------------------------------------------------------------------------

const searches = new LatestWins();
const corpusChoices = new LatestWins();
let corpus: CorpusSnapshot = { label: '', passages: [], index: new LexicalIndex() };

/**
 * Reads and indexes a corpus the user chose. Only the latest choice is applied: an earlier, slower
 * one (a big file still indexing) is abandoned and can neither replace the corpus nor clear an error.
 */
async function chooseCorpus(label: string, read: () => Promise<CorpusPassage[]> | CorpusPassage[]): Promise<void> {
  const turn = corpusChoices.begin();
  ui.corpusError.textContent = '';
  try {
    const passages = await read();
    if (!turn.isCurrent()) return;
    const index = new LexicalIndex();
    await index.addAll(
      passages.map((p, i) => ({ id: String(i), text: indexedText(p) })),
      {
        signal: turn.signal,
        onProgress: (done, total) => {
          if (turn.isCurrent()) ui.corpusStatus.textContent = `색인 중 ${done} / ${total}…`;
        },
      },
    );
    if (!turn.isCurrent()) return;
    corpusChoices.finish(turn);
    corpus = { label, passages, index };
    ui.corpusStatus.textContent = `${label}: ${passages.length}개 문서`;
    // Results on screen belong to the old corpus; a search still running is bound to it: stop both.
    if (searches.cancel()) setStatus('문서 모음이 바뀌어 진행 중이던 검색을 멈췄습니다. 다시 검색하세요.');
    clearResults(ui.results);
    updateCancel();
  } catch (error) {
    if (!turn.isCurrent()) return;
    corpusChoices.finish(turn);
    const reason =
      error instanceof CorpusFormatError
        ? error.message
        : error instanceof Error
          ? `${error.name}: ${error.message}`
          : String(error);
    ui.corpusError.textContent = `${label}을(를) 읽을 수 없습니다 — ${reason}. 이전 문서 모음을 계속 사용합니다.`;
    ui.corpusStatus.textContent = corpus.label ? `${corpus.label}: ${corpus.passages.length}개 문서` : '';
  }
}

ui.corpusFile.addEventListener('change', () => {
  const file = ui.corpusFile.files?.[0];
  if (!file) return;
  ui.corpusFile.value = ''; // the same file can be chosen again
  void chooseCorpus(file.name, async () => parseCorpus(await file.text(), detectCorpusFormat(file.name)));
});
$<HTMLButtonElement>('use-pasted').addEventListener(
  'click',
  () => void chooseCorpus('붙여넣은 글', () => parseCorpus(ui.corpusText.value, 'txt')),
);
$<HTMLButtonElement>('use-sample').addEventListener('click', () => void chooseCorpus('샘플 문서', () => SAMPLE_CORPUS));

// ---- model ----------------------------------------------------------------------------------

let predictedDtype: Dtype = 'q8';
let hubOnline = true;
/** Each catalog model with its download size and predicted rerank time on this device. */
let modelOptions: ModelOption[] = [];
/** Models the user agreed to download during this visit (choice keys). */
const consented = new Set<string>();
/** This device's measured speed, once the probe worker has answered. */
let deviceSpeed: DeviceSpeed | null = null;
/** How long the default choice waits for the probe before predicting from the prior. */
const PROBE_WAIT_MS = 5_000;
/** Set once the user picks a model or agrees to a download: a late probe result no longer moves the default. */
let userDecided = false;
/** The generated demo model's q8 files, about. */
const DEMO_MODEL_BYTES = 1_300_000;

/**
 * Until this device is measured: the cost model's prior (bge-reranker-base's shape, 8-bit on WASM with
 * 2 threads, the slowest common setting), scaled to each shape by its work (shape-cost.ts).
 */
const PRIOR_TIMINGS: ShapeTiming[] = [
  { shape: catalogEntry('Xenova/bge-reranker-base')!.shape, coefficients: DEFAULT_PRIOR },
];

function predictModels(timings: ShapeTiming[]): void {
  modelOptions = HUB_MODELS.map((entry) => ({
    entry,
    bytes: downloadBytes(entry, predictedDtype),
    predictedMs: predictRankMs(coefficientsFor(timings, entry.shape), {
      candidates: CANDIDATES,
      tokens: TYPICAL_PAIR_TOKENS,
    }),
  }));
}

function saveDataOn(): boolean {
  return (navigator as { connection?: { saveData?: boolean } }).connection?.saveData === true;
}
let pickedFolder: Record<string, Blob> | null = null;
/** A model in a worker on this device, or the edge rerank service. */
type DemoReranker = BrowserReranker | RemoteReranker;
const models = new ModelHolder<DemoReranker>();

/** The edge service's address is remembered across visits (where storage is allowed: it throws where it is not). */
const EDGE_ENDPOINT_KEY = 'ko-rerank-demo.edge-endpoint';
function storedEndpoint(): string | null {
  try {
    return localStorage.getItem(EDGE_ENDPOINT_KEY);
  } catch {
    return null;
  }
}
function storeEndpoint(endpoint: string): void {
  try {
    localStorage.setItem(EDGE_ENDPOINT_KEY, endpoint);
  } catch {
    // not remembered: the field still holds it for this visit
  }
}
ui.edgeEndpoint.value = storedEndpoint() ?? DEFAULT_EDGE_ENDPOINT;

function fillModelPicker(): void {
  const offline = hubOnline ? '' : ' — 지금 연결할 수 없음 (Hub unreachable)';
  const options: Array<[string, string]> = [
    ...modelOptions.map((o): [string, string] => [
      o.entry.id,
      `${describeModel(o.entry, predictedDtype, o.predictedMs)}${offline}`,
    ]),
    [
      DEMO_MODEL_ID,
      '생성된 데모 모델 — 무작위 가중치: 동작은 보여 주지만 관련도는 의미 없음 (generated, random weights)',
    ],
    [EDGE_SERVICE, '에지 재순위화 서비스 — 모델은 서버에서 실행 (edge rerank service, npm run serve)'],
    ['custom', '다른 Hub id 또는 모델 폴더 URL… (another hub id or URL)'],
    ['folder', '디스크에서 연 모델 폴더 (model folder from disk)'],
  ];
  const selected = ui.modelSelect.value;
  ui.modelSelect.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
  if (options.some(([value]) => value === selected)) ui.modelSelect.value = selected;
}

/** Where the predictions come from, in words. */
function predictionSource(): string {
  if (!deviceSpeed) return '기기 측정 전 추정';
  const { backend, threads, probeMs } = deviceSpeed;
  return `이 기기에서 측정: ${backend}${backend === 'wasm' ? ` ${threads} 스레드` : ''}, 측정 ${formatMs(probeMs)}`;
}

interface ModelChoice {
  key: string;
  /** How the status line and messages name it. */
  name: string;
  problem: string | null;
  /** A model for a worker on this device, or the edge service's address. */
  options: Pick<CreateRerankerOptions, 'model' | 'files'> | { endpoint: string };
  /** What choosing it downloads, for the consent rule; absent where the user named the source (URL, folder, edge). */
  download?: { bytes: number; onnxUrl: string };
}

function selectedModel(): ModelChoice {
  const value = ui.modelSelect.value;
  if (value === EDGE_SERVICE) {
    const endpoint = serviceEndpoint(ui.edgeEndpoint.value) ?? '';
    return {
      key: `edge:${endpoint}`,
      name: `에지 서비스 ${endpoint}`,
      problem: incompleteChoice({ kind: 'edge', value: ui.edgeEndpoint.value }),
      options: { endpoint },
    };
  }
  if (value === 'custom') {
    const model = ui.customModel.value.trim();
    return {
      key: `custom:${model}`,
      name: model,
      problem: incompleteChoice({ kind: 'custom', value: model }),
      options: { model },
    };
  }
  if (value === 'folder') {
    const files = pickedFolder ?? {};
    const fileCount = Object.keys(files).length;
    return {
      key: `folder:${Object.keys(files).join()}`,
      name: '디스크의 모델 폴더',
      problem: incompleteChoice({ kind: 'folder', value: '', fileCount }),
      options: { model: 'model folder from disk', files },
    };
  }
  const file = ONNX_FILE_FOR_DTYPE[predictedDtype];
  const entry = HUB_MODELS.find((m) => m.id === value);
  const download = entry
    ? {
        bytes: downloadBytes(entry, predictedDtype),
        onnxUrl: hubFileUrl({ model: value, revision: 'main', file }),
      }
    : value === DEMO_MODEL_ID
      ? { bytes: DEMO_MODEL_BYTES, onnxUrl: new URL(`${DEMO_MODEL_ID}/${file}`, location.href).href }
      : undefined;
  return { key: value, name: shortModelName(value), problem: null, options: { model: value }, download };
}

/** Whether the model's weights are in transformers.js's browser cache already (then nothing downloads). */
async function inBrowserCache(url: string): Promise<boolean> {
  try {
    return (await (await caches.open(MODEL_CACHE_NAME)).match(url)) !== undefined;
  } catch {
    return false; // no Cache API here (or storage refused): assume a download
  }
}

/** A catalog model's published quality figure and its source, or that there is none. */
function qualityNote(id: string): string {
  const entry = HUB_MODELS.find((m) => m.id === id);
  if (!entry) return '';
  const quality = entry.quality ? `${entry.quality.figure} (${entry.quality.source})` : '공개된 품질 수치를 찾지 못함';
  return `${entry.original}: ${quality}. 예상 시간은 후보 ${CANDIDATES}개 × ${TYPICAL_PAIR_TOKENS} 토큰 기준 (${predictionSource()}).`;
}

/** May this choice start loading now? Big downloads wait for consent, and none starts by itself on saveData. */
async function gateFor(choice: ModelChoice): Promise<DownloadGate> {
  if (!choice.download) return { start: true };
  // Where nothing can be downloaded (offline, or the hub unreachable for a hub model), asking is moot:
  // the load reads the cache or fails with its own plain message (model-errors.ts).
  const hubModel = HUB_MODELS.some((m) => m.id === choice.key);
  if (!navigator.onLine || (hubModel && !hubOnline)) return { start: true };
  const consentedHere = consented.has(choice.key);
  const cached = !consentedHere && (await inBrowserCache(choice.download.onnxUrl));
  return downloadGate({ bytes: choice.download.bytes, cached, consented: consentedHere, saveData: saveDataOn() });
}

function showConsent(choice: ModelChoice | null, reason = ''): void {
  ui.consent.hidden = choice === null;
  if (!choice) return;
  ui.consentText.textContent = `${choice.name}: ${reason}.`;
  ui.consentButton.textContent = `내려받기 (${formatBytes(choice.download?.bytes ?? 0)})`;
  ui.consentButton.dataset['key'] = choice.key;
}

ui.consentButton.addEventListener('click', () => {
  const key = ui.consentButton.dataset['key'];
  if (!key) return;
  consented.add(key);
  userDecided = true;
  showConsent(null);
  void warmUp();
});

/** A rerank that waits for the user's consent: the search shows the first stage and says why. */
class ConsentNeeded extends Error {
  override name = 'ConsentNeeded';
}

/** True while the page itself selects the default (its change event is not the user's choice). */
let choosingDefault = false;
ui.modelSelect.addEventListener('change', (event) => {
  ui.customRow.hidden = ui.modelSelect.value !== 'custom';
  ui.edgeRow.hidden = ui.modelSelect.value !== EDGE_SERVICE;
  const value = ui.modelSelect.value;
  if (event.isTrusted || !choosingDefault) {
    userDecided = true;
    ui.modelChoice.textContent = `직접 고른 모델: ${selectedModel().name}`;
  }
  ui.modelInfo.textContent =
    value === DEMO_MODEL_ID
      ? '무작위 가중치: 순위는 의미가 없고, 동작(워커, 백엔드, 배치, 점수에 따른 이동)만 진짜입니다.'
      : value === EDGE_SERVICE
        ? '질문과 후보 문서가 이 주소의 서비스로 전송되어 서버에서 재순위화됩니다. 서비스는 이 페이지의 출처를 허용해야 합니다 (--cors-origin).'
        : value === 'folder' && !pickedFolder
          ? '아래 "모델 폴더 열기"로 폴더를 고르세요.'
          : HUB_MODELS.some((m) => m.id === value) && !hubOnline
            ? 'Hugging Face Hub에 지금 연결할 수 없습니다: 이 기기에 저장된 적이 없으면 불러올 수 없습니다.'
            : qualityNote(value);
  void warmUp(); // warmUp reports its own failures in the status line
});
ui.customModel.addEventListener('change', () => void warmUp());
ui.edgeEndpoint.addEventListener('change', () => {
  const endpoint = serviceEndpoint(ui.edgeEndpoint.value);
  if (endpoint) storeEndpoint(endpoint);
  void warmUp();
});
ui.folderInput.addEventListener('change', () => {
  if (!ui.folderInput.files?.length) return;
  pickedFolder = filesFromFolderPick(ui.folderInput.files);
  ui.modelSelect.value = 'folder';
  ui.customRow.hidden = true;
  const names = Object.keys(pickedFolder);
  ui.modelInfo.textContent = `${names.length}개 파일: ${names.slice(0, 6).join(', ')}${names.length > 6 ? '…' : ''}`;
  void warmUp();
});

const PHASES: Record<Exclude<ProgressEvent['phase'], 'download' | 'runtime'>, string> = {
  compile: '런타임 컴파일·세션 생성 중',
  'warm-up': '모델 예열 중',
  ready: '모델 준비 완료',
};

/**
 * Loads the chosen model, with progress in the status line: in the worker of the model loaded before
 * when there is one (its onnxruntime is kept: no runtime download or compile; the client moves to a new
 * worker itself when the new plan needs another runtime), else in a new worker; or connects to the edge
 * service. Owns `previous`: switches it, or disposes it.
 */
async function loadModel(
  choice: ModelChoice,
  signal: AbortSignal,
  previous: DemoReranker | null,
): Promise<DemoReranker> {
  const local = previous && previous.ready.backend !== 'remote' ? (previous as BrowserReranker) : null;
  if ('endpoint' in choice.options || !local) void previous?.dispose();
  if ('endpoint' in choice.options) {
    setStatus(`${choice.name}에 연결 중…`);
    return createReranker({ endpoint: choice.options.endpoint, signal });
  }
  const bytes = new Map<string, { loaded: number; total: number }>();
  ui.progress.hidden = false;
  ui.progress.removeAttribute('value');
  const onProgress = (event: ProgressEvent) => {
    if (event.phase === 'runtime') {
      // onnxruntime's own wasm: the longest wait of a first visit, after the model's files.
      ui.progress.max = event.total || 1;
      ui.progress.value = event.loaded;
      setStatus(
        `런타임(onnxruntime WASM) 내려받는 중 ${(event.loaded / 1e6).toFixed(1)} / ${(event.total / 1e6).toFixed(1)} MB`,
      );
      return;
    }
    if (event.phase !== 'download') {
      if (event.phase === 'compile' || event.phase === 'warm-up') ui.progress.removeAttribute('value');
      setStatus(`${PHASES[event.phase]} (${event.backend === 'webgpu' ? 'WebGPU' : 'WASM'})…`);
      return;
    }
    bytes.set(event.file, event);
    const loaded = [...bytes.values()].reduce((s, b) => s + b.loaded, 0);
    const total = [...bytes.values()].reduce((s, b) => s + b.total, 0);
    ui.progress.max = total || 1;
    ui.progress.value = loaded;
    const file = event.file.split('/').at(-1);
    setStatus(`모델 내려받는 중 ${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB (${file})`);
  };
  try {
    if (!local) return await createReranker({ ...choice.options, signal, onProgress });
    // A switch has no signal of its own: stopping it ends the worker, as stopping a new worker's load does.
    const stop = () => void local.dispose();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await local.switchModel({ ...choice.options, onProgress });
    } catch (error) {
      // A failed switch leaves no model: the next search starts a new worker. (Stopped, it rejects
      // with the client's AbortError, as a stopped createReranker does.)
      void local.dispose();
      throw error;
    } finally {
      signal.removeEventListener('abort', stop);
    }
    return local;
  } finally {
    ui.progress.hidden = true;
  }
}

/**
 * How the status line names what ranked: backend, dtype and threads here, or the edge service; and a
 * generated model (its config says so, wherever it runs) as random weights.
 */
function describeRanker(model: DemoReranker): string {
  const ready = model.ready;
  const random = ready.generatedBy ? ' · 무작위 가중치 (random weights)' : '';
  if (ready.backend === 'remote') return `에지 서비스 / ${ready.dtype} · ${shortModelName(ready.model)}${random}`;
  return `${ready.backend} / ${ready.dtype}${ready.backend === 'wasm' ? `, ${ready.threads} 스레드` : ''} · ${shortModelName(ready.model)}${random}`;
}

/**
 * Why the model runs where it runs, under the status line: the backend plan's own words (no WebGPU
 * adapter; a software adapter about 40x slower than WASM; WebGPU failed and WASM took over). Without it a
 * page opened with a WebGPU flag shows "wasm / q8" and no reason. It names its model and changes only
 * when a model is ready: clearing it when another is chosen would move the page under the pointer.
 */
function showBackendReason(model: DemoReranker | null): void {
  const ready = model?.ready;
  const reason =
    ready && ready.backend !== 'remote' ? `${shortModelName(ready.model)}: ${ready.backend} — ${ready.reason}` : '';
  ui.backendReason.textContent = reason ? `백엔드 선택 이유 (${reason})` : '';
  ui.backendReason.hidden = reason === '';
}

function describeFailure(error: unknown, choice: ModelChoice): string {
  if (error instanceof ChoiceError) return error.message;
  if ('endpoint' in choice.options)
    return describeServiceError(error, { online: navigator.onLine, endpoint: choice.options.endpoint });
  return describeModelError(error, { online: navigator.onLine, model: choice.name });
}

/** Searches started since the page opened: a warm-up's outcome never overwrites a search's status. */
let searchesStarted = 0;
/** The sample corpus being indexed at page open: "ready" is said only once both it and the model are. */
let initialIndexing: Promise<void> = Promise.resolve();

/**
 * Warm start: loads the chosen model as soon as it is chosen (at page open, on a change of model), not
 * on the first search. The search that comes next shares this load (ModelHolder). Its outcome is shown
 * only while no search has started since, and the choice is still the same.
 */
async function warmUp(): Promise<void> {
  const choice = selectedModel();
  showConsent(null);
  if (choice.problem) return;
  const searchesBefore = searchesStarted;
  const stillQuiet = () => searchesStarted === searchesBefore && selectedModel().key === choice.key;
  const gate = await gateFor(choice);
  if (!gate.start) {
    if (selectedModel().key !== choice.key) return;
    showConsent(choice, gate.reason);
    await initialIndexing;
    if (stillQuiet())
      setStatus('준비됨. 재순위화 모델은 아직 내려받지 않았습니다: 검색하면 1단계(BM25) 결과를 보여 줍니다.');
    return;
  }
  return models
    .get(choice.key, (signal, previous) => loadModel(choice, signal, previous), new AbortController().signal)
    .then(
      async (model) => {
        await initialIndexing;
        if (selectedModel().key === choice.key) showBackendReason(model);
        if (stillQuiet()) setStatus(`준비됨. ${describeRanker(model)} — 질문을 입력하세요.`);
      },
      (error: unknown) => {
        if (stillQuiet() && (error as { name?: string })?.name !== 'AbortError') {
          setStatus(
            `모델을 준비하지 못했습니다. 검색하면 1단계(BM25) 결과를 보여 줍니다 — ${describeFailure(error, choice)}`,
            'error',
          );
        }
      },
    );
}

/** An error the page raises itself, already in words for the user. */
class ChoiceError extends Error {
  override name = 'ChoiceError';
}

// ---- search ---------------------------------------------------------------------------------

function shown(candidate: Candidate | RankedCandidate): ShownResult {
  return {
    text: excerpt(candidate, SHOWN_CHARACTERS),
    title: candidate.passage.title,
    firstStageRank: candidate.firstStageRank,
    bm25: candidate.bm25,
    score: 'score' in candidate ? candidate.score : undefined,
  };
}

/** What the status adds about a ranking: the budget's plan, cache hits. */
function rankNotes(report: RankReport, budgetMs: number | undefined): string {
  const notes: string[] = [];
  if (report.plan) {
    notes.push(
      `예산 ${budgetMs} ms: ${report.plan.candidates}/${report.total}개를 ${report.plan.maxLength} 토큰까지 (예측 ${report.plan.predictedMs.toFixed(0)} ms)`,
    );
  } else if (budgetMs !== undefined) {
    notes.push('에지 서비스는 시간 예산 없이 모두 채점');
  }
  if (report.cacheHits > 0) notes.push(`캐시 ${report.cacheHits}개`);
  return notes.map((note) => ` · ${note}`).join('');
}

/** The partial ranking the list shows while a search reranks: the cancel button relabels it. */
let partialOnScreen: { results: ShownResult[]; scored: number; query: string } | null = null;

function updateCancel(): void {
  ui.cancel.disabled = !searches.busy;
}

ui.form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = ui.query.value.trim();
  if (!query) {
    setStatus('질문을 입력하세요.');
    return;
  }
  const turn = searches.begin();
  searchesStarted++;
  updateCancel();
  setStatus('검색 중…'); // the previous search's message (or error) must not stand for this one
  const choice = selectedModel();
  const snapshot = corpus; // this search stays with the corpus it started with
  const times = { firstStage: 0, load: 0, rerank: 0, candidates: 0 };
  let model: DemoReranker | null = null;
  let report: RankReport | null = null;
  const budgetMs = Number(ui.budget.value) || undefined;
  const started = performance.now();
  try {
    await runSearch({
      query,
      snapshot,
      turn,
      topN: CANDIDATES,
      rank: async (q, texts, signal, onPartial) => {
        times.candidates = texts.length;
        if (choice.problem) throw new ChoiceError(choice.problem);
        const gate = await gateFor(choice);
        if (!gate.start) throw new ConsentNeeded(gate.reason);
        const loadStarted = performance.now();
        model = await models.get(choice.key, (loadSignal, previous) => loadModel(choice, loadSignal, previous), signal);
        times.load = performance.now() - loadStarted;
        if (signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
        setStatus(`재순위화 중 (${texts.length}개 후보)…`);
        const rankStarted = performance.now();
        // The edge service scores every candidate: a budget is a local model's plan.
        const budget = budgetMs !== undefined && model.ready.backend !== 'remote' ? { budgetMs } : {};
        report = await model.rankDetailed(q, texts, { signal, onPartial, ...budget });
        times.rerank = performance.now() - rankStarted;
        return report;
      },
      view: {
        showNoHits() {
          clearResults(ui.results);
          setStatus('질문과 겹치는 단어가 있는 문서가 없습니다.');
        },
        showFirstStage(candidates) {
          times.firstStage = performance.now() - started;
          renderResults(ui.results, candidates.map(shown), { stage: 'bm25', query });
        },
        showPartial(scored, unscored) {
          partialOnScreen = { results: [...scored, ...unscored].map(shown), scored: scored.length, query };
          renderResults(ui.results, partialOnScreen.results, { stage: 'partial', query });
          setStatus(`재순위화 중: ${scored.length}/${scored.length + unscored.length}개 채점…`);
        },
        showReranked(results, unscored) {
          showBackendReason(model);
          renderResults(ui.results, [...results, ...unscored].map(shown), { stage: 'reranked', query });
          setStatus(
            `BM25 ${times.firstStage.toFixed(1)} ms · ${times.load > 5 ? `모델 준비 ${(times.load / 1000).toFixed(1)} s · ` : ''}재순위화 ${times.rerank.toFixed(0)} ms ` +
              `(${times.candidates}개) · ${describeRanker(model!)}${rankNotes(report!, budgetMs)}`,
          );
        },
        showRerankError(error) {
          if (error instanceof ConsentNeeded) {
            setStatus(`1단계(BM25) 결과입니다. 재순위화 모델을 내려받지 않았습니다 — ${error.message}.`);
            return;
          }
          setStatus(`재순위화하지 못해 1단계(BM25) 결과를 보여 줍니다 — ${describeFailure(error, choice)}`, 'error');
        },
      },
    });
  } catch (error) {
    if (turn.isCurrent())
      setStatus(`오류: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, 'error');
  } finally {
    searches.finish(turn);
    updateCancel();
  }
});

ui.cancel.addEventListener('click', () => {
  if (!searches.cancel()) return;
  models.cancelLoad(); // a download started for this search stops too
  updateCancel();
  const stage = ui.results.dataset['stage'];
  const partial = stage === 'partial' ? partialOnScreen : null;
  // A partial ranking stays (its scores are real) but must not say its rest is still being scored.
  if (partial) renderResults(ui.results, partial.results, { stage: 'cancelled', query: partial.query });
  setStatus(cancelledStatus(stage, partial?.scored ?? 0, partial?.results.length ?? 0));
});

// ---- start ----------------------------------------------------------------------------------

function showNotice(summary: string, body: string): void {
  ui.noticeSummary.textContent = summary;
  ui.noticeBody.textContent = body;
  ui.notice.hidden = false;
}

/**
 * Selects the page's default and shows why. The change event shows the choice's note and starts loading
 * it now when the download rule allows (warm start): the worker, the download and the session build
 * overlap the corpus indexing and the user's typing; warmUp says "ready" when both are.
 */
function selectDefault(value: string, why: string): void {
  ui.modelSelect.value = value;
  choosingDefault = true;
  ui.modelSelect.dispatchEvent(new Event('change'));
  choosingDefault = false;
  ui.modelChoice.textContent = why;
}

/** The best Korean model whose predicted time fits the default budget (model-choice.ts). */
function applyDefaultChoice(): void {
  const choice = chooseDefaultModel(modelOptions, DEFAULT_CHOICE_BUDGET_MS)!;
  selectDefault(
    choice.option.entry.id,
    `자동 선택: ${choice.option.entry.label} (${formatBytes(choice.option.bytes)}) — ${choice.reason} ` +
      `(후보 ${CANDIDATES}개 × ${TYPICAL_PAIR_TOKENS} 토큰, ${predictionSource()})`,
  );
}

async function start(): Promise<void> {
  const capabilities = await probeCapabilities();
  predictedDtype = planBackends(capabilities)[0]!.dtype;
  predictModels(PRIOR_TIMINGS);
  fillModelPicker();
  const indexing = chooseCorpus('샘플 문서', () => SAMPLE_CORPUS);
  initialIndexing = indexing;
  // This device's speed, measured in a worker while the hub answers: the picker's times, and the default.
  let defaultApplied = false;
  const measured = measureDeviceSpeed(HUB_MODELS.map((m) => m.shape)).then(
    (speed) => {
      deviceSpeed = speed;
      predictModels(speed.timings);
      fillModelPicker();
      // Measured after the default was chosen from the prior: choose again while the user has not.
      if (defaultApplied && hubOnline && !userDecided && searchesStarted === 0) applyDefaultChoice();
    },
    () => undefined, // the prior's predictions stay
  );
  hubOnline = await hubReachable(HUB_PROBE_MODEL.id);
  if (hubOnline) await Promise.race([measured, new Promise((resolve) => setTimeout(resolve, PROBE_WAIT_MS))]);
  defaultApplied = true;
  if (hubOnline && chooseDefaultModel(modelOptions, DEFAULT_CHOICE_BUDGET_MS)) {
    applyDefaultChoice();
  } else {
    fillModelPicker(); // marks the hub models as unreachable
    showNotice(
      'Hugging Face Hub에 연결할 수 없어, 생성된 데모 모델(무작위 가중치)을 씁니다.',
      '데모 모델은 동작(워커, 백엔드, 배치, 점수에 따른 순위 이동)을 보여 주지만 실제 관련도는 보여 주지 않습니다. ' +
        '온라인일 때 Hub 모델을 고르거나, 디스크의 모델 폴더를 여세요. ' +
        'The Hugging Face Hub cannot be reached from this page, so the generated demo model is selected: its weights are random, ' +
        'so it shows the mechanics but not real relevance.',
    );
    selectDefault(DEMO_MODEL_ID, '자동 선택: 생성된 데모 모델 — Hugging Face Hub에 연결할 수 없음');
  }
  await indexing;
  if (selectedModel().problem && searchesStarted === 0) setStatus('준비됨. 질문을 입력하세요.');
}

void start();
void registerServiceWorker({
  onUpdateReady(apply) {
    $<HTMLElement>('update').hidden = false;
    $<HTMLButtonElement>('apply-update').addEventListener('click', apply, { once: true });
  },
});
$<HTMLElement>('version').textContent = `build ${__APP_BUILD__}`;
