/**
 * Predicting a model's time from probes of one layer: the probe pipeline against a simulated device
 * whose cost is known exactly, the scaling by hand, and the probe models running on onnxruntime-node.
 */
import * as ort from 'onnxruntime-node';
import { expect, test } from 'vitest';
import { CATALOG } from '../../src/catalog/rerankers.js';
import type { RunShape } from '../../src/engine/cost-model.js';
import { type OpenProbeSession, PROBE_RUNS, probeDevice, probeGeometries } from '../../src/catalog/device-probe.js';
import {
  type ComputeShape,
  attentionWork,
  closestTiming,
  coefficientsFor,
  linearWork,
  predictRankMs,
} from '../../src/engine/shape-cost.js';

const BASE: ComputeShape = { numLayers: 12, hiddenSize: 768, numHeads: 12, intermediateSize: 3072 };
const SMALL: ComputeShape = { numLayers: 12, hiddenSize: 384, numHeads: 12, intermediateSize: 1536 };

test('a rank is predicted as the engine batches it (by hand: one run of 20 x 256 at 8192 tokens a batch)', () => {
  const c = { overheadMs: 5, perTokenMs: 0.5, perTokenSquaredMs: 0.001 };
  expect(predictRankMs(c, { candidates: 20, tokens: 256 })).toBeCloseTo(5 + 0.5 * 5120 + 0.001 * 20 * 256 * 256, 6);
  // 40 x 256 needs two runs of 32 and 8 rows: two overheads.
  expect(predictRankMs(c, { candidates: 40, tokens: 256 })).toBeCloseTo(2 * 5 + 0.5 * 10240 + 0.001 * 40 * 65536, 6);
  expect(predictRankMs(c, { candidates: 0, tokens: 256 })).toBe(0);
});

test('the work per term: linear layers per token, attention per width^2, both linear in the layer count', () => {
  expect(linearWork(BASE)).toBe(12 * (4 * 768 * 768 + 2 * 768 * 3072));
  expect(linearWork({ ...BASE, numLayers: 24 })).toBe(2 * linearWork(BASE));
  expect(attentionWork({ ...BASE, numLayers: 24 })).toBe(2 * attentionWork(BASE));
  expect(linearWork(SMALL) / linearWork(BASE)).toBeCloseTo(0.25, 10);
});

test('a shape is scaled from the probe of its own geometry, else from the nearest by work per layer', () => {
  const timings = [
    { shape: { ...SMALL, numLayers: 1 }, coefficients: { overheadMs: 1, perTokenMs: 0.02, perTokenSquaredMs: 1e-5 } },
    { shape: { ...BASE, numLayers: 1 }, coefficients: { overheadMs: 2, perTokenMs: 0.08, perTokenSquaredMs: 3e-5 } },
  ];
  const c = coefficientsFor(timings, SMALL);
  expect(c.overheadMs).toBeCloseTo(12, 10);
  expect(c.perTokenMs).toBeCloseTo(0.24, 10);
  expect(c.perTokenSquaredMs).toBeCloseTo(12e-5, 10);
  const large = { numLayers: 24, hiddenSize: 1024, numHeads: 16, intermediateSize: 4096 };
  expect(closestTiming(timings, large)).toBe(timings[1]);
  expect(coefficientsFor(timings, large).perTokenMs).toBeCloseTo(
    0.08 * (linearWork(large) / (linearWork(BASE) / 12)),
    10,
  );
});

/**
 * A simulated device: a run costs 0.3 ms plus, per layer, a GEMM rate that depends on the hidden size
 * (small matrices use the CPU less well) and an attention rate. Time comes from a fake clock, so the
 * probe measures exactly this function.
 */
function simulatedDevice(): {
  open: OpenProbeSession;
  now: () => number;
  rankMs(shape: ComputeShape, runs: RunShape[]): number;
} {
  let clock = 0;
  const nsPerWork = (h: number) => (h <= 384 ? 0.004 : h <= 768 ? 0.0025 : 0.002);
  const runMs = (shape: ComputeShape, { rows, width }: RunShape) =>
    0.3 * shape.numLayers +
    (rows * width * linearWork(shape) * nsPerWork(shape.hiddenSize)) / 1e6 +
    (rows * width * width * attentionWork(shape) * 0.01) / 1e6;
  return {
    now: () => clock,
    open: async (_onnx, geometry) => ({
      run: async (feeds) => void (clock += runMs(geometry, { rows: feeds.dims[0], width: feeds.dims[1] })),
      release: async () => undefined,
    }),
    rankMs: (shape, runs) => runs.reduce((sum, run) => sum + runMs(shape, run), 0),
  };
}

test('probe once, predict every catalog shape: on a device whose cost follows the model, the prediction is exact', async () => {
  const device = simulatedDevice();
  const shapes = CATALOG.map((e) => e.shape);
  expect(probeGeometries(shapes)).toHaveLength(3); // 384/12/1536, 768/12/3072, 1024/16/4096
  const timings = await probeDevice(shapes, { precision: 'fp32', open: device.open, now: device.now, passes: 1 });
  for (const shape of shapes) {
    const predicted = predictRankMs(coefficientsFor(timings, shape), { candidates: 20, tokens: 256 });
    const measured = device.rankMs(shape, [{ rows: 20, width: 256 }]);
    expect(Math.abs(predicted - measured) / measured, JSON.stringify(shape)).toBeLessThan(1e-6);
  }
});

test('the probe models are valid ONNX: they run on onnxruntime-node in q8 and fp32 and give a positive cost', async () => {
  const open: OpenProbeSession = async (bytes) => {
    const session = await ort.InferenceSession.create(bytes);
    return {
      run: (f) =>
        session.run({
          input_ids: new ort.Tensor('int64', f.inputIds, f.dims),
          attention_mask: new ort.Tensor('int64', f.attentionMask, f.dims),
        }),
      release: () => session.release(),
    };
  };
  const small = [{ numLayers: 3, hiddenSize: 64, numHeads: 4, intermediateSize: 128 }];
  for (const precision of ['q8', 'fp32'] as const) {
    const [timing] = await probeDevice(small, { precision, open, passes: 1 });
    expect(timing!.shape).toEqual({ ...small[0], numLayers: 1 });
    const c = timing!.coefficients;
    expect(c.overheadMs + c.perTokenMs + c.perTokenSquaredMs).toBeGreaterThan(0);
    expect(predictRankMs(c, { candidates: 4, tokens: PROBE_RUNS.at(-1)!.width })).toBeGreaterThan(0);
  }
});
