/**
 * Which of onnxruntime-web's two wasm builds a worker loads. The build with WebGPU (JSEP/asyncify,
 * 26.9 MB) is needed only when the backend plan tries WebGPU; the WASM-only build (14.3 MB) runs the
 * same WASM kernels and is what every device without a usable adapter (and every fallback worker) runs.
 * A worker initialises onnxruntime once, so the first session it builds fixes its build.
 */
import webgpuMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import webgpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import wasmMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasmWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { Backend } from './backend-plan.js';

export type RuntimeBuild = 'webgpu' | 'wasm';

/** A build's loader and binary, as absolute URLs (onnxruntime's `env.wasm.wasmPaths` object form). */
export interface RuntimeFiles {
  mjs: string;
  wasm: string;
}

const FILES: Record<RuntimeBuild, RuntimeFiles> = {
  webgpu: { mjs: webgpuMjsUrl, wasm: webgpuWasmUrl },
  wasm: { mjs: wasmMjsUrl, wasm: wasmWasmUrl },
};

/**
 * Benchmark seam: bench/page-open.ts defines `__FORCE_ORT_BUILD__` ('webgpu') on a dev server to measure
 * the old behaviour beside the new in one run. Undeclared everywhere else, so `typeof` says 'undefined'.
 */
declare const __FORCE_ORT_BUILD__: RuntimeBuild | undefined;
const forced: RuntimeBuild | undefined = typeof __FORCE_ORT_BUILD__ === 'string' ? __FORCE_ORT_BUILD__ : undefined;

/**
 * Where the WASM-only build may run threaded. In Firefox 153 it hung now and then (about 2 loads in 5 of
 * picked files, the calibration runs right after the session never ending) with 2 threads, never with 1,
 * and never in Chromium; WebKit is untried. Chromium-based engines are the ones with `userAgentData`.
 */
export function threadedWasmOnlyVerified(): boolean {
  return typeof navigator !== 'undefined' && 'userAgentData' in navigator;
}

/**
 * The build a worker whose plan is `plan` needs: WebGPU's when some choice in it is WebGPU, and where a
 * threaded WASM-only build is not verified (see threadedWasmOnlyVerified), for a threaded plan too.
 */
export function runtimeBuildFor(
  plan: ReadonlyArray<{ device: Backend; threads: number }>,
  threadedVerified = threadedWasmOnlyVerified(),
): RuntimeBuild {
  if (forced) return forced;
  if (plan.some((choice) => choice.device === 'webgpu')) return 'webgpu';
  return threadedVerified || plan.every((choice) => choice.threads === 1) ? 'wasm' : 'webgpu';
}

export function runtimeFiles(build: RuntimeBuild): RuntimeFiles {
  const files = FILES[build];
  return { mjs: new URL(files.mjs, import.meta.url).href, wasm: new URL(files.wasm, import.meta.url).href };
}

/** Which build `url` is the wasm binary of, if any. */
export function runtimeBuildOfWasm(url: string): RuntimeBuild | undefined {
  return (Object.keys(FILES) as RuntimeBuild[]).find((build) => runtimeFiles(build).wasm === url);
}

/** The onnxruntime a worker runs: fixed by its first session. */
export interface RuntimeIdentity {
  build: RuntimeBuild;
  threads: number;
}

/**
 * Why a worker whose onnxruntime is `running` cannot serve `plan` (a fresh worker must), or null when it
 * can: the WASM-only build has no WebGPU, and the thread count is fixed when onnxruntime starts.
 */
export function runtimeMismatch(
  running: RuntimeIdentity,
  plan: ReadonlyArray<{ device: Backend; threads: number }>,
  threadedVerified = threadedWasmOnlyVerified(),
): string | null {
  if (running.build === 'wasm' && runtimeBuildFor(plan, threadedVerified) === 'webgpu')
    return "the plan needs onnxruntime's build with WebGPU and this worker runs the WASM-only build";
  const threads = plan[0]?.threads ?? running.threads;
  if (threads !== running.threads)
    return `the plan runs ${threads} thread(s) and this worker's onnxruntime started with ${running.threads}`;
  return null;
}
