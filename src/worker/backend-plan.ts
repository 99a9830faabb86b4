/**
 * Which backend and dtype to try, in order. Pure, so the rules are tested in Node:
 * WebGPU + fp16 where the adapter has shader-f16, WebGPU + fp32 otherwise, and WASM + 8-bit
 * (threads = cores when cross-origin isolated) where there is no usable adapter, always last as the fallback.
 * A software adapter (`isFallbackAdapter`, e.g. Dawn's SwiftShader) counts as no usable adapter unless
 * WebGPU is forced: it ran our reranker about 40x slower than WASM on the same machine.
 */
import type { Dtype } from '../engine/types.js';
import { positiveInteger } from '../engine/validation.js';

export interface Capabilities {
  /** null: no adapter (no WebGPU, or the browser refused one). */
  webgpu: null | {
    shaderF16: boolean;
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    isFallbackAdapter: boolean;
    /** What the adapter says it is (GPUAdapterInfo.architecture or vendor, e.g. 'swiftshader'), for the reason. */
    name?: string;
  };
  crossOriginIsolated: boolean;
  cores: number;
  /**
   * Why there is no adapter, when known, for the reason the user reads: Firefox and Safari/WebKit on
   * Linux have no `navigator.gpu` at all, which differs from a browser that has WebGPU but gave no adapter.
   */
  noWebGpu?: string;
}

export type Backend = 'webgpu' | 'wasm';

export interface BackendRequest {
  device?: Backend | 'auto';
  dtype?: Dtype;
  /**
   * Threads for WASM; default: all cores when cross-origin isolated, else 1 (threads need SharedArrayBuffer).
   * A positive integer, capped at the cores: each thread is a Web Worker with its own stack and a share of
   * the heap, so a huge count never finishes starting and eats the renderer's memory.
   */
  threads?: number;
  /** Bytes of the largest weight tensor at fp32 (e.g. the word embeddings), to check adapter limits. */
  largestTensorBytes?: number;
}

export interface BackendChoice {
  device: Backend;
  dtype: Dtype;
  threads: number;
  /** Why this backend is in the plan, in words for the ready state. */
  reason: string;
}

const BYTES_PER_VALUE: Record<Dtype, number> = { fp32: 4, fp16: 2, q8: 1 };

export function planBackends(capabilities: Capabilities, request: BackendRequest = {}): BackendChoice[] {
  const device = request.device ?? 'auto';
  const isolated = capabilities.crossOriginIsolated;
  const cores = Math.max(1, capabilities.cores);
  const requested = positiveInteger('threads', request.threads, cores);
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page has.
  const threads = isolated ? Math.min(requested, cores) : 1;
  const capped = isolated && requested > cores ? ` (${requested} requested, capped at the ${cores} cores)` : '';
  const wasm: BackendChoice = {
    device: 'wasm',
    dtype: request.dtype ?? 'q8',
    threads,
    reason: isolated
      ? `WASM SIMD with ${threads} thread(s)${capped}`
      : 'WASM SIMD, single-threaded (page not cross-origin isolated)',
  };
  if (device === 'wasm') return [{ ...wasm, reason: `${wasm.reason}; WASM requested` }];

  const gpu = capabilities.webgpu;
  if (!gpu) {
    const why = capabilities.noWebGpu ? ` (${capabilities.noWebGpu})` : '';
    return [{ ...wasm, reason: `${wasm.reason}; no WebGPU adapter${why}` }];
  }
  if (gpu.isFallbackAdapter && device !== 'webgpu') {
    const which = gpu.name ? ` (${gpu.name})` : '';
    return [
      {
        ...wasm,
        reason: `${wasm.reason}; the WebGPU adapter is a software fallback${which}, about 40x slower than WASM; pass device: 'webgpu' to force it`,
      },
    ];
  }

  const dtype = request.dtype ?? (gpu.shaderF16 ? 'fp16' : 'fp32');
  const needed = (request.largestTensorBytes ?? 0) * (BYTES_PER_VALUE[dtype] / 4);
  if (needed > Math.min(gpu.maxBufferSize, gpu.maxStorageBufferBindingSize)) {
    return [
      {
        ...wasm,
        reason: `${wasm.reason}; the adapter's buffer limit (${gpu.maxStorageBufferBindingSize} bytes) is below the model's largest tensor (${needed} bytes)`,
      },
    ];
  }
  const why = request.dtype
    ? `${dtype} requested`
    : gpu.shaderF16
      ? 'fp16 (adapter has shader-f16)'
      : 'fp32 (adapter lacks shader-f16)';
  return [
    {
      device: 'webgpu',
      dtype,
      threads: 1,
      reason: `WebGPU, ${why}${gpu.isFallbackAdapter ? ', software fallback adapter (forced)' : ''}`,
    },
    { ...wasm, reason: `${wasm.reason}; fallback if WebGPU fails` },
  ];
}
