/**
 * Converts a Hugging Face cross-encoder checkpoint (safetensors) into browser-ready ONNX files.
 *
 *   npm run convert -- SOURCE --out DIR [--dtypes fp32,fp16,q8] [--revision R] [--remote-host URL]
 *                      [--verify] [--overwrite] [--external-data auto|always|never]
 */
import { ConversionError } from '../src/converter/errors.js';
import { convertModel } from '../src/converter/node-convert.js';
import { createProgressReporter } from '../src/eval/progress.js';
import { dtypeList, parseCommandLine, usageError } from './command-line.js';

const USAGE = `usage: ko-rerank convert SOURCE --out DIR [options]   (in a clone: npm run convert -- ...)
  SOURCE                 a local checkpoint folder, or a hub id (Dongjin-kr/ko-reranker)
  --out DIR              output model folder (transformers.js layout)
  --dtypes LIST          fp32,fp16,q8 (default: fp16,q8)
  --revision R           hub revision (default main)
  --remote-host URL      hub-compatible host (default https://huggingface.co/)
  --stall-timeout-ms MS  stop a download that sends nothing for this long (default 30000)
  --verify               score fixed pairs against the float64 reference; fail past the bounds
  --overwrite            replace a non-empty output folder
  --external-data MODE   auto (default: only past 2 GB) | always | never`;

const { values, positionals } = parseCommandLine(USAGE, {
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    dtypes: { type: 'string', default: 'fp16,q8' },
    revision: { type: 'string' },
    'remote-host': { type: 'string' },
    'stall-timeout-ms': { type: 'string' },
    verify: { type: 'boolean', default: false },
    overwrite: { type: 'boolean', default: false },
    'external-data': { type: 'string', default: 'auto' },
  },
});

const source = positionals[0] ?? usageError('SOURCE is missing');
const out = values.out ?? usageError('--out is missing');
const dtypes = dtypeList(values.dtypes);
const externalData = values['external-data'];
if (externalData !== 'auto' && externalData !== 'always' && externalData !== 'never')
  usageError('--external-data is auto, always or never');

const progress = createProgressReporter(process.stderr);
const started = performance.now();
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
const phaseTimes: Record<string, number> = {};
let phase = '';
let phaseStarted = started;
const enter = (next: string) => {
  if (next === phase) return;
  if (phase) phaseTimes[phase] = (phaseTimes[phase] ?? 0) + (performance.now() - phaseStarted) / 1000;
  phase = next;
  phaseStarted = performance.now();
};

// Ctrl-C stops between tensors and removes the staging folder, instead of leaving half a model.
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());

try {
  const result = await convertModel({
    signal: stop.signal,
    source,
    out,
    dtypes,
    revision: values.revision,
    remoteHost: values['remote-host'],
    ...(values['stall-timeout-ms'] === undefined ? {} : { stallTimeoutMs: Number(values['stall-timeout-ms']) }),
    verify: values.verify,
    overwrite: values.overwrite,
    externalData: externalData as 'auto',
    onProgress: (event) => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      if (event.phase === 'download') {
        enter('download');
        const mb = (n: number) => Math.round(n / 1e6);
        if (event.total)
          progress({ stage: `download ${event.file} (MB)`, done: mb(event.loaded), total: mb(event.total) });
      } else if (event.phase === 'convert') {
        enter(`convert ${event.dtype}`);
        progress({
          stage: `convert ${event.dtype} -> ${event.file} (tensors)`,
          done: event.tensors,
          total: event.totalTensors,
        });
      } else {
        enter(event.phase);
        if (event.phase !== 'copy') console.error(`${event.phase}...`);
      }
    },
  });
  enter('');
  const { shape } = result;
  console.log(`${source} -> ${result.out}`);
  console.log(
    `  ${shape.architecture}: ${shape.numLayers} layers x ${shape.hiddenSize}, vocabulary ${shape.vocabSize}; source dtypes ${JSON.stringify(result.sourceDtypes)}`,
  );
  if (result.ignoredTensors.length > 0)
    console.log(`  ignored (not used by the architecture): ${result.ignoredTensors.join(', ')}`);
  for (const [file, bytes] of Object.entries(result.files))
    console.log(`  ${file.padEnd(32)} ${(bytes / 1e6).toFixed(2).padStart(10)} MB`);
  for (const r of result.verify ?? []) {
    const q8 =
      r.kendallTau === undefined
        ? ''
        : `, kendall tau ${r.kendallTau.toFixed(3)}, normalised error ${r.normalisedError!.toFixed(3)}`;
    console.log(
      `  verify ${r.dtype.padEnd(4)} ${r.pairs} pairs: max abs diff ${r.maxAbsDiff.toExponential(2)}${q8} (${r.bound}) ${r.passed ? 'ok' : 'FAILED'}`,
    );
  }
  const phases = Object.entries(phaseTimes)
    .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
    .join(', ');
  console.log(
    `  ${((performance.now() - started) / 1000).toFixed(1)} s (${phases}), peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB`,
  );
} catch (error) {
  if (error instanceof ConversionError) {
    // The file and tensor only where the message does not already name them (most do).
    const file = error.file && !error.message.includes(error.file) ? ` ${error.file}` : '';
    const tensor = error.tensor && !error.message.includes(error.tensor) ? ` tensor ${error.tensor}` : '';
    console.error(`conversion failed [${error.code}]${file}${tensor}: ${error.message}`);
    for (const r of (error as { verify?: Array<{ file: string; maxAbsDiff: number; passed: boolean }> }).verify ?? []) {
      console.error(`  verify ${r.file}: max abs diff ${r.maxAbsDiff.toExponential(2)} ${r.passed ? 'ok' : 'FAILED'}`);
    }
    process.exitCode = 1;
  } else {
    throw error;
  }
} finally {
  clearInterval(sampler);
}
