/** Builds the generated demo model into public/models/demo-xlmr once (served by `npm run dev`). */
import { existsSync } from 'node:fs';
import { PRESETS } from '../src/model-builder/presets.js';
import { writeCrossEncoder } from '../src/model-builder/write-model.js';

const outDir = 'public/models/demo-xlmr';
if (!existsSync(`${outDir}/onnx/model_fp16.onnx`)) {
  await writeCrossEncoder({ preset: PRESETS['tiny-xlmr'], outDir, seed: 42 });
  console.log(`generated demo model (random weights) -> ${outDir}`);
}
