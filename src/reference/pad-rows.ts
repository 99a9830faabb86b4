import type { EncodedRow } from '../engine/pair-encoder.js';
import type { ReferenceBatch } from './forward.js';

/** Right-padded batch of encoded rows, for onnxruntime and the float64 reference alike. */
export function padRows(rows: EncodedRow[], padTokenId: number): ReferenceBatch {
  const width = Math.max(...rows.map((r) => r.inputIds.length));
  const pad = <T>(values: T[], fill: T) => [...values, ...Array<T>(width - values.length).fill(fill)];
  return {
    inputIds: rows.map((r) => pad(r.inputIds, padTokenId)),
    attentionMask: rows.map((r) =>
      pad(
        r.inputIds.map(() => 1),
        0,
      ),
    ),
    tokenTypeIds: rows.map((r) => pad(r.tokenTypeIds, 0)),
  };
}
