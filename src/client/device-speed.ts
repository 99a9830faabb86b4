/**
 * Measures this device's speed in a short-lived worker, before any model is chosen or downloaded; the
 * timings predict every catalog model's rerank time (src/engine/shape-cost.ts: coefficientsFor).
 */
import * as Comlink from 'comlink';
import type { ComputeShape } from '../engine/shape-cost.js';
import type { DeviceSpeed, SpeedProbeApi } from '../worker/speed-probe.worker.js';

export type { DeviceSpeed };

export async function measureDeviceSpeed(shapes: readonly ComputeShape[]): Promise<DeviceSpeed> {
  const worker = new Worker(new URL('../worker/speed-probe.worker.ts', import.meta.url), {
    type: 'module',
    name: 'speed-probe',
  });
  const failed = new Promise<never>((_, reject) =>
    worker.addEventListener('error', (event) => reject(new Error(`the speed probe worker failed: ${event.message}`))),
  );
  try {
    const plain = shapes.map(({ numLayers, hiddenSize, numHeads, intermediateSize }) => ({
      numLayers,
      hiddenSize,
      numHeads,
      intermediateSize,
    }));
    return await Promise.race([Comlink.wrap<SpeedProbeApi>(worker).measure(plain), failed]);
  } finally {
    worker.terminate(); // frees the probe's sessions and wasm memory
  }
}
