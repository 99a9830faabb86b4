/**
 * The README.md a conversion writes is a model card the Hugging Face Hub reads as a transformers.js
 * reranker: YAML front matter with `pipeline_tag: text-ranking` and `library_name: transformers.js`,
 * `base_model` from a hub source or config.json's `_name_or_path`, never from a local folder's path.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import { convertModel } from '../../src/converter/index.js';
import { PRESETS } from '../../src/model-builder/presets.js';
import { writeCrossEncoder } from '../../src/model-builder/write-model.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-card-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** The card's front matter as the Hub's YAML parser sees it, and the text after it. */
function readCard(text: string): { metadata: Record<string, unknown>; body: string } {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  expect(match, text.slice(0, 200)).not.toBeNull();
  return { metadata: parse(match![1]!) as Record<string, unknown>, body: match![2]! };
}

test('a local checkpoint: reranker metadata, no base_model from the path; _name_or_path names it when present', async () => {
  const source = path.join(scratch, 'models', 'local-ckpt'); // `models/local-ckpt` would pass for a hub id
  await writeCrossEncoder({ preset: PRESETS['tiny-xlmr'], outDir: source, seed: 3, format: 'safetensors' });
  const out = path.join(scratch, 'out-local');
  const result = await convertModel({ source, out, dtypes: ['fp32', 'q8'] });
  const card = readCard(await readFile(path.join(out, 'README.md'), 'utf8'));
  expect(card.metadata).toEqual({
    library_name: 'transformers.js',
    pipeline_tag: 'text-ranking',
    tags: ['cross-encoder', 'reranker', 'onnx', 'xlm-roberta'],
  });
  expect(result.files['README.md']).toBe(Buffer.byteLength(await readFile(path.join(out, 'README.md'))));
  for (const file of ['onnx/model.onnx', 'onnx/model_quantized.onnx']) expect(card.body).toContain(`\`${file}\``);

  const configPath = path.join(source, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
  await writeFile(configPath, JSON.stringify({ ...config, _name_or_path: 'Dongjin-kr/ko-reranker' }));
  const named = path.join(scratch, 'out-named');
  await convertModel({ source, out: named, dtypes: ['q8'] });
  const namedCard = readCard(await readFile(path.join(named, 'README.md'), 'utf8'));
  expect(namedCard.metadata).toMatchObject({ base_model: 'Dongjin-kr/ko-reranker', pipeline_tag: 'text-ranking' });
  expect(namedCard.body).toContain('https://huggingface.co/Dongjin-kr/ko-reranker');
});
