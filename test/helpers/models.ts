/** Generated test models, built once per machine into the temp folder and shared by test files. */
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PRESETS, type PresetName } from '../../src/model-builder/presets.js';
import { writeCrossEncoder } from '../../src/model-builder/write-model.js';

const ROOT = path.join(os.tmpdir(), 'ko-rerank-test-models');
/** Bump when the builder's output changes, so stale folders are not reused. */
const BUILDER_VERSION = 2;

export async function testModel(preset: PresetName, seed = 7): Promise<string> {
  const folder = path.join(ROOT, `v${BUILDER_VERSION}-${preset}-seed${seed}`);
  if (existsSync(path.join(folder, 'onnx', 'model_fp16.onnx'))) return folder;
  // Build next to the target and rename: test files run in parallel and must never see half a model.
  await import('node:fs/promises').then((fs) => fs.mkdir(ROOT, { recursive: true }));
  const staging = await mkdtemp(path.join(ROOT, 'staging-'));
  await writeCrossEncoder({ preset: PRESETS[preset], outDir: staging, seed });
  try {
    await rename(staging, folder);
  } catch {
    await rm(staging, { recursive: true, force: true }); // another file won the race
  }
  return folder;
}
