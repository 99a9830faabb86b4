/**
 * Module Web Worker that measures this device before any model is downloaded: it times one generated
 * encoder layer of each shape's geometry (src/catalog/device-probe.ts) on the backend and dtype the
 * reranker worker's plan would pick, so predictions (src/engine/shape-cost.ts) are for that runtime.
 * A backend that fails to build or run the probe falls to the plan's next choice, as loading does.
 */
import * as Comlink from 'comlink';
// The onnxruntime-web entry transformers.js imports, so the app bundles one runtime.
import * as ort from 'onnxruntime-web/webgpu';
import { type OpenProbeSession, probeDevice } from '../catalog/device-probe.js';
import { errorMessage } from '../errors/error-message.js';
import type { ComputeShape, ShapeTiming } from '../engine/shape-cost.js';
import type { Dtype } from '../engine/types.js';
import { type Backend, planBackends } from './backend-plan.js';
import { probeCapabilities } from './probe.js';
import { runtimeBuildFor, runtimeFiles } from './runtime-build.js';

export interface DeviceSpeed {
  backend: Backend;
  dtype: Dtype;
  threads: number;
  timings: ShapeTiming[];
  /** How long the probe took, model building included. */
  probeMs: number;
  /** Backends that failed the probe first, with their errors. */
  fallbacks: string[];
}

function openOn(backend: Backend): OpenProbeSession {
  return async (bytes) => {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: [backend] });
    return {
      run: (f) =>
        session.run({
          input_ids: new ort.Tensor('int64', f.inputIds, f.dims),
          attention_mask: new ort.Tensor('int64', f.attentionMask, f.dims),
        }),
      release: () => session.release(),
    };
  };
}

const api = {
  async measure(shapes: ComputeShape[]): Promise<DeviceSpeed> {
    const started = performance.now();
    const fallbacks: string[] = [];
    const plan = planBackends(await probeCapabilities());
    // The build the reranker worker will load (the WASM-only one without WebGPU in the plan): one download for both.
    const files = runtimeFiles(runtimeBuildFor(plan));
    for (const choice of plan) {
      ort.env.wasm.wasmPaths = files;
      ort.env.wasm.numThreads = choice.threads;
      ort.env.wasm.proxy = false; // already in a worker
      try {
        const timings = await probeDevice(shapes, { precision: choice.dtype, open: openOn(choice.device) });
        return {
          backend: choice.device,
          dtype: choice.dtype,
          threads: choice.threads,
          timings,
          probeMs: performance.now() - started,
          fallbacks,
        };
      } catch (error) {
        if (choice === plan.at(-1)) throw error;
        fallbacks.push(`${choice.device}/${choice.dtype}: ${errorMessage(error)}`);
      }
    }
    throw new Error('no backend in the plan'); // planBackends always ends with WASM
  },
};

export type SpeedProbeApi = typeof api;

Comlink.expose(api);
