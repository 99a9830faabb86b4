import { describe, expect, test } from 'vitest';
import { type Capabilities, planBackends } from '../../src/worker/backend-plan.js';

const gpu = (shaderF16: boolean, limit = 2 ** 30): Capabilities['webgpu'] => ({
  shaderF16,
  maxBufferSize: limit,
  maxStorageBufferBindingSize: limit,
  isFallbackAdapter: false,
});
const caps = (webgpu: Capabilities['webgpu'], crossOriginIsolated = true, cores = 8): Capabilities => ({
  webgpu,
  crossOriginIsolated,
  cores,
});

describe('planBackends', () => {
  test('shader-f16 adapter: WebGPU fp16 first, WASM 8-bit with all cores as fallback', () => {
    const plan = planBackends(caps(gpu(true)));
    expect(plan.map(({ device, dtype, threads }) => ({ device, dtype, threads }))).toEqual([
      { device: 'webgpu', dtype: 'fp16', threads: 1 },
      { device: 'wasm', dtype: 'q8', threads: 8 },
    ]);
    expect(plan[0]!.reason).toMatch(/shader-f16/);
  });

  test('adapter without shader-f16 (e.g. SwiftShader): WebGPU fp32', () => {
    expect(planBackends(caps(gpu(false)))[0]).toMatchObject({ device: 'webgpu', dtype: 'fp32' });
  });

  test('software fallback adapter (SwiftShader): WASM unless WebGPU is forced, and the reason says why', () => {
    const software = { ...gpu(false)!, isFallbackAdapter: true, name: 'swiftshader' };
    const plan = planBackends(caps(software));
    expect(plan).toEqual([expect.objectContaining({ device: 'wasm', dtype: 'q8', threads: 8 })]);
    expect(plan[0]!.reason).toMatch(
      /software fallback \(swiftshader\), about 40x slower than WASM; pass device: 'webgpu' to force it/,
    );
    // Without a name the rule is the same; the reason just does not name the adapter.
    expect(planBackends(caps({ ...software, name: undefined }))[0]!.reason).toMatch(
      /WebGPU adapter is a software fallback, about 40x/,
    );
    // Forced: WebGPU fp32 first (the rest of the rules apply), WASM still the fallback.
    const forced = planBackends(caps(software), { device: 'webgpu' });
    expect(forced.map((c) => c.device)).toEqual(['webgpu', 'wasm']);
    expect(forced[0]).toMatchObject({
      dtype: 'fp32',
      reason: expect.stringContaining('software fallback adapter (forced)'),
    });
    expect(planBackends(caps(software), { device: 'wasm' })[0]!.reason).toMatch(/WASM requested/);
    // A hardware adapter is unaffected.
    expect(planBackends(caps(gpu(false)))[0]).toMatchObject({ device: 'webgpu' });
  });

  test('no adapter: WASM only; single-threaded when not cross-origin isolated', () => {
    expect(planBackends(caps(null))).toEqual([expect.objectContaining({ device: 'wasm', dtype: 'q8', threads: 8 })]);
    const plain = planBackends(caps(null, false));
    expect(plain).toEqual([expect.objectContaining({ device: 'wasm', threads: 1 })]);
    expect(plain[0]!.reason).toMatch(/not cross-origin isolated/);
  });

  test('no WebGPU in the browser at all (Firefox, WebKit on Linux): the reason says so, forced or not', () => {
    const none = { ...caps(null), noWebGpu: 'this browser has no WebGPU' };
    for (const device of ['auto', 'webgpu'] as const) {
      const plan = planBackends(none, { device });
      expect(plan).toEqual([expect.objectContaining({ device: 'wasm', dtype: 'q8' })]);
      expect(plan[0]!.reason).toMatch(/; no WebGPU adapter \(this browser has no WebGPU\)$/);
    }
    expect(planBackends(caps(null))[0]!.reason).toMatch(/no WebGPU adapter$/);
  });

  test('adapter limits below the largest tensor rule WebGPU out', () => {
    const plan = planBackends(caps(gpu(true, 128 * 2 ** 20)), { largestTensorBytes: 250_002 * 1024 * 4 });
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ device: 'wasm' });
    expect(plan[0]!.reason).toMatch(/buffer limit/);
    // fp16 halves the tensor: a 1 GiB limit holds the fp16 embeddings of XLM-R large.
    expect(planBackends(caps(gpu(true)), { largestTensorBytes: 250_002 * 1024 * 4 })[0]).toMatchObject({
      device: 'webgpu',
      dtype: 'fp16',
    });
  });

  test('the caller may force device, dtype and threads', () => {
    expect(planBackends(caps(gpu(true)), { device: 'wasm' })).toEqual([
      expect.objectContaining({ device: 'wasm', dtype: 'q8' }),
    ]);
    expect(planBackends(caps(gpu(true)), { dtype: 'fp32' })[0]).toMatchObject({ device: 'webgpu', dtype: 'fp32' });
    expect(planBackends(caps(null), { threads: 3 })[0]).toMatchObject({ threads: 3 });
    expect(planBackends(caps(null, false), { threads: 3 })[0]).toMatchObject({ threads: 1 }); // threads need isolation
  });

  test('threads must be a positive integer and is capped at the cores', () => {
    for (const threads of [-1, 0, Number.NaN, 1.5, Infinity, '2' as unknown as number]) {
      expect(() => planBackends(caps(null), { threads }), String(threads)).toThrow(
        expect.objectContaining({
          name: 'InvalidInputError',
          code: 'INVALID_INPUT',
          message: expect.stringContaining('threads'),
        }),
      );
    }
    const capped = planBackends(caps(null, true, 8), { threads: 1e6 })[0]!;
    expect(capped.threads).toBe(8);
    expect(capped.reason).toMatch(/1000000 requested, capped at the 8 cores/);
    // Without isolation one thread is all there is; a bad value is still refused.
    expect(planBackends(caps(null, false), { threads: 1e6 })[0]!.threads).toBe(1);
    expect(() => planBackends(caps(null, false), { threads: 0 })).toThrow(/threads/);
  });
});
