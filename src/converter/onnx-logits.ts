/** Runs an ONNX cross-encoder file directly with onnxruntime-node (no transformers.js in between). Node only. */
import * as ort from 'onnxruntime-node';
import type { ReferenceBatch } from '../reference/forward.js';

const int64 = (rows: number[][]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);

export async function ortLogits(file: string, batch: ReferenceBatch): Promise<number[]> {
  const session = await ort.InferenceSession.create(file);
  try {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64(batch.inputIds),
      attention_mask: int64(batch.attentionMask),
    };
    if (session.inputNames.includes('token_type_ids')) feeds['token_type_ids'] = int64(batch.tokenTypeIds!);
    const { logits } = await session.run(feeds);
    return Array.from(logits!.data as Float32Array);
  } finally {
    await session.release();
  }
}
