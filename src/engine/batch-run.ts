/**
 * One model run over encoded rows: padded int64 tensors in, one float logit per row out, a failure
 * typed as out of memory (the caller can shrink its batches) or as another inference error.
 */
import { type PreTrainedModel, Tensor } from '@huggingface/transformers';
import type { RunShape } from './cost-model.js';
import { InferenceError, OutOfMemoryError } from './errors.js';
import { errorMessage } from '../errors/error-message.js';
import type { EncodedRow } from './pair-encoder.js';
import { runSession } from './session-run.js';

/**
 * How runtimes report a tensor too big for memory: onnxruntime's std::bad_alloc, its size overflow on
 * wasm32 (a tensor past 4 GB), V8's array buffer failure.
 */
const ALLOCATION_FAILED = /bad_alloc|out of memory|array buffer allocation failed|SafeIntOnOverflow/i;

/** What the graph's inputs need beyond the rows. */
export interface InputFormat {
  padTokenId: number;
  /** Whether the graph has a `token_type_ids` input. */
  takesTokenTypes: boolean;
}

export interface BatchResult {
  logits: number[];
  shape: RunShape;
  /** Time of the model run alone, for the cost model (building the tensors is not counted). */
  runMs: number;
}

/** Whether a run's failure says that memory ran out (the caller can shrink its batches). */
export function isAllocationFailure(error: unknown): boolean {
  return ALLOCATION_FAILED.test(errorMessage(error));
}

/**
 * Rows padded (right side) to the longest of them, in one model run. `guard` starts and wraps the run (the
 * worker announces, bounds, or refuses to start it); it receives the run's shape so that it can predict how
 * long the run should take.
 */
export async function runBatch(
  model: PreTrainedModel,
  rows: EncodedRow[],
  format: InputFormat,
  guard: (start: () => Promise<{ logits?: Tensor }>, shape: RunShape) => Promise<{ logits?: Tensor }> = (start) =>
    start(),
): Promise<BatchResult> {
  const width = Math.max(...rows.map((r) => r.inputIds.length));
  const size = rows.length * width;
  const inputIds = new BigInt64Array(size).fill(BigInt(format.padTokenId));
  const attentionMask = new BigInt64Array(size);
  const tokenTypeIds = new BigInt64Array(size);
  rows.forEach((row, r) => {
    row.inputIds.forEach((id, t) => {
      inputIds[r * width + t] = BigInt(id);
      attentionMask[r * width + t] = 1n;
      tokenTypeIds[r * width + t] = BigInt(row.tokenTypeIds[t] ?? 0);
    });
  });
  const dims = [rows.length, width];
  const feeds: Record<string, Tensor> = {
    input_ids: new Tensor('int64', inputIds, dims),
    attention_mask: new Tensor('int64', attentionMask, dims),
  };
  if (format.takesTokenTypes) feeds['token_type_ids'] = new Tensor('int64', tokenTypeIds, dims);
  let output: { logits?: Tensor };
  const started = performance.now();
  try {
    output = await guard(() => runSession(model, feeds), { rows: rows.length, width });
  } catch (cause) {
    const what = `a batch of ${rows.length} x ${width} tokens`;
    if (isAllocationFailure(cause)) {
      throw new OutOfMemoryError(
        `model run ran out of memory on ${what} (${errorMessage(cause)}); lower batchTokens or maxLength`,
        cause,
      );
    }
    throw new InferenceError(`model run failed on ${what}: ${errorMessage(cause)}`, cause);
  }
  const runMs = performance.now() - started;
  const logits = output.logits;
  if (!logits) throw new InferenceError('the model returned no "logits" output');
  const values = logits.type === 'float32' ? logits.data : (logits.to('float32').data as Float32Array);
  return { logits: Array.from(values as Float32Array, Number), shape: { rows: rows.length, width }, runMs };
}
