/** Right-padded batches of encoded rows, for onnxruntime-node and the float64 reference alike. */
import * as ort from 'onnxruntime-node';
import type { EncodedRow } from '../../src/engine/pair-encoder.js';
import type { ReferenceBatch } from '../../src/reference/forward.js';

export function padRows(rows: EncodedRow[], padTokenId: number): ReferenceBatch {
  const width = Math.max(...rows.map((r) => r.inputIds.length));
  const pad = <T>(values: T[], fill: T) => [...values, ...Array<T>(width - values.length).fill(fill)];
  return {
    inputIds: rows.map((r) => pad(r.inputIds, padTokenId)),
    attentionMask: rows.map((r) => pad(r.inputIds.map(() => 1), 0)),
    tokenTypeIds: rows.map((r) => pad(r.tokenTypeIds, 0)),
  };
}

const int64 = (rows: number[][]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);

/** Runs an ONNX file directly with onnxruntime-node (no transformers.js in between). */
export async function ortLogits(file: string, batch: ReferenceBatch): Promise<number[]> {
  const session = await ort.InferenceSession.create(file);
  try {
    const feeds: Record<string, ort.Tensor> = { input_ids: int64(batch.inputIds), attention_mask: int64(batch.attentionMask) };
    if (session.inputNames.includes('token_type_ids')) feeds['token_type_ids'] = int64(batch.tokenTypeIds!);
    const { logits } = await session.run(feeds);
    return Array.from(logits!.data as Float32Array);
  } finally {
    await session.release();
  }
}

export const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

/** Kendall's tau-a between two score lists over the same items. */
export function kendallTau(a: number[], b: number[]): number {
  let concordant = 0;
  let discordant = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const s = Math.sign(a[i]! - a[j]!) * Math.sign(b[i]! - b[j]!);
      if (s > 0) concordant++;
      else if (s < 0) discordant++;
    }
  }
  return (concordant - discordant) / ((a.length * (a.length - 1)) / 2);
}

/** rms(b - a) / std(a): error measured against the spread of the reference values. */
export function normalisedError(reference: number[], other: number[]): number {
  const mean = reference.reduce((s, x) => s + x, 0) / reference.length;
  const std = Math.sqrt(reference.reduce((s, x) => s + (x - mean) ** 2, 0) / reference.length);
  const rms = Math.sqrt(reference.reduce((s, x, i) => s + (x - other[i]!) ** 2, 0) / reference.length);
  return rms / std;
}
