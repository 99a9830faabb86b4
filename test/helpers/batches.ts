/** Right-padded batches, onnxruntime-node logits and score comparisons, shared with the converter's --verify. */
export { padRows } from '../../src/reference/pad-rows.js';
export { ortLogits } from '../../src/converter/onnx-logits.js';
export { kendallTau, maxAbsDiff, normalisedError } from '../../src/reference/compare.js';
