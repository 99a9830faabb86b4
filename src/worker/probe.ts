/** What this worker's browser offers: a WebGPU adapter and its limits, isolation, cores. */
import type { Capabilities } from './backend-plan.js';

interface GpuAdapterLike {
  features: { has(name: string): boolean };
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  isFallbackAdapter?: boolean;
  info?: { isFallbackAdapter?: boolean; architecture?: string; vendor?: string; description?: string };
}

export async function probeCapabilities(): Promise<Capabilities> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  let adapter: GpuAdapterLike | null;
  try {
    adapter = gpu ? await gpu.requestAdapter() : null;
  } catch {
    adapter = null; // a browser that throws here has no usable WebGPU either
  }
  return {
    webgpu: adapter && {
      shaderF16: adapter.features.has('shader-f16'),
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      isFallbackAdapter: Boolean(adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter),
      name: adapter.info?.architecture || adapter.info?.vendor || adapter.info?.description || undefined,
    },
    ...(adapter ? {} : { noWebGpu: gpu ? 'the browser gave no adapter' : 'this browser has no WebGPU' }),
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    cores: navigator.hardwareConcurrency || 1,
  };
}
