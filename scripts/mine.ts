/**
 * Mines hard negatives for reranker fine-tuning and writes FlagEmbedding's JSONL
 * ({"query", "pos", "neg"} per line).
 *
 *   npm run mine -- <dataset> --out train.jsonl [--range 2-200] [--negatives 15] [--seed 42]
 *                   [--train-group-size 16 [--drop-short]] [--fill-random] [--model M [--filter-ratio 0.95]]
 */
import { writeFileSync } from 'node:fs';
import type * as Engine from '../src/engine/index.js';
import { DATASET_FORMATS, DatasetFormatError, loadDataset } from '../src/eval/datasets/index.js';
import {
  DEFAULT_FILTER_RATIO,
  DEFAULT_NEGATIVES,
  mineHardNegatives,
  shortExamples,
  toJsonl,
  type FalseNegativeFilter,
} from '../src/eval/mine-negatives.js';
import { createProgressReporter } from '../src/eval/progress.js';
import { DTYPES, UsageError, oneOf, parseCommandLine, passagesFlag, positiveInteger, runTool } from './command-line.js';

const USAGE = `usage: ko-rerank mine <dataset folder | .csv | .jsonl> --out FILE [options]   (in a clone: npm run mine -- ...)
Writes FlagEmbedding reranker training data: {"query", "pos": [...], "neg": [...]} per line.
  --out FILE              where to write the JSONL (required)
  --format F              mteb | card-csv | flag-jsonl (default: from the path)
  --range A-B             sample negatives from first-stage ranks A..B-1, counted from 0 (default 2-200,
                          as FlagEmbedding's --range_for_sampling)
  --negatives N           negatives per query (default ${DEFAULT_NEGATIVES})
  --seed S                sampling seed (default 42): same inputs and seed, same file
  --train-group-size G    check every line has G - 1 negatives (FlagEmbedding's train_group_size);
                          fails listing the short lines, unless --drop-short leaves them out
  --drop-short            with --train-group-size: write only the lines with enough negatives
  --fill-random           top up lines short of negatives with random corpus passages, as FlagEmbedding's
                          hn_mine does (default: only negatives the first stage retrieved)
  --passages T[/O]|off    first-stage passages (default 384/96): pos and neg are the matching passages
  --model M               reranker (folder or hub id) that drops likely false negatives
  --dtype D               fp32 | fp16 | q8
  --remote-host URL       hub-compatible server for model ids
  --filter-ratio R        with --model: drop a negative scoring above R x the positive's probability
                          (default ${DEFAULT_FILTER_RATIO})
  --skip-malformed        skip malformed dataset rows (listed on stderr) instead of failing
  --limit N               mine only the first N queries`;

/** The engine, imported only when a model is named (its types cost nothing at run time). */
type EngineModule = typeof Engine;

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      format: { type: 'string' },
      range: { type: 'string', default: '2-200' },
      negatives: { type: 'string', default: String(DEFAULT_NEGATIVES) },
      seed: { type: 'string', default: '42' },
      'train-group-size': { type: 'string' },
      'drop-short': { type: 'boolean', default: false },
      'fill-random': { type: 'boolean', default: false },
      passages: { type: 'string' },
      model: { type: 'string' },
      dtype: { type: 'string' },
      'remote-host': { type: 'string' },
      'filter-ratio': { type: 'string' },
      'skip-malformed': { type: 'boolean', default: false },
      limit: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one dataset path');
  if (values.out === undefined) throw new UsageError('--out is required');
  const format = values.format === undefined ? undefined : oneOf(values.format, DATASET_FORMATS, '--format');
  const dtype = values.dtype === undefined ? undefined : oneOf(values.dtype, DTYPES, '--dtype');
  const rangeMatch = /^(\d+)-(\d+)$/.exec(values.range);
  if (!rangeMatch || Number(rangeMatch[1]) >= Number(rangeMatch[2]))
    throw new UsageError(`--range must be A-B with A < B, got ${JSON.stringify(values.range)}`);
  const range: [number, number] = [Number(rangeMatch[1]), Number(rangeMatch[2])];
  const negatives = positiveInteger(values.negatives, '--negatives');
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed))
    throw new UsageError(`--seed must be an integer, got ${JSON.stringify(values.seed)}`);
  const groupSize =
    values['train-group-size'] === undefined
      ? undefined
      : positiveInteger(values['train-group-size'], '--train-group-size');
  if (values['drop-short'] && groupSize === undefined) throw new UsageError('--drop-short needs --train-group-size');
  if (values['filter-ratio'] !== undefined && values.model === undefined)
    throw new UsageError('--filter-ratio needs --model');
  const ratio = values['filter-ratio'] === undefined ? undefined : Number(values['filter-ratio']);
  if (ratio !== undefined && !(ratio > 0))
    throw new UsageError(`--filter-ratio must be a number > 0, got ${JSON.stringify(values['filter-ratio'])}`);
  const passages = values.passages === undefined ? undefined : passagesFlag(values.passages);
  const maxQueries = values.limit === undefined ? undefined : positiveInteger(values.limit, '--limit');

  const dataset = loadDataset(positionals[0]!, { format, skipMalformed: values['skip-malformed'] });
  for (const row of dataset.skipped) console.error(`skipped ${row.file}:${row.line}: ${row.reason}`);

  let reranker: Awaited<ReturnType<EngineModule['Reranker']['load']>> | undefined;
  let filter: FalseNegativeFilter | undefined;
  if (values.model !== undefined) {
    // A variable specifier keeps the engine (and its ONNX runtime) out of runs without --model.
    const enginePath = '../src/engine/index.js';
    const engine = (await import(enginePath)) as EngineModule;
    reranker = await engine.Reranker.load({ model: values.model, dtype, remoteHost: values['remote-host'] });
    const loaded = reranker;
    filter = { rerank: (query, texts) => loaded.rank(query, texts), ratio };
  }
  try {
    const result = await mineHardNegatives(dataset, {
      range,
      negatives,
      seed,
      filter,
      fillRandom: values['fill-random'],
      maxQueries,
      index: passages === undefined ? undefined : { passages },
      onProgress: createProgressReporter(process.stderr),
    });
    let examples = result.examples;
    if (groupSize !== undefined) {
      const short = shortExamples(examples, groupSize);
      if (short.length > 0 && !values['drop-short']) {
        for (const line of short.slice(0, 10))
          console.error(`line ${line + 1}: ${examples[line]!.neg.length} negatives, ${groupSize - 1} needed`);
        console.error(
          `${short.length} of ${examples.length} lines have fewer than ${groupSize - 1} negatives: widen --range, ` +
            `lower --train-group-size, or pass --drop-short. Nothing written.`,
        );
        process.exitCode = 1;
        return;
      }
      const dropped = new Set(short);
      examples = examples.filter((_, line) => !dropped.has(line));
      if (short.length > 0) console.error(`left out ${short.length} lines with too few negatives`);
    }
    writeFileSync(values.out, toJsonl(examples));
    const counts = examples.map((example) => example.neg.length);
    console.log(
      `wrote ${examples.length} lines to ${values.out}: ${counts.reduce((a, b) => a + b, 0)} negatives ` +
        `(${Math.min(...counts, Infinity) === Infinity ? 0 : Math.min(...counts)} to ${Math.max(0, ...counts)} per line)` +
        (result.withoutPositives > 0 ? `; ${result.withoutPositives} queries without a positive left out` : '') +
        (filter ? `; ${result.filteredOut} likely false negatives dropped` : ''),
    );
  } finally {
    await reranker?.dispose();
  }
}

runTool(main, [DatasetFormatError]);
