/**
 * Checkpoints the converter must refuse, one by one: each gives a ConversionError whose code, file and
 * tensor name the problem, and no output folder (nor staging folder) is left behind.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rename, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { convertModel } from '../../src/converter/node-convert.js';
import { openSafetensors } from '../../src/converter/safetensors.js';
import { fileSource } from '../../src/converter/node-folder.js';
import { PRESETS } from '../../src/model-builder/presets.js';
import { writeCrossEncoder } from '../../src/model-builder/write-model.js';

let scratch: string;
let good: string;
let sharded: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-bad-ckpt-'));
  good = path.join(scratch, 'good');
  sharded = path.join(scratch, 'sharded');
  await writeCrossEncoder({ preset: PRESETS['tiny-xlmr'], outDir: good, seed: 3, format: 'safetensors' });
  await writeCrossEncoder({
    preset: PRESETS['tiny-xlmr'],
    outDir: sharded,
    seed: 3,
    format: 'safetensors',
    checkpoint: { maxShardBytes: 1_000_000 },
  });
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

let count = 0;
/** A copy of a good checkpoint, changed by `damage`, converted; returns the error. */
async function convertDamaged(damage: (folder: string) => Promise<void>, from = good): Promise<unknown> {
  const folder = path.join(scratch, `case-${++count}`);
  await cp(from, folder, { recursive: true });
  await damage(folder);
  const out = path.join(scratch, `out-${count}`);
  const error = await convertModel({ source: folder, out, dtypes: ['fp16', 'q8'] }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(existsSync(out), 'no output folder after a failure').toBe(false);
  expect((await readdir(scratch)).filter((f) => f.includes('.converting-'))).toEqual([]);
  return error;
}

const editJson = async (file: string, edit: (value: Record<string, unknown>) => Record<string, unknown>) =>
  writeFile(file, JSON.stringify(edit(JSON.parse(await readFile(file, 'utf8')))));

/** Rewrites a safetensors header (the data after it stays as it was). */
async function editHeader(
  file: string,
  edit: (header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void,
): Promise<void> {
  const bytes = await readFile(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  edit(header);
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  await writeFile(file, Buffer.concat([prefix, Buffer.from(json), bytes.subarray(8 + length)]));
}

const WORDS = 'roberta.embeddings.word_embeddings.weight';
const QUERY = 'roberta.encoder.layer.1.attention.self.query.weight';

test('the good checkpoints convert (the cases below fail for their damage alone)', async () => {
  for (const from of [good, sharded]) {
    const out = path.join(scratch, `good-out-${path.basename(from)}`);
    await convertModel({ source: from, out, dtypes: ['q8'] });
    expect(existsSync(path.join(out, 'onnx/model_quantized.onnx'))).toBe(true);
  }
});

test('only pytorch_model.bin', async () => {
  const error = await convertDamaged((f) =>
    rename(path.join(f, 'model.safetensors'), path.join(f, 'pytorch_model.bin')),
  );
  expect(error).toMatchObject({
    name: 'ConversionError',
    code: 'UNSUPPORTED_CHECKPOINT',
    file: 'pytorch_model.bin',
    message: expect.stringMatching(/pickle/),
  });
});

test('no weights at all', async () => {
  const error = await convertDamaged((f) => rm(path.join(f, 'model.safetensors')));
  expect(error).toMatchObject({ code: 'CHECKPOINT_FILE_MISSING', file: 'model.safetensors' });
});

test('another architecture, more than one label, custom code, another activation', async () => {
  const cases: Array<[(c: Record<string, unknown>) => Record<string, unknown>, RegExp]> = [
    [(c) => ({ ...c, architectures: ['XLMRobertaForMaskedLM'] }), /XLMRobertaForMaskedLM/],
    [(c) => ({ ...c, id2label: { 0: 'no', 1: 'yes' }, label2id: { no: 0, yes: 1 } }), /2 labels/],
    [(c) => ({ ...c, auto_map: { AutoModelForSequenceClassification: 'modeling.MyModel' } }), /custom code/],
    [(c) => ({ ...c, hidden_act: 'silu' }), /silu/],
    [(c) => ({ ...c, position_embedding_type: 'relative_key' }), /relative_key/],
  ];
  for (const [edit, message] of cases) {
    const error = await convertDamaged((f) => editJson(path.join(f, 'config.json'), edit));
    expect(error).toMatchObject({
      code: 'UNSUPPORTED_CHECKPOINT',
      file: 'config.json',
      message: expect.stringMatching(message),
    });
  }
});

test('config.json missing or not JSON', async () => {
  expect(await convertDamaged((f) => rm(path.join(f, 'config.json')))).toMatchObject({
    code: 'CHECKPOINT_FILE_MISSING',
    file: 'config.json',
  });
  expect(await convertDamaged((f) => writeFile(path.join(f, 'config.json'), '{"model_type": "xlm-'))).toMatchObject({
    code: 'CHECKPOINT_CORRUPT',
    file: 'config.json',
  });
});

test('no tokenizer.json', async () => {
  const error = await convertDamaged((f) => rm(path.join(f, 'tokenizer.json')));
  expect(error).toMatchObject({ code: 'CHECKPOINT_FILE_MISSING', file: 'tokenizer.json' });
});

test('a missing tensor is named', async () => {
  const error = await convertDamaged((f) => editHeader(path.join(f, 'model.safetensors'), (h) => void delete h[QUERY]));
  expect(error).toMatchObject({ code: 'TENSOR_MISSING', tensor: QUERY });
});

test('a misshaped tensor is named with both shapes', async () => {
  const error = await convertDamaged((f) =>
    editHeader(path.join(f, 'model.safetensors'), (h) => {
      h[QUERY]!.shape = [16, 64]; // same byte count, other shape
    }),
  );
  expect(error).toMatchObject({
    code: 'TENSOR_MISSHAPED',
    file: 'model.safetensors',
    tensor: QUERY,
    message: expect.stringMatching(/\[16,64\].*\[32,32\]/),
  });
});

test('header offsets past the end of the file', async () => {
  const error = await convertDamaged((f) =>
    editHeader(path.join(f, 'model.safetensors'), (h) => {
      const [begin, end] = h[QUERY]!.data_offsets as [number, number];
      h[QUERY]!.data_offsets = [begin + 1e9, end + 1e9];
    }),
  );
  expect(error).toMatchObject({
    code: 'CHECKPOINT_CORRUPT',
    file: 'model.safetensors',
    tensor: QUERY,
    message: expect.stringMatching(/ends at byte/),
  });
});

test('overlapping tensors', async () => {
  const error = await convertDamaged((f) =>
    editHeader(path.join(f, 'model.safetensors'), (h) => {
      const words = h[WORDS]!.data_offsets as [number, number];
      const size = h[QUERY]!.data_offsets[1]! - h[QUERY]!.data_offsets[0]!;
      h[QUERY]!.data_offsets = [words[0], words[0] + size];
    }),
  );
  expect(error).toMatchObject({
    code: 'CHECKPOINT_CORRUPT',
    file: 'model.safetensors',
    message: expect.stringMatching(/overlap/),
  });
});

test('a byte count that does not match the dtype and shape', async () => {
  const error = await convertDamaged((f) =>
    editHeader(path.join(f, 'model.safetensors'), (h) => {
      h[QUERY]!.dtype = 'F16';
    }),
  );
  expect(error).toMatchObject({ code: 'CHECKPOINT_CORRUPT', tensor: QUERY, message: expect.stringMatching(/needs/) });
});

test('a truncated file names the tensor it cuts', async () => {
  const file = path.join(good, 'model.safetensors');
  const { tensors } = await openSafetensors(await fileSource(file));
  const last = [...tensors.values()].sort((a, b) => b.end - a.end)[0]!;
  const error = await convertDamaged((f) => truncate(path.join(f, 'model.safetensors'), last.end - 2));
  expect(error).toMatchObject({ code: 'CHECKPOINT_CORRUPT', file: 'model.safetensors', tensor: last.name });
});

test('not a safetensors file at all', async () => {
  const error = await convertDamaged((f) =>
    writeFile(path.join(f, 'model.safetensors'), '<!doctype html><html>404</html>'),
  );
  expect(error).toMatchObject({ code: 'CHECKPOINT_CORRUPT', file: 'model.safetensors' });
});

test('an integer weight tensor', async () => {
  const error = await convertDamaged((f) =>
    editHeader(path.join(f, 'model.safetensors'), (h) => {
      h[QUERY]!.dtype = 'I32'; // 4 bytes per element like F32: only the dtype is wrong
    }),
  );
  expect(error).toMatchObject({ code: 'UNSUPPORTED_CHECKPOINT', tensor: QUERY, message: expect.stringMatching(/I32/) });
});

test('sharded: a missing shard, and an index pointing at the wrong shard', async () => {
  const shards = (await readdir(sharded)).filter((f) => f.endsWith('.safetensors'));
  expect(shards.length).toBeGreaterThan(1);
  const missing = await convertDamaged((f) => rm(path.join(f, shards[1]!)), sharded);
  expect(missing).toMatchObject({ code: 'CHECKPOINT_FILE_MISSING', file: shards[1] });

  const wrong = await convertDamaged(
    (f) =>
      editJson(path.join(f, 'model.safetensors.index.json'), (index) => {
        const map = index['weight_map'] as Record<string, string>;
        return { ...index, weight_map: { ...map, [QUERY]: map[QUERY] === shards[0] ? shards[1]! : shards[0]! } };
      }),
    sharded,
  );
  expect(wrong).toMatchObject({ code: 'CHECKPOINT_CORRUPT', tensor: QUERY });
});

test('an output folder that is not empty is kept unless --overwrite', async () => {
  const out = path.join(scratch, 'occupied');
  await cp(good, out, { recursive: true });
  const error = await convertModel({ source: good, out, dtypes: ['q8'] }).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'ConversionError', message: expect.stringMatching(/not empty/) });
  expect(existsSync(path.join(out, 'model.safetensors'))).toBe(true);
  await convertModel({ source: good, out, dtypes: ['q8'], overwrite: true });
  expect(existsSync(path.join(out, 'model.safetensors'))).toBe(false);
  expect(existsSync(path.join(out, 'onnx/model_quantized.onnx'))).toBe(true);
});
