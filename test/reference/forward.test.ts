import { describe, expect, it } from 'vitest';
import type { CrossEncoderShape, WeightMap } from '../../src/model-builder/config.ts';
import {
  referenceHiddenStates,
  referenceLogits,
  xlmRobertaPositionIds,
  type ReferenceBatch,
} from '../../src/reference/forward.ts';
import { cloneWeights, mulberry32, randomWeights, tinyShape, weightShapes } from './tiny-model.ts';

const ARCHITECTURES = ['xlm-roberta', 'bert'] as const;

/** Token ids of a short "query + passage" pair in the tiny vocabulary (0 = <s>/[CLS], 2 = </s>/[SEP]). */
const PAIR = [0, 5, 9, 2, 2, 14, 7, 21, 2];

function logitOf(shape: CrossEncoderShape, weights: WeightMap, ids: number[], types?: number[]): number {
  const batch: ReferenceBatch = { inputIds: [ids], attentionMask: [ids.map(() => 1)] };
  if (types) batch.tokenTypeIds = [types];
  return referenceLogits(shape, weights, batch)[0]!;
}

describe.each(ARCHITECTURES)('%s tiny model (hidden 8, 2 heads, 2 layers)', (architecture) => {
  const shape = tinyShape(architecture);
  const weights = randomWeights(shape, 1234);
  const pad = shape.padTokenId;

  it('returns one finite logit per row that depends on the row', () => {
    const logits = referenceLogits(shape, weights, {
      inputIds: [PAIR, PAIR.map((id) => (id === 9 ? 11 : id))],
      attentionMask: [PAIR.map(() => 1), PAIR.map(() => 1)],
    });
    expect(logits).toHaveLength(2);
    for (const logit of logits) expect(Number.isFinite(logit)).toBe(true);
    expect(Math.abs(logits[0]! - logits[1]!)).toBeGreaterThan(1e-6);
  });

  it('right padding does not change a row (alone or batched with a longer row)', () => {
    const alone = logitOf(shape, weights, PAIR);
    const padded = [...PAIR, pad, pad, pad];
    const longer = [0, 3, 3, 2, 2, 8, 8, 8, 8, 8, 2, 4];
    const logits = referenceLogits(shape, weights, {
      inputIds: [padded, longer],
      attentionMask: [padded.map((id, t) => (t < PAIR.length ? 1 : 0)), longer.map(() => 1)],
    });
    expect(Math.abs(logits[0]! - alone)).toBeLessThan(1e-12);
    expect(Math.abs(logits[1]! - logitOf(shape, weights, longer))).toBeLessThan(1e-12);
  });

  it('masked padding is ignored whatever token it holds', () => {
    // Even a masked non-pad token must get zero attention weight.
    const alone = logitOf(shape, weights, PAIR);
    const padded = [...PAIR, 17, 4];
    const [logit] = referenceLogits(shape, weights, {
      inputIds: [padded],
      attentionMask: [padded.map((_, t) => (t < PAIR.length ? 1 : 0))],
    });
    expect(Math.abs(logit! - alone)).toBeLessThan(1e-12);
  });

  it('the attention mask matters: unmasking the padding changes the logit', () => {
    const padded = [...PAIR, pad, pad];
    const masked = padded.map((_, t) => (t < PAIR.length ? 1 : 0));
    const [withMask, without] = referenceLogits(shape, weights, {
      inputIds: [padded, padded],
      attentionMask: [masked, padded.map(() => 1)],
    });
    expect(Math.abs(withMask! - without!)).toBeGreaterThan(1e-6);
  });

  it('a row with every key masked stays finite (uniform attention, as with HF finfo.min)', () => {
    const [logit] = referenceLogits(shape, weights, { inputIds: [PAIR], attentionMask: [PAIR.map(() => 0)] });
    expect(Number.isFinite(logit)).toBe(true);
  });

  it('every input token changes the logit, in any position', () => {
    const base = logitOf(shape, weights, PAIR);
    for (let t = 0; t < PAIR.length; t++) {
      const changed = [...PAIR];
      changed[t] = PAIR[t] === 13 ? 12 : 13;
      expect(Math.abs(logitOf(shape, weights, changed) - base), `token ${t}`).toBeGreaterThan(1e-9);
    }
  });

  it('every weight tensor influences the logit, except the key biases', () => {
    const base = logitOf(shape, weights, PAIR);
    const random = mulberry32(99);
    for (const name of weightShapes(shape).keys()) {
      const perturbed = cloneWeights(weights);
      const data = perturbed.get(name)!.data;
      for (let k = 0; k < data.length; k++) data[k] = data[k]! + 0.05 * (2 * random() - 1);
      const change = Math.abs(logitOf(shape, perturbed, PAIR) - base);
      if (name.endsWith('attention.self.key.bias')) {
        // q.(k_j + b) = q.k_j + q.b shifts every score of a query row equally, and softmax ignores that.
        expect(change, name).toBeLessThan(1e-12);
      } else {
        expect(change, name).toBeGreaterThan(1e-9);
      }
    }
  });

  it('explicit all-zero token types equal omitted ones', () => {
    const zeros = PAIR.map(() => 0);
    expect(logitOf(shape, weights, PAIR, zeros)).toBe(logitOf(shape, weights, PAIR));
  });

  it('the order of tokens matters (position embeddings are used)', () => {
    const swapped = [...PAIR];
    [swapped[5], swapped[6]] = [swapped[6]!, swapped[5]!];
    expect(Math.abs(logitOf(shape, weights, swapped) - logitOf(shape, weights, PAIR))).toBeGreaterThan(1e-9);
  });

  it('hidden states: one [L * H] buffer per row, first token feeds the logit', () => {
    const states = referenceHiddenStates(shape, weights, { inputIds: [PAIR], attentionMask: [PAIR.map(() => 1)] });
    expect(states).toHaveLength(1);
    expect(states[0]!.length).toBe(PAIR.length * shape.hiddenSize);
  });

  it('an empty batch gives no logits', () => {
    expect(referenceLogits(shape, weights, { inputIds: [], attentionMask: [] })).toEqual([]);
  });
});

/**
 * Heads must be the consecutive slices [h * headSize, (h + 1) * headSize) of Q, K, V. Relabelling hidden
 * units consistently (rows of Q, K, V and their biases, columns of attention.output.dense) is an exact
 * symmetry of the model when it keeps every unit inside its head, and not when it moves units across heads.
 */
describe('attention head layout', () => {
  const shape = tinyShape('bert'); // hidden 8, 2 heads of 4
  const weights = randomWeights(shape, 2024);
  const base = logitOf(shape, weights, PAIR);

  function relabel(perm: number[]): WeightMap {
    const h = shape.hiddenSize;
    const copy = cloneWeights(weights);
    for (let l = 0; l < shape.numLayers; l++) {
      const layer = `bert.encoder.layer.${l}`;
      for (const proj of ['query', 'key', 'value']) {
        const w = weights.get(`${layer}.attention.self.${proj}.weight`)!.data;
        const b = weights.get(`${layer}.attention.self.${proj}.bias`)!.data;
        const w2 = copy.get(`${layer}.attention.self.${proj}.weight`)!.data;
        const b2 = copy.get(`${layer}.attention.self.${proj}.bias`)!.data;
        for (let o = 0; o < h; o++) {
          b2[o] = b[perm[o]!]!;
          for (let k = 0; k < h; k++) w2[o * h + k] = w[perm[o]! * h + k]!;
        }
      }
      const dense = weights.get(`${layer}.attention.output.dense.weight`)!.data;
      const dense2 = copy.get(`${layer}.attention.output.dense.weight`)!.data;
      for (let o = 0; o < h; o++) for (let c = 0; c < h; c++) dense2[o * h + c] = dense[o * h + perm[c]!]!;
    }
    return copy;
  }

  it('swapping the two heads, or units inside a head, changes nothing', () => {
    expect(Math.abs(logitOf(shape, relabel([4, 5, 6, 7, 0, 1, 2, 3]), PAIR) - base)).toBeLessThan(1e-12);
    expect(Math.abs(logitOf(shape, relabel([2, 0, 3, 1, 7, 6, 5, 4]), PAIR) - base)).toBeLessThan(1e-12);
  });

  it('moving a unit from one head to the other changes the logit', () => {
    expect(Math.abs(logitOf(shape, relabel([0, 1, 2, 4, 3, 5, 6, 7]), PAIR) - base)).toBeGreaterThan(1e-6);
  });
});

describe('position ids', () => {
  it('XLM-R follows create_position_ids_from_input_ids on a hand-written padded row', () => {
    // pad = 1: mask = [1,1,1,1,0,0]; cumsum = [1,2,3,4,4,4]; * mask = [1,2,3,4,0,0]; + 1
    expect(xlmRobertaPositionIds([0, 5, 6, 2, 1, 1], 1)).toEqual([2, 3, 4, 5, 1, 1]);
    // A pad id inside the row does not advance the count (the formula looks at ids, not the mask).
    expect(xlmRobertaPositionIds([0, 1, 5, 1, 7], 1)).toEqual([2, 1, 3, 1, 4]);
    // pad = 0 (unusual, but the formula is generic)
    expect(xlmRobertaPositionIds([3, 4, 0], 0)).toEqual([1, 2, 0]);
  });

  it('XLM-R reads position rows padTokenId + 1 onwards; BERT reads rows from 0', () => {
    for (const architecture of ARCHITECTURES) {
      const shape = tinyShape(architecture);
      const weights = randomWeights(shape, 7);
      const base = logitOf(shape, weights, PAIR);
      const rowChanged = (row: number) => {
        const copy = cloneWeights(weights);
        const table = copy.get(
          `${architecture === 'bert' ? 'bert' : 'roberta'}.embeddings.position_embeddings.weight`,
        )!;
        // Not a constant shift: the embedding LayerNorm would remove that.
        for (let k = 0; k < shape.hiddenSize; k++) table.data[row * shape.hiddenSize + k]! += 0.1 * k;
        return Math.abs(logitOf(shape, copy, PAIR) - base) > 1e-9;
      };
      const firstUsed = architecture === 'xlm-roberta' ? shape.padTokenId + 1 : 0;
      const lastUsed = firstUsed + PAIR.length - 1;
      expect(rowChanged(firstUsed), `${architecture} row ${firstUsed}`).toBe(true);
      expect(rowChanged(lastUsed), `${architecture} row ${lastUsed}`).toBe(true);
      expect(rowChanged(lastUsed + 1), `${architecture} row ${lastUsed + 1}`).toBe(false);
      if (architecture === 'xlm-roberta') {
        // Rows 0..padTokenId are never read by real tokens.
        for (let row = 0; row <= shape.padTokenId; row++) expect(rowChanged(row), `row ${row}`).toBe(false);
      }
    }
  });
});

describe('BERT token type ids', () => {
  const shape = tinyShape('bert');
  const weights = randomWeights(shape, 42);

  it('change the logit when the second segment is typed 1', () => {
    const segmentA = PAIR.map(() => 0);
    const segmentB = PAIR.map((_, t) => (t >= 4 ? 1 : 0));
    expect(Math.abs(logitOf(shape, weights, PAIR, segmentA) - logitOf(shape, weights, PAIR, segmentB))).toBeGreaterThan(
      1e-6,
    );
  });

  it('are read per row of the batch', () => {
    const typed = PAIR.map((_, t) => (t >= 4 ? 1 : 0));
    const logits = referenceLogits(shape, weights, {
      inputIds: [PAIR, PAIR],
      attentionMask: [PAIR.map(() => 1), PAIR.map(() => 1)],
      tokenTypeIds: [PAIR.map(() => 0), typed],
    });
    expect(logits[0]).toBe(logitOf(shape, weights, PAIR));
    expect(logits[1]).toBe(logitOf(shape, weights, PAIR, typed));
  });
});

describe('validation', () => {
  const shape = tinyShape('xlm-roberta');
  const weights = randomWeights(shape, 5);
  const ones = PAIR.map(() => 1);

  it('names a missing weight', () => {
    const copy = cloneWeights(weights);
    copy.delete('roberta.encoder.layer.1.attention.self.value.bias');
    expect(() => referenceLogits(shape, copy, { inputIds: [PAIR], attentionMask: [ones] })).toThrow(
      /missing weight "roberta\.encoder\.layer\.1\.attention\.self\.value\.bias"/,
    );
  });

  it('names a weight with the wrong (e.g. transposed) shape', () => {
    const copy = cloneWeights(weights);
    const name = 'roberta.encoder.layer.0.intermediate.dense.weight';
    const t = copy.get(name)!;
    copy.set(name, { shape: [shape.hiddenSize, shape.intermediateSize], data: t.data });
    expect(() => referenceLogits(shape, copy, { inputIds: [PAIR], attentionMask: [ones] })).toThrow(
      /weight "roberta\.encoder\.layer\.0\.intermediate\.dense\.weight" has shape \[8, 16\], expected \[16, 8\]/,
    );
  });

  it('names a weight whose data length does not match its shape', () => {
    const copy = cloneWeights(weights);
    copy.set('classifier.out_proj.bias', { shape: [1], data: new Float32Array(2) });
    expect(() => referenceLogits(shape, copy, { inputIds: [PAIR], attentionMask: [ones] })).toThrow(
      /classifier\.out_proj\.bias/,
    );
  });

  it('wants the BERT head names for BERT', () => {
    const bert = tinyShape('bert');
    const copy = cloneWeights(randomWeights(bert, 5));
    copy.delete('bert.pooler.dense.weight');
    expect(() => referenceLogits(bert, copy, { inputIds: [PAIR], attentionMask: [ones] })).toThrow(
      /bert\.pooler\.dense\.weight/,
    );
  });

  it('rejects ragged rows', () => {
    expect(() =>
      referenceLogits(shape, weights, { inputIds: [PAIR, PAIR.slice(1)], attentionMask: [ones, ones.slice(1)] }),
    ).toThrow(/ragged.*inputIds row 1/);
    expect(() => referenceLogits(shape, weights, { inputIds: [PAIR], attentionMask: [ones.slice(1)] })).toThrow(
      /ragged.*attentionMask row 0/,
    );
    expect(() => referenceLogits(shape, weights, { inputIds: [PAIR], attentionMask: [ones, ones] })).toThrow(
      /attentionMask has 2 rows/,
    );
  });

  it('rejects ids, token types and masks out of range', () => {
    expect(() =>
      referenceLogits(shape, weights, { inputIds: [[0, shape.vocabSize]], attentionMask: [[1, 1]] }),
    ).toThrow(/inputIds\[0\]\[1\]/);
    expect(() => referenceLogits(shape, weights, { inputIds: [[0, -1]], attentionMask: [[1, 1]] })).toThrow(
      /inputIds\[0\]\[1\]/,
    );
    expect(() => referenceLogits(shape, weights, { inputIds: [[0, 2.5]], attentionMask: [[1, 1]] })).toThrow(
      /inputIds\[0\]\[1\]/,
    );
    // XLM-R has a single token type.
    expect(() =>
      referenceLogits(shape, weights, { inputIds: [[0, 2]], attentionMask: [[1, 1]], tokenTypeIds: [[0, 1]] }),
    ).toThrow(/tokenTypeIds\[0\]\[1\]/);
    expect(() => referenceLogits(shape, weights, { inputIds: [[0, 2]], attentionMask: [[1, 0.5]] })).toThrow(
      /attentionMask\[0\]\[1\] must be 0 or 1/,
    );
  });

  it('rejects sequences longer than the position table allows', () => {
    // XLM-R with 24 positions and pad 1 allows 22 tokens.
    const tooLong = Array.from({ length: 23 }, () => 5);
    expect(() =>
      referenceLogits(shape, weights, { inputIds: [tooLong], attentionMask: [tooLong.map(() => 1)] }),
    ).toThrow(/exceeds the 22 positions/);
    const longest = tooLong.slice(1);
    expect(() =>
      referenceLogits(shape, weights, { inputIds: [longest], attentionMask: [longest.map(() => 1)] }),
    ).not.toThrow();
  });

  it('rejects empty rows and impossible shapes', () => {
    expect(() => referenceLogits(shape, weights, { inputIds: [[]], attentionMask: [[]] })).toThrow(
      /at least one token/,
    );
    expect(() =>
      referenceLogits({ ...shape, numHeads: 3 }, weights, { inputIds: [PAIR], attentionMask: [ones] }),
    ).toThrow(/not divisible by shape\.numHeads/);
  });
});

// No wall-clock bound here (a unit test must not fail on a busy machine); speed is for benchmarks.
describe('a batch of full rows', () => {
  it('runs a 2-layer hidden-64 model on 4 x 128 tokens to finite logits that differ by row', () => {
    const shape = tinyShape('xlm-roberta', {
      vocabSize: 100,
      hiddenSize: 64,
      numHeads: 4,
      intermediateSize: 256,
      maxPositionEmbeddings: 130,
    });
    const weights = randomWeights(shape, 3, 0.2);
    const random = mulberry32(11);
    const inputIds = Array.from({ length: 4 }, () => Array.from({ length: 128 }, () => 2 + Math.floor(random() * 98)));
    const attentionMask = inputIds.map((row) => row.map(() => 1));
    const logits = referenceLogits(shape, weights, { inputIds, attentionMask });
    expect(logits.every(Number.isFinite)).toBe(true);
    expect(new Set(logits).size).toBe(4);
  });
});
