/**
 * Evaluates first-stage retrieval and, optionally, rerankers on a dataset and prints the table.
 *
 *   npm run eval -- <dataset> [--format mteb|card-csv|flag-jsonl] [--candidates 50] [--k 10]
 *                   [--model <folder or hub id>]... [--dtype fp32|fp16|q8] [--remote-host URL]
 *                   [--passages 384/96 | off] [--json out.json] [--skip-malformed] [--limit N]
 */
import { writeFileSync } from 'node:fs';
import type * as Engine from '../src/engine/index.js';
import type { LoadOptions } from '../src/engine/types.js';
import { DATASET_FORMATS, DatasetFormatError, loadDataset } from '../src/eval/datasets/index.js';
import { createProgressReporter } from '../src/eval/progress.js';
import { runEvaluation, type RerankerEntry } from '../src/eval/run-eval.js';
import { formatReport } from '../src/eval/table.js';
import { DTYPES, UsageError, oneOf, parseCommandLine, passagesFlag, positiveInteger, runTool } from './command-line.js';

const USAGE = `usage: ko-rerank eval <dataset folder | .csv | .jsonl> [options]   (in a clone: npm run eval -- ...)
  --format F          mteb | card-csv | flag-jsonl (default: from the path)
  --candidates N      first-stage hits each reranker sees (default 50)
  --k K               cut-off of hitRate, MRR and Recall (default 10; NDCG is always @10)
  --model M           reranker folder or hub id; repeat for several
  --dtype D           fp32 | fp16 | q8
  --remote-host URL   hub-compatible server for model ids
  --passages T[/O]    index documents as passages of up to T tokens, O overlapping (default 384/96);
                      off indexes whole documents. Rerankers read each candidate's best passage.
  --json FILE         also write the numbers as JSON
  --skip-malformed    skip malformed rows (listed on stderr) instead of failing
  --limit N           evaluate only the first N queries`;

/** The engine, imported only when a model is named (its types cost nothing at run time). */
type EngineModule = typeof Engine;

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      candidates: { type: 'string', default: '50' },
      k: { type: 'string', default: '10' },
      model: { type: 'string', multiple: true, default: [] },
      dtype: { type: 'string' },
      'remote-host': { type: 'string' },
      passages: { type: 'string' },
      json: { type: 'string' },
      'skip-malformed': { type: 'boolean', default: false },
      limit: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('expected exactly one dataset path');
  const format = values.format === undefined ? undefined : oneOf(values.format, DATASET_FORMATS, '--format');
  const dtype = values.dtype === undefined ? undefined : oneOf(values.dtype, DTYPES, '--dtype');
  const candidates = positiveInteger(values.candidates, '--candidates');
  const k = positiveInteger(values.k, '--k');
  const maxQueries = values.limit === undefined ? undefined : positiveInteger(values.limit, '--limit');
  const passages = values.passages === undefined ? undefined : passagesFlag(values.passages);

  const dataset = loadDataset(positionals[0]!, { format, skipMalformed: values['skip-malformed'] });
  for (const row of dataset.skipped) console.error(`skipped ${row.file}:${row.line}: ${row.reason}`);

  const rerankers: RerankerEntry[] = [];
  if (values.model.length > 0) {
    // A variable specifier keeps the engine (and its ONNX runtime) out of runs without --model.
    const enginePath = '../src/engine/index.js';
    const engine = (await import(enginePath).catch((error: unknown) => {
      throw new Error(
        `cannot load the reranking engine (src/engine/index.ts): ${error instanceof Error ? error.message : String(error)}`,
      );
    })) as EngineModule;
    for (const model of values.model)
      rerankers.push(modelEntry(engine, { model, dtype, remoteHost: values['remote-host'] }));
  }
  const report = await runEvaluation(dataset, {
    candidates,
    k,
    maxQueries,
    index: passages === undefined ? undefined : { passages },
    rerankers,
    onProgress: createProgressReporter(process.stderr),
  });
  console.log(formatReport(report));
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
}

/** Loads the model just before its pass and frees it right after, so one model is in memory at a time. */
function modelEntry(engine: EngineModule, options: LoadOptions): RerankerEntry {
  let reranker: Awaited<ReturnType<EngineModule['Reranker']['load']>> | undefined;
  return {
    name: options.dtype ? `${options.model} (${options.dtype})` : options.model,
    prepare: async () => {
      reranker = await engine.Reranker.load(options);
    },
    rerank: (query, documents) => {
      if (!reranker) throw new Error(`model ${options.model} is not loaded`);
      return reranker.rank(query, documents);
    },
    release: async () => {
      await reranker?.dispose();
      reranker = undefined;
    },
    randomWeights: () => reranker?.info.generatedBy !== undefined,
  };
}

runTool(main, [DatasetFormatError]);
