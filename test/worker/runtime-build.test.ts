import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { type Capabilities, planBackends } from '../../src/worker/backend-plan.js';
import { runtimeBuildFor, runtimeBuildOfWasm, runtimeFiles, runtimeMismatch } from '../../src/worker/runtime-build.js';

const adapter = (isFallbackAdapter: boolean): Capabilities['webgpu'] => ({
  shaderF16: false,
  maxBufferSize: 2 ** 30,
  maxStorageBufferBindingSize: 2 ** 30,
  isFallbackAdapter,
});
const caps = (webgpu: Capabilities['webgpu']): Capabilities => ({ webgpu, crossOriginIsolated: true, cores: 4 });

describe('runtimeBuildFor', () => {
  test("WebGPU's build only when the plan tries WebGPU; the WASM-only one for every other plan", () => {
    const verified = true; // an engine where the threaded WASM-only build is verified (Chromium)
    expect(runtimeBuildFor(planBackends(caps(adapter(false))), verified)).toBe('webgpu');
    expect(runtimeBuildFor(planBackends(caps(adapter(false)), { device: 'wasm' }), verified)).toBe('wasm');
    expect(runtimeBuildFor(planBackends(caps(adapter(true))), verified)).toBe('wasm'); // software adapter: WASM
    expect(runtimeBuildFor(planBackends(caps(adapter(true)), { device: 'webgpu' }), verified)).toBe('webgpu');
    expect(runtimeBuildFor(planBackends(caps(null)), verified)).toBe('wasm');
  });

  test('where the threaded WASM-only build is not verified, only a single-threaded plan takes it', () => {
    expect(runtimeBuildFor(planBackends(caps(null)), false)).toBe('webgpu');
    expect(runtimeBuildFor(planBackends(caps(null), { threads: 1 }), false)).toBe('wasm');
    expect(runtimeBuildFor(planBackends({ ...caps(null), crossOriginIsolated: false }), false)).toBe('wasm');
  });

  test("each build's files are onnxruntime-web's own: the WASM-only binary is the smaller, and no JSEP", async () => {
    const size = async (build: 'webgpu' | 'wasm') => {
      const url = runtimeFiles(build).wasm;
      expect(runtimeBuildOfWasm(url)).toBe(build);
      // Under vitest the import gives a root-relative path (/node_modules/...), as the dev server serves it.
      return (await readFile(path.join(process.cwd(), new URL(url).pathname))).byteLength;
    };
    const [webgpu, wasm] = [await size('webgpu'), await size('wasm')];
    expect(wasm).toBeLessThan(webgpu * 0.6);
    expect(runtimeFiles('wasm').mjs).toMatch(/ort-wasm-simd-threaded\.mjs/);
    expect(runtimeBuildOfWasm(runtimeFiles('wasm').mjs)).toBeUndefined();
  });
});

describe('runtimeMismatch', () => {
  const webgpuPlan = planBackends(caps(adapter(false)));
  const wasmPlan = planBackends(caps(null));
  test('a started runtime serves a plan of its build (or less) and its thread count', () => {
    expect(runtimeMismatch({ build: 'wasm', threads: 4 }, wasmPlan, true)).toBeNull();
    expect(runtimeMismatch({ build: 'webgpu', threads: 1 }, webgpuPlan, true)).toBeNull();
  });
  test('the WASM-only build cannot serve WebGPU; onnxruntime cannot change its thread count', () => {
    expect(runtimeMismatch({ build: 'wasm', threads: 1 }, webgpuPlan, true)).toMatch(/WASM-only build/);
    expect(runtimeMismatch({ build: 'webgpu', threads: 1 }, wasmPlan, true)).toMatch(/4 thread\(s\).*started with 1/);
    expect(runtimeMismatch({ build: 'wasm', threads: 4 }, planBackends(caps(null), { threads: 2 }), true)).toMatch(
      /2 thread\(s\)/,
    );
  });
});
