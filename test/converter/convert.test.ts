/**
 * The checkpoint converter on checkpoints written the way transformers saves them (the builder's
 * `format: 'safetensors'`), checked against the builder's own ONNX files (same weights: same bytes),
 * the float64 reference, onnxruntime-node directly and the engine.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blobFolder } from '../../src/converter/byte-source.js';
import { convertCheckpoint } from '../../src/converter/convert.js';
import { convertModel } from '../../src/converter/node-convert.js';
import { nodeSourceFolder } from '../../src/converter/node-folder.js';
import { verifyConversion } from '../../src/converter/verify.js';
import { Reranker } from '../../src/engine/index.js';
import { decodeModel, encodeModel } from '../../src/model-builder/onnx-graph.js';
import { PRESETS } from '../../src/model-builder/presets.js';
import { writeCrossEncoder } from '../../src/model-builder/write-model.js';
import { type HubMirror, startHubMirror } from '../../src/hub-mirror/hub-mirror.js';
import { ortLogits, padRows } from '../helpers/batches.js';
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';

const SEED = 21;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-convert-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const checkpoint = (
  name: string,
  preset: 'tiny-xlmr' | 'tiny-bert',
  checkpointOptions: Parameters<typeof writeCrossEncoder>[0]['checkpoint'] = {},
) =>
  writeCrossEncoder({
    preset: PRESETS[preset],
    outDir: path.join(scratch, name),
    seed: SEED,
    format: 'safetensors',
    checkpoint: checkpointOptions,
  }).then(() => path.join(scratch, name));

describe.each(['tiny-xlmr', 'tiny-bert'] as const)('%s: F32 safetensors -> ONNX', (preset) => {
  test('gives byte for byte the ONNX files the builder writes from the same weights', async () => {
    const source = await checkpoint(`${preset}-f32`, preset);
    const built = path.join(scratch, `${preset}-built`);
    await writeCrossEncoder({ preset: PRESETS[preset], outDir: built, seed: SEED });
    const out = path.join(scratch, `${preset}-converted`);
    const result = await convertModel({ source, out, dtypes: ['fp32', 'fp16', 'q8'] });
    expect(result.sourceDtypes).toEqual({ F32: expect.any(Number) });
    for (const file of ['onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_quantized.onnx', 'tokenizer.json']) {
      expect((await readFile(path.join(out, file))).equals(await readFile(path.join(built, file))), file).toBe(true);
    }
    // config.json is the checkpoint's own, kept as it is.
    expect(JSON.parse(await readFile(path.join(out, 'config.json'), 'utf8'))).toEqual(
      JSON.parse(await readFile(path.join(source, 'config.json'), 'utf8')),
    );
  });
});

test('BF16 and F16 checkpoints, sharded, with a position_ids buffer: converted within the verify bounds and loaded by the engine', async () => {
  for (const [dtype, preset] of [
    ['BF16', 'tiny-xlmr'],
    ['F16', 'tiny-bert'],
  ] as const) {
    const source = await checkpoint(`${preset}-${dtype}`, preset, {
      dtype,
      maxShardBytes: 100_000,
      positionIdsBuffer: true,
    });
    expect((await readdir(source)).filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)).length).toBeGreaterThan(
      1,
    );
    const out = path.join(scratch, `${preset}-${dtype}-converted`);
    const result = await convertModel({ source, out, dtypes: ['fp32', 'fp16', 'q8'], verify: true });
    expect(result.sourceDtypes).toEqual({ [dtype]: expect.any(Number) });
    expect(result.ignoredTensors).toEqual([`${preset === 'tiny-bert' ? 'bert' : 'roberta'}.embeddings.position_ids`]);
    for (const row of result.verify!) {
      console.log(
        `[convert] ${preset} ${dtype} verify ${row.dtype}: max abs diff ${row.maxAbsDiff.toExponential(2)}${row.kendallTau === undefined ? '' : `, tau ${row.kendallTau.toFixed(3)}, error ${row.normalisedError!.toFixed(3)}`}`,
      );
      expect(row.passed).toBe(true);
    }
    // The verify measure is real: fp32 agrees with the reference far below the fp16 error.
    const fp32 = result.verify!.find((r) => r.dtype === 'fp32')!;
    const fp16 = result.verify!.find((r) => r.dtype === 'fp16')!;
    expect(fp32.maxAbsDiff).toBeLessThan(fp16.maxAbsDiff / 10);

    const reranker = await Reranker.load({ model: out, dtype: 'q8' });
    const ranked = await reranker.rank(KOREAN_QUERY, KOREAN_PASSAGES);
    expect(ranked.map((r) => r.index).sort()).toEqual(KOREAN_PASSAGES.map((_, i) => i));
    await reranker.dispose();
  }
});

test('verify catches an output that scores differently from the reference', async () => {
  const source = await checkpoint('verify-src', 'tiny-xlmr');
  const out = path.join(scratch, 'verify-out');
  await convertModel({ source, out, dtypes: ['fp32'] });
  expect((await verifyConversion(nodeSourceFolder(source), out, ['fp32']))[0]!.passed).toBe(true);
  // Shift the classifier's bias by 1e-3: every logit moves by 1e-3, ten times the fp32 bound.
  const file = path.join(out, 'onnx/model.onnx');
  const model = decodeModel(await readFile(file));
  const bias = model.graph!.initializer!.find((t) => t.name === 'classifier.out_proj.bias')!;
  const value = new Float32Array(new Uint8Array(bias.rawData!).buffer);
  value[0]! += 1e-3;
  bias.rawData = new Uint8Array(value.buffer);
  await writeFile(file, encodeModel(model));
  const [row] = await verifyConversion(nodeSourceFolder(source), out, ['fp32']);
  expect(row!.passed).toBe(false);
  expect(row!.maxAbsDiff).toBeCloseTo(1e-3, 4);
});

describe('over the hub URL layout', () => {
  let server: HubMirror;
  let source: string;
  beforeAll(async () => {
    source = await checkpoint('hub-src', 'tiny-xlmr', { maxShardBytes: 400_000 });
    server = await startHubMirror({
      models: { 'test-org/ko-tiny': source, 'test-org/ko-short': source, 'test-org/ko-stalled': source },
    });
  });
  afterAll(() => server.close());

  test('a hub id downloads config, tokenizer, index and shards, and converts like the local folder', async () => {
    const events: string[] = [];
    const out = path.join(scratch, 'hub-out');
    await convertModel({
      source: 'test-org/ko-tiny',
      remoteHost: server.url,
      out,
      dtypes: ['q8'],
      onProgress: (e) => e.phase === 'download' && events.push(e.file),
    });
    const local = path.join(scratch, 'hub-local-out');
    await convertModel({ source, out: local, dtypes: ['q8'] });
    expect(
      (await readFile(path.join(out, 'onnx/model_quantized.onnx'))).equals(
        await readFile(path.join(local, 'onnx/model_quantized.onnx')),
      ),
    ).toBe(true);
    expect(new Set(events)).toEqual(
      new Set([
        'config.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'special_tokens_map.json',
        'model.safetensors.index.json',
        ...(await readdir(source)).filter((f) => f.endsWith('.safetensors')),
      ]),
    );
    expect(server.requests.some((r) => r.includes('/test-org/ko-tiny/resolve/main/model.safetensors'))).toBe(true); // tried first, 404
    // The model card names the hub id it came from (test/converter/model-card.test.ts checks the rest).
    expect(await readFile(path.join(out, 'README.md'), 'utf8')).toMatch(/^base_model: "test-org\/ko-tiny"$/m);
    expect((await readdir(scratch)).filter((f) => f.includes('.download-') || f.includes('.converting-'))).toEqual([]);
  });

  test('a download shorter than its Content-Length fails with DOWNLOAD_FAILED and leaves nothing', async () => {
    server.setFault(/ko-short\/model-00001/, { kind: 'truncated', bytes: 1000 });
    const out = path.join(scratch, 'hub-short-out');
    const error = await convertModel({
      source: 'test-org/ko-short',
      remoteHost: server.url,
      out,
      dtypes: ['q8'],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ConversionError',
      code: 'DOWNLOAD_FAILED',
      file: expect.stringMatching(/^model-00001-of-/),
    });
    expect(existsSync(out)).toBe(false);
    expect((await readdir(scratch)).filter((f) => f.includes('.download-') || f.includes('.converting-'))).toEqual([]);
  });

  test('a download that stops sending fails with DOWNLOAD_STALLED after the stall timeout and leaves nothing', async () => {
    server.setFault(/ko-stalled\/model-00001/, { kind: 'stalled-body', bytes: 1000 });
    const out = path.join(scratch, 'hub-stalled-out');
    const error = await convertModel({
      source: 'test-org/ko-stalled',
      remoteHost: server.url,
      out,
      dtypes: ['q8'],
      stallTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'ConversionError',
      code: 'DOWNLOAD_STALLED',
      file: expect.stringMatching(/^model-00001-of-/),
      message: expect.stringContaining('300'),
    });
    expect(existsSync(out)).toBe(false);
    expect((await readdir(scratch)).filter((f) => f.includes('.download-') || f.includes('.converting-'))).toEqual([]);
  });

  test('an id the host does not have: config.json is missing', async () => {
    const error = await convertModel({
      source: 'test-org/nothing',
      remoteHost: server.url,
      out: path.join(scratch, 'x'),
      dtypes: ['q8'],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CHECKPOINT_FILE_MISSING', file: 'config.json' });
  });
});

test('external data: the fp32 file split into model.onnx + model.onnx_data loads in onnxruntime-node and through the engine, scoring as the single file', async () => {
  const source = await checkpoint('external-src', 'tiny-xlmr');
  const single = path.join(scratch, 'external-single');
  const split = path.join(scratch, 'external-split');
  await convertModel({ source, out: single, dtypes: ['fp32'] });
  // Chunks of 1 MB: the 1.5 MB word embedding gets a file of its own, the rest share the next.
  await convertModel({ source, out: split, dtypes: ['fp32'], externalData: 'always', maxChunkBytes: 1_000_000 });
  const config = JSON.parse(await readFile(path.join(split, 'config.json'), 'utf8'));
  const chunks: number = config['transformers.js_config'].use_external_data_format['model.onnx'];
  expect(chunks).toBeGreaterThanOrEqual(2);
  const names = Array.from({ length: chunks }, (_, i) => `model.onnx_data${i === 0 ? '' : `_${i}`}`);
  expect((await readdir(path.join(split, 'onnx'))).sort()).toEqual(['model.onnx', ...names].sort());
  expect((await readFile(path.join(split, 'onnx/model.onnx'))).byteLength).toBeLessThan(100_000); // weights are outside

  const batch = padRows(
    [
      { inputIds: [0, 500, 600, 2, 2, 700, 2], tokenTypeIds: [0, 0, 0, 0, 0, 0, 0] },
      { inputIds: [0, 900, 2, 2, 800, 2], tokenTypeIds: [0, 0, 0, 0, 0, 0] },
    ],
    1,
  );
  expect(await ortLogits(path.join(split, 'onnx/model.onnx'), batch)).toEqual(
    await ortLogits(path.join(single, 'onnx/model.onnx'), batch),
  );

  const [a, b] = await Promise.all([
    Reranker.load({ model: split, dtype: 'fp32' }),
    Reranker.load({ model: single, dtype: 'fp32' }),
  ]);
  const pairs = KOREAN_PASSAGES.map((p): [string, string] => [KOREAN_QUERY, p]);
  expect(await a.score(pairs)).toEqual(await b.score(pairs));
  await Promise.all([a.dispose(), b.dispose()]);
});

test('the environment-free core converts from Blobs into memory (the path a browser worker takes), the same bytes as from files', async () => {
  const source = await checkpoint('blob-src', 'tiny-bert', { dtype: 'BF16', maxShardBytes: 100_000 });
  const blobs = new Map<string, Blob>();
  for (const file of await readdir(source)) blobs.set(file, new Blob([await readFile(path.join(source, file))]));
  const written = new Map<string, Uint8Array[]>();
  const report = await convertCheckpoint(
    blobFolder(blobs),
    async (file) => {
      const chunks: Uint8Array[] = [];
      written.set(file, chunks);
      return { write: async (bytes) => void chunks.push(bytes.slice()), close: async () => {} };
    },
    { dtypes: ['q8'] },
  );
  expect(report.sourceDtypes).toEqual({ BF16: expect.any(Number) });
  const fromFiles = path.join(scratch, 'blob-files-out');
  await convertModel({ source, out: fromFiles, dtypes: ['q8'] });
  const inMemory = Buffer.concat(written.get('onnx/model_quantized.onnx')!);
  expect(inMemory.equals(await readFile(path.join(fromFiles, 'onnx/model_quantized.onnx')))).toBe(true);
});

test('an aborted conversion or download stops with ABORTED and leaves nothing behind', async () => {
  const source = await checkpoint('abort-src', 'tiny-xlmr');
  const stop = new AbortController();
  const out = path.join(scratch, 'abort-out');
  const error = await convertModel({
    source,
    out,
    dtypes: ['fp32', 'q8'],
    signal: stop.signal,
    onProgress: (e) => e.phase === 'convert' && e.tensors === 3 && stop.abort(),
  }).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'ConversionError', code: 'ABORTED', file: 'onnx/model.onnx' });
  expect(existsSync(out)).toBe(false);

  const server = await startHubMirror({ models: { 'test-org/slow': source } });
  server.setFault(/slow\/model\.safetensors/, { kind: 'slow', delayMs: 0, chunkDelayMs: 50 });
  const stopDownload = new AbortController();
  const downloadError = await convertModel({
    source: 'test-org/slow',
    remoteHost: server.url,
    out,
    dtypes: ['q8'],
    signal: stopDownload.signal,
    onProgress: (e) => e.phase === 'download' && e.file === 'model.safetensors' && stopDownload.abort(),
  }).catch((e: unknown) => e);
  await server.close();
  expect(downloadError).toMatchObject({ code: 'ABORTED', file: 'model.safetensors' });
  expect(existsSync(out)).toBe(false);
  expect((await readdir(scratch)).filter((f) => f.includes('.download-') || f.includes('.converting-'))).toEqual([]);
});
