/**
 * The temp-folder cache of generated test models (issue 25, item 9) is keyed by what the builder's
 * output depends on, so a changed builder never serves a model built by its older self.
 */
import path from 'node:path';
import { expect, test } from 'vitest';
import { PRESETS } from '../../src/model-builder/presets.js';
import { BUILDER_ENTRY, generatedModelFolder, sourceClosure } from '../helpers/models.js';

test('the key covers every module the builder reaches, the engine files it names included', () => {
  const files = sourceClosure(BUILDER_ENTRY).map((file) => path.relative(path.dirname(BUILDER_ENTRY), file));
  expect(files).toEqual(
    expect.arrayContaining([
      'write-model.ts',
      'random-weights.ts',
      'quantize.ts',
      'onnx-files.ts',
      'tokenizer-files.ts',
      'cross-encoder-graph.ts',
      '../engine/model-files.ts',
    ]),
  );
});

test('different build options get different folders; the same options the same folder', () => {
  const tiny = { preset: PRESETS['tiny-xlmr'], seed: 7 };
  expect(generatedModelFolder('m', tiny)).toBe(generatedModelFolder('m', { ...tiny }));
  expect(generatedModelFolder('m', tiny)).not.toBe(generatedModelFolder('m', { ...tiny, seed: 8 }));
  expect(generatedModelFolder('m', tiny)).not.toBe(generatedModelFolder('m', { ...tiny, dtypes: ['q8'] }));
  expect(generatedModelFolder('m', tiny)).not.toBe(
    generatedModelFolder('m', { ...tiny, preset: { ...tiny.preset, numHeads: 2 } }),
  );
});
