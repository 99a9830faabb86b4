/**
 * Generates a cross-encoder with seeded random weights in the Hugging Face layout: `npm run model -- ...`,
 * or `npx ko-rerank model ...` from the installed package. Flags in USAGE.
 */
import { PRESETS, isPresetName } from '../src/model-builder/presets.js';
import { writeCrossEncoder } from '../src/model-builder/write-model.js';
import { dtypeList, parseCommandLine, usageError } from './command-line.js';

const USAGE = `usage: ko-rerank model [options]   (in a clone: npm run model -- ...)
  ko-rerank model --preset tiny-xlmr --out models/tiny-xlmr [--seed 42] [--dtypes fp32,fp16,q8]
  ko-rerank model --preset ko-reranker --format safetensors [--checkpoint-dtype F32|F16|BF16]
                  [--shard-mb N] [--position-ids] [--vocab-size 250002] --out checkpoints/ko
  ko-rerank model --list          the presets`;

const { values } = parseCommandLine(USAGE, {
  options: {
    preset: { type: 'string', default: 'tiny-xlmr' },
    out: { type: 'string' },
    seed: { type: 'string', default: '42' },
    dtypes: { type: 'string', default: 'fp32,fp16,q8' },
    list: { type: 'boolean', default: false },
    format: { type: 'string', default: 'onnx' },
    'checkpoint-dtype': { type: 'string', default: 'F32' },
    'shard-mb': { type: 'string' },
    'position-ids': { type: 'boolean', default: false },
    'vocab-size': { type: 'string' },
  },
});

if (values.list) {
  for (const [name, preset] of Object.entries(PRESETS)) {
    console.log(
      `${name.padEnd(20)} ${preset.architecture.padEnd(12)} ${preset.numLayers} x ${preset.hiddenSize}  ${preset.description}`,
    );
  }
  process.exit(0);
}
if (!isPresetName(values.preset)) {
  usageError(`unknown preset "${values.preset}"; one of: ${Object.keys(PRESETS).join(', ')}`);
}
const dtypes = dtypeList(values.dtypes);
const format = values.format;
const checkpointDtype = values['checkpoint-dtype'];
if (
  (format !== 'onnx' && format !== 'safetensors') ||
  (checkpointDtype !== 'F32' && checkpointDtype !== 'F16' && checkpointDtype !== 'BF16')
) {
  usageError('--format is onnx or safetensors; --checkpoint-dtype is F32, F16 or BF16');
}
const outDir = values.out ?? `models/${values.preset}`;
const started = performance.now();
const { shape, files } = await writeCrossEncoder({
  preset: PRESETS[values.preset],
  outDir,
  seed: Number(values.seed),
  dtypes,
  format,
  vocabSize: values['vocab-size'] ? Number(values['vocab-size']) : undefined,
  checkpoint: {
    dtype: checkpointDtype,
    maxShardBytes: values['shard-mb'] ? Number(values['shard-mb']) * 1e6 : undefined,
    positionIdsBuffer: values['position-ids'],
  },
});
console.log(
  `${values.preset}: ${shape.numLayers} layers x ${shape.hiddenSize}, vocabulary ${shape.vocabSize}, seed ${values.seed} -> ${outDir}`,
);
for (const [file, bytes] of Object.entries(files))
  console.log(`  ${file.padEnd(28)} ${(bytes / 1e6).toFixed(2).padStart(9)} MB`);
console.log(
  `built in ${((performance.now() - started) / 1000).toFixed(1)} s (random weights: mechanics only, no real relevance)`,
);
