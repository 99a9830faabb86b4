/**
 * Which model the demo picks by default, and whether it may start downloading it without asking.
 * Pure (no DOM), so the rules are tested in Node; main.ts applies them and shows the reasons.
 *
 * - Default: the best model for Korean (catalog order) whose predicted time for the demo's candidates
 *   fits the default budget on this device; when none fits, the fastest one.
 * - A download above DOWNLOAD_CONSENT_BYTES never starts without the user's consent, and none starts
 *   by itself on a connection that asks to save data (`navigator.connection.saveData`). A model already
 *   in the browser's cache downloads nothing and needs no consent.
 */
import { type CatalogReranker, formatBytes } from '../catalog/rerankers.js';

/** Larger downloads wait for a click. */
export const DOWNLOAD_CONSENT_BYTES = 100e6;
/** What "fast enough" means when choosing the default model: a rerank within 2 s. */
export const DEFAULT_CHOICE_BUDGET_MS = 2000;
/** Pair length assumed when predicting a rerank (query + passage; the sample passages are shorter). */
export const TYPICAL_PAIR_TOKENS = 256;

export interface ModelOption {
  entry: CatalogReranker;
  /** Bytes to download in the dtype this device will use. */
  bytes: number;
  /** Predicted rerank time of the demo's candidates on this device. */
  predictedMs: number;
}

export interface DefaultChoice {
  option: ModelOption;
  /** In words, for the page. */
  reason: string;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The default among the models that read Korean and have an ONNX export; null when there is none. */
export function chooseDefaultModel(options: readonly ModelOption[], budgetMs: number): DefaultChoice | null {
  const usable = options.filter((o) => o.entry.korean && o.entry.onnx);
  if (usable.length === 0) return null;
  const fitting = usable.filter((o) => o.predictedMs <= budgetMs);
  if (fitting.length > 0) {
    const best = fitting.reduce((a, b) => (b.entry.koreanQualityOrder < a.entry.koreanQualityOrder ? b : a));
    return {
      option: best,
      reason: `예상 ${formatMs(best.predictedMs)}: 예산 ${formatMs(budgetMs)} 안에 드는 한국어 모델 중 품질 순위가 가장 높음`,
    };
  }
  const fastest = usable.reduce((a, b) => (b.predictedMs < a.predictedMs ? b : a));
  return {
    option: fastest,
    reason: `예산 ${formatMs(budgetMs)} 안에 드는 한국어 모델이 없어 가장 빠른 모델 (예상 ${formatMs(fastest.predictedMs)})`,
  };
}

export interface DownloadRequest {
  bytes: number;
  /** All its files are in the browser's cache already. */
  cached: boolean;
  /** The user clicked to download this model. */
  consented: boolean;
  /** `navigator.connection.saveData`. */
  saveData: boolean;
  thresholdBytes?: number;
}

export type DownloadGate = { start: true } | { start: false; reason: string };

export function downloadGate(request: DownloadRequest): DownloadGate {
  const { bytes, cached, consented, saveData, thresholdBytes = DOWNLOAD_CONSENT_BYTES } = request;
  if (cached || consented) return { start: true };
  if (saveData)
    return {
      start: false,
      reason: `데이터 절약 모드(saveData)가 켜져 있어 ${formatBytes(bytes)}를 자동으로 내려받지 않습니다`,
    };
  if (bytes > thresholdBytes)
    return {
      start: false,
      reason: `${formatBytes(bytes)}는 ${formatBytes(thresholdBytes)}보다 커서 내려받기 전에 동의가 필요합니다`,
    };
  return { start: true };
}
