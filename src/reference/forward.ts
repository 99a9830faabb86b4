/**
 * Independent float64 reference forward pass of the two Hugging Face cross-encoders we ship:
 * `XLMRobertaForSequenceClassification` and `BertForSequenceClassification`, both with num_labels = 1,
 * in eval mode (dropout is the identity). Written from the `transformers` PyTorch definitions
 * (eager attention), not from any ONNX graph, so that it can serve as the oracle for the graph builder.
 */
import { maxSequenceLength, type CrossEncoderShape, type WeightMap } from '../model-builder/config.ts';
import { gelu } from './erf.ts';
import { addInPlace, layerNormInPlace, linear, softmaxInPlace } from './linear-algebra.ts';
import { loadParams, type LayerParams, type LinearParams, type ModelParams } from './weights.ts';

export interface ReferenceBatch {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds?: number[][];
}

/**
 * torch.finfo(torch.float32).min. HF turns attention_mask into the additive bias (1 - mask) * finfo.min
 * (`get_extended_attention_mask`). Unlike -Infinity this never yields NaN: a row whose keys are all
 * masked gets uniform attention, exactly as in PyTorch, and a partly masked row gives exp(~-3.4e38) = 0
 * to every masked key.
 */
export const ATTENTION_MASK_MIN = -3.4028234663852886e38;

/**
 * Hugging Face `create_position_ids_from_input_ids` for one row (XLM-R / RoBERTa):
 * mask = (id != padTokenId); position = cumsum(mask) * mask + padTokenId.
 * Real tokens count up from padTokenId + 1; padding tokens sit on padTokenId.
 */
export function xlmRobertaPositionIds(inputIds: readonly number[], padTokenId: number): number[] {
  const positions: number[] = new Array<number>(inputIds.length);
  let count = 0;
  for (let t = 0; t < inputIds.length; t++) {
    const isToken = inputIds[t] !== padTokenId ? 1 : 0;
    count += isToken;
    positions[t] = count * isToken + padTokenId;
  }
  return positions;
}

/** BERT: absolute positions 0..L-1 (the `position_ids` buffer). */
function bertPositionIds(length: number): number[] {
  return Array.from({ length }, (_, t) => t);
}

function positionIdsFor(shape: CrossEncoderShape, inputIds: readonly number[]): number[] {
  return shape.architecture === 'xlm-roberta'
    ? xlmRobertaPositionIds(inputIds, shape.padTokenId)
    : bertPositionIds(inputIds.length);
}

function checkIntegerRange(value: number | undefined, limit: number, what: string): void {
  if (value === undefined || !Number.isInteger(value) || value < 0 || value >= limit) {
    throw new Error(`reference: ${what} must be an integer in [0, ${limit}), got ${value}`);
  }
}

/** Rectangular, in-range batch (HF takes [B, L] tensors, so rows must share one length). */
function validateBatch(shape: CrossEncoderShape, batch: ReferenceBatch): number {
  const { inputIds, attentionMask, tokenTypeIds } = batch;
  const rows = inputIds.length;
  if (attentionMask.length !== rows) {
    throw new Error(`reference: attentionMask has ${attentionMask.length} rows, inputIds has ${rows}`);
  }
  if (tokenTypeIds !== undefined && tokenTypeIds.length !== rows) {
    throw new Error(`reference: tokenTypeIds has ${tokenTypeIds.length} rows, inputIds has ${rows}`);
  }
  if (rows === 0) return 0;
  const length = inputIds[0]!.length;
  if (length === 0) throw new Error('reference: rows must hold at least one token (the classifier reads token 0)');
  const maxLength = maxSequenceLength(shape);
  if (length > maxLength) {
    throw new Error(`reference: sequence length ${length} exceeds the ${maxLength} positions the model allows`);
  }
  for (let r = 0; r < rows; r++) {
    const ids = inputIds[r]!;
    const mask = attentionMask[r]!;
    const types = tokenTypeIds?.[r];
    if (ids.length !== length) {
      throw new Error(`reference: ragged batch: inputIds row ${r} has ${ids.length} tokens, row 0 has ${length}`);
    }
    if (mask.length !== length) {
      throw new Error(`reference: ragged batch: attentionMask row ${r} has ${mask.length} entries, expected ${length}`);
    }
    if (types !== undefined && types.length !== length) {
      throw new Error(`reference: ragged batch: tokenTypeIds row ${r} has ${types.length} entries, expected ${length}`);
    }
    for (let t = 0; t < length; t++) {
      checkIntegerRange(ids[t], shape.vocabSize, `inputIds[${r}][${t}]`);
      // Only 0/1 masks: HF would accept other values, but here they can only be a caller's bug.
      if (mask[t] !== 0 && mask[t] !== 1) {
        throw new Error(`reference: attentionMask[${r}][${t}] must be 0 or 1, got ${mask[t]}`);
      }
      if (types !== undefined) checkIntegerRange(types[t], shape.typeVocabSize, `tokenTypeIds[${r}][${t}]`);
    }
    // XLM-R positions depend on the ids, so check them per row (length alone is not enough).
    const positions = positionIdsFor(shape, ids);
    for (let t = 0; t < length; t++) {
      checkIntegerRange(positions[t], shape.maxPositionEmbeddings, `position id of token [${r}][${t}]`);
    }
  }
  return length;
}

/** word + token_type + position embeddings (HF adds in that order), then LayerNorm. Returns [L, H]. */
function embed(
  shape: CrossEncoderShape,
  params: ModelParams,
  ids: readonly number[],
  types: readonly number[] | undefined,
): Float64Array {
  const h = shape.hiddenSize;
  const length = ids.length;
  const positions = positionIdsFor(shape, ids);
  const { word, position, tokenType, norm } = params.embeddings;
  const hidden = new Float64Array(length * h);
  for (let t = 0; t < length; t++) {
    const wordOffset = ids[t]! * h;
    const typeOffset = (types?.[t] ?? 0) * h;
    const positionOffset = positions[t]! * h;
    const out = t * h;
    for (let k = 0; k < h; k++) {
      hidden[out + k] = word[wordOffset + k]! + tokenType[typeOffset + k]! + position[positionOffset + k]!;
    }
  }
  layerNormInPlace(hidden, length, h, norm.weight, norm.bias, shape.layerNormEps);
  return hidden;
}

function applyLinear(x: Float64Array, rows: number, p: LinearParams): Float64Array {
  return linear(x, rows, p.inFeatures, p.weight, p.bias, p.outFeatures);
}

/**
 * BertSelfAttention (eager): per head, softmax(Q K^T / sqrt(headSize) + maskBias) V,
 * heads laid out as consecutive slices of the hidden dimension. Returns the context [L, H].
 */
function selfAttention(
  shape: CrossEncoderShape,
  layer: LayerParams,
  hidden: Float64Array,
  length: number,
  maskBias: Float64Array,
): Float64Array {
  const h = shape.hiddenSize;
  const headSize = h / shape.numHeads;
  const q = applyLinear(hidden, length, layer.query);
  const k = applyLinear(hidden, length, layer.key);
  const v = applyLinear(hidden, length, layer.value);
  const sqrtHeadSize = Math.sqrt(headSize);
  const context = new Float64Array(length * h);
  const probs = new Float64Array(length); // one query row at a time
  for (let head = 0; head < shape.numHeads; head++) {
    const base = head * headSize;
    for (let i = 0; i < length; i++) {
      const qOffset = i * h + base;
      for (let j = 0; j < length; j++) {
        const kOffset = j * h + base;
        let dot = 0;
        for (let d = 0; d < headSize; d++) dot += q[qOffset + d]! * k[kOffset + d]!;
        probs[j] = dot / sqrtHeadSize + maskBias[j]!;
      }
      softmaxInPlace(probs, 0, length);
      const cOffset = i * h + base;
      for (let j = 0; j < length; j++) {
        const p = probs[j]!;
        const vOffset = j * h + base;
        for (let d = 0; d < headSize; d++) context[cOffset + d] = context[cOffset + d]! + p * v[vOffset + d]!;
      }
    }
  }
  return context;
}

/** One post-LayerNorm BertLayer / XLMRobertaLayer, in place on hidden [L, H]. */
function encoderLayer(
  shape: CrossEncoderShape,
  layer: LayerParams,
  hidden: Float64Array,
  length: number,
  maskBias: Float64Array,
): void {
  const h = shape.hiddenSize;
  const eps = shape.layerNormEps;
  // BertSelfOutput: LayerNorm(dense(context) + input)
  const context = selfAttention(shape, layer, hidden, length, maskBias);
  const attention = applyLinear(context, length, layer.attentionOutput);
  addInPlace(attention, hidden);
  layerNormInPlace(attention, length, h, layer.attentionNorm.weight, layer.attentionNorm.bias, eps);
  // BertIntermediate: gelu(dense(x)); BertOutput: LayerNorm(dense(.) + x)
  const intermediate = applyLinear(attention, length, layer.intermediate);
  for (let i = 0; i < intermediate.length; i++) intermediate[i] = gelu(intermediate[i]!);
  const output = applyLinear(intermediate, length, layer.output);
  addInPlace(output, attention);
  layerNormInPlace(output, length, h, layer.outputNorm.weight, layer.outputNorm.bias, eps);
  hidden.set(output);
}

/** The encoder's last hidden state [L, H] for one row of an already validated batch. */
function encodeRow(
  shape: CrossEncoderShape,
  params: ModelParams,
  ids: readonly number[],
  mask: readonly number[],
  types: readonly number[] | undefined,
): Float64Array {
  const length = ids.length;
  const hidden = embed(shape, params, ids, types);
  const maskBias = new Float64Array(length);
  for (let j = 0; j < length; j++) maskBias[j] = (1 - mask[j]!) * ATTENTION_MASK_MIN;
  for (const layer of params.layers) encoderLayer(shape, layer, hidden, length, maskBias);
  return hidden;
}

/**
 * Sequence-classification head on the first token's hidden state, both architectures alike in form:
 * XLM-R: classifier.out_proj(tanh(classifier.dense(h0))); BERT: classifier(tanh(bert.pooler.dense(h0))).
 */
function classify(shape: CrossEncoderShape, params: ModelParams, hidden: Float64Array): number {
  const first = hidden.subarray(0, shape.hiddenSize);
  const pooled = applyLinear(first, 1, params.head.dense);
  for (let k = 0; k < pooled.length; k++) pooled[k] = Math.tanh(pooled[k]!);
  return applyLinear(pooled, 1, params.head.projection)[0]!;
}

/**
 * Last hidden state of the encoder, one Float64Array [L * H] (row-major) per batch row.
 * Useful to localise a mismatch before the classification head.
 */
export function referenceHiddenStates(
  shape: CrossEncoderShape,
  weights: WeightMap,
  batch: ReferenceBatch,
): Float64Array[] {
  const params = loadParams(shape, weights);
  validateBatch(shape, batch);
  return batch.inputIds.map((ids, r) =>
    encodeRow(shape, params, ids, batch.attentionMask[r]!, batch.tokenTypeIds?.[r]),
  );
}

/** One logit per row, in float64. */
export function referenceLogits(shape: CrossEncoderShape, weights: WeightMap, batch: ReferenceBatch): number[] {
  const params = loadParams(shape, weights);
  validateBatch(shape, batch);
  return batch.inputIds.map((ids, r) =>
    classify(shape, params, encodeRow(shape, params, ids, batch.attentionMask[r]!, batch.tokenTypeIds?.[r])),
  );
}
