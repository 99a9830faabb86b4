/**
 * One layer, one head, hidden size 2, intermediate size 3: small enough to redo the whole forward pass
 * for the first token with plain scalar arithmetic below (nested arrays, no shared code with the
 * implementation apart from the separately tested erf). Every constant is a short binary fraction, so
 * its float32 copy in the weight map is exact and the two computations see identical numbers. Matrices are deliberately non-symmetric and
 * the intermediate size differs from the hidden size, so a transposed weight cannot go unnoticed.
 */
import { describe, expect, it } from 'vitest';
import type { CrossEncoderShape, WeightMap } from '../../src/model-builder/config.ts';
import { erf } from '../../src/reference/erf.ts';
import { referenceLogits } from '../../src/reference/forward.ts';

const EPS = 0.25; // large on purpose: sqrt(var + eps) and sqrt(var) + eps differ visibly

const WORD = [
  [1, -1], // 0: <s> / [CLS]
  [-9, 9], // 1: <pad>, opposite to <s> so that attending to it would show
  [0.5, 2], // 2
  [-1, 0.25], // 3
];
const POSITION = [
  [0.125, 0],
  [0, -0.375],
  [0.25, 0.125],
  [-0.5, 0.375],
  [0.375, -0.25],
  [7, 7],
];
const TOKEN_TYPE = [
  [0.0625, -0.0625],
  [0.375, 0.625],
];
const EMB_LN = { gamma: [1.5, 0.5], beta: [0.125, -0.25] };
const Q = {
  w: [
    [1, 2],
    [0, 1],
  ],
  b: [0, 0.5],
};
const K = {
  w: [
    [0.5, 0],
    [1, -1],
  ],
  b: [0.125, 0],
};
const V = {
  w: [
    [2, 0],
    [1, 1],
  ],
  b: [0, -1],
};
const ATT_OUT = {
  w: [
    [1, 0.5],
    [-0.5, 1],
  ],
  b: [0.25, 0],
};
const ATT_LN = { gamma: [1, 2], beta: [0, 0.375] };
const INTER = {
  w: [
    [1, 0],
    [0, 1],
    [1, 1],
  ],
  b: [0.5, -0.25, 0],
}; // [3, 2]
const OUT = {
  w: [
    [1, 0, -1],
    [0.5, 2, 0],
  ],
  b: [0, 0.125],
}; // [2, 3]
const OUT_LN = { gamma: [0.75, 1.25], beta: [-0.125, 0.125] };
const HEAD_DENSE = {
  w: [
    [1, -1],
    [2, 0.5],
  ],
  b: [0, 0.25],
};
const HEAD_PROJ = { w: [[1.5, -0.5]], b: [0.375] };

function shapeFor(architecture: CrossEncoderShape['architecture'], numHeads: 1 | 2 = 1): CrossEncoderShape {
  return {
    architecture,
    vocabSize: 4,
    hiddenSize: 2,
    numLayers: 1,
    numHeads,
    intermediateSize: 3,
    maxPositionEmbeddings: 6,
    typeVocabSize: architecture === 'bert' ? 2 : 1,
    layerNormEps: EPS,
    padTokenId: 1,
  };
}

function tensor(rows: number[][] | number[]) {
  const flat = (rows as Array<number | number[]>).flat();
  const shape = Array.isArray(rows[0]) ? [rows.length, (rows[0] as number[]).length] : [rows.length];
  return { shape, data: Float32Array.from(flat) };
}

function handWeights(architecture: CrossEncoderShape['architecture']): WeightMap {
  const p = architecture === 'bert' ? 'bert' : 'roberta';
  const l = `${p}.encoder.layer.0`;
  const entries: Array<[string, number[][] | number[]]> = [
    [`${p}.embeddings.word_embeddings.weight`, WORD],
    [`${p}.embeddings.position_embeddings.weight`, POSITION],
    [`${p}.embeddings.token_type_embeddings.weight`, architecture === 'bert' ? TOKEN_TYPE : [TOKEN_TYPE[0]!]],
    [`${p}.embeddings.LayerNorm.weight`, EMB_LN.gamma],
    [`${p}.embeddings.LayerNorm.bias`, EMB_LN.beta],
    [`${l}.attention.self.query.weight`, Q.w],
    [`${l}.attention.self.query.bias`, Q.b],
    [`${l}.attention.self.key.weight`, K.w],
    [`${l}.attention.self.key.bias`, K.b],
    [`${l}.attention.self.value.weight`, V.w],
    [`${l}.attention.self.value.bias`, V.b],
    [`${l}.attention.output.dense.weight`, ATT_OUT.w],
    [`${l}.attention.output.dense.bias`, ATT_OUT.b],
    [`${l}.attention.output.LayerNorm.weight`, ATT_LN.gamma],
    [`${l}.attention.output.LayerNorm.bias`, ATT_LN.beta],
    [`${l}.intermediate.dense.weight`, INTER.w],
    [`${l}.intermediate.dense.bias`, INTER.b],
    [`${l}.output.dense.weight`, OUT.w],
    [`${l}.output.dense.bias`, OUT.b],
    [`${l}.output.LayerNorm.weight`, OUT_LN.gamma],
    [`${l}.output.LayerNorm.bias`, OUT_LN.beta],
  ];
  if (architecture === 'bert') {
    entries.push(
      ['bert.pooler.dense.weight', HEAD_DENSE.w],
      ['bert.pooler.dense.bias', HEAD_DENSE.b],
      ['classifier.weight', HEAD_PROJ.w],
      ['classifier.bias', HEAD_PROJ.b],
    );
  } else {
    entries.push(
      ['classifier.dense.weight', HEAD_DENSE.w],
      ['classifier.dense.bias', HEAD_DENSE.b],
      ['classifier.out_proj.weight', HEAD_PROJ.w],
      ['classifier.out_proj.bias', HEAD_PROJ.b],
    );
  }
  return new Map(entries.map(([name, value]) => [name, tensor(value)]));
}

// ---- plain arithmetic, written out for hidden size 2 ----

/** W x + b for W with rows [w0, w1, ...]: y_o = sum_k W[o][k] x[k] + b[o]. */
function affine(p: { w: number[][]; b: number[] }, x: number[]): number[] {
  return p.w.map((row, o) => row.reduce((acc, wk, k) => acc + wk * x[k]!, 0) + p.b[o]!);
}

/** Width-2 LayerNorm: mean m = (a + b) / 2, biased variance d^2 with d = a - m. */
function layerNorm2([a, b]: number[], p: { gamma: number[]; beta: number[] }): number[] {
  const m = (a! + b!) / 2;
  const d = a! - m;
  const s = Math.sqrt(d * d + EPS);
  return [((a! - m) / s) * p.gamma[0]! + p.beta[0]!, ((b! - m) / s) * p.gamma[1]! + p.beta[1]!];
}

const geluExact = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const add = (x: number[], y: number[]) => x.map((v, i) => v + y[i]!);

/** softmax weights of a short list of scores. */
function softmax(scores: number[]): number[] {
  const exps = scores.map((s) => Math.exp(s));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/**
 * The logit read from token 0 of a sequence whose unmasked tokens are given by (word, position, type) rows.
 * One head: a 2-wide head, scores scaled by 1/sqrt(2). Two heads: head h owns unit h alone, so its
 * scores are plain products q[h] k[h] (scaled by 1/sqrt(1)) with a softmax of its own.
 */
function expectedLogit(tokens: Array<{ word: number; position: number; type: number }>, numHeads: 1 | 2 = 1): number {
  const x = tokens.map((t) => layerNorm2(add(add(WORD[t.word]!, TOKEN_TYPE[t.type]!), POSITION[t.position]!), EMB_LN));
  // Only the first query row matters for the classifier.
  const q0 = affine(Q, x[0]!);
  const k = x.map((xj) => affine(K, xj));
  const v = x.map((xj) => affine(V, xj));
  const context: [number, number] = [0, 0];
  if (numHeads === 1) {
    const p = softmax(k.map((kj) => (q0[0]! * kj[0]! + q0[1]! * kj[1]!) / Math.sqrt(2)));
    x.forEach((_, j) => {
      context[0] += p[j]! * v[j]![0]!;
      context[1] += p[j]! * v[j]![1]!;
    });
  } else {
    const p0 = softmax(k.map((kj) => q0[0]! * kj[0]!));
    const p1 = softmax(k.map((kj) => q0[1]! * kj[1]!));
    x.forEach((_, j) => {
      context[0] += p0[j]! * v[j]![0]!;
      context[1] += p1[j]! * v[j]![1]!;
    });
  }
  const attended = layerNorm2(add(affine(ATT_OUT, context), x[0]!), ATT_LN);
  const inner = affine(INTER, attended).map(geluExact);
  const encoded = layerNorm2(add(affine(OUT, inner), attended), OUT_LN);
  const pooled = affine(HEAD_DENSE, encoded).map(Math.tanh);
  return affine(HEAD_PROJ, pooled)[0]!;
}

describe('hand-computed one-layer, one-head model', () => {
  // <s> 2 3 <pad>: the pad is masked, so only three tokens enter the attention.
  const inputIds = [[0, 2, 3, 1]];
  const attentionMask = [[1, 1, 1, 0]];

  it('XLM-R: positions start at padTokenId + 1 = 2, token type 0', () => {
    const expected = expectedLogit([
      { word: 0, position: 2, type: 0 },
      { word: 2, position: 3, type: 0 },
      { word: 3, position: 4, type: 0 },
    ]);
    const [logit] = referenceLogits(shapeFor('xlm-roberta'), handWeights('xlm-roberta'), { inputIds, attentionMask });
    expect(Math.abs(logit! - expected)).toBeLessThan(1e-12);
  });

  it('BERT: positions 0, 1, 2 and the given token types', () => {
    const expected = expectedLogit([
      { word: 0, position: 0, type: 0 },
      { word: 2, position: 1, type: 1 },
      { word: 3, position: 2, type: 1 },
    ]);
    const [logit] = referenceLogits(shapeFor('bert'), handWeights('bert'), {
      inputIds,
      attentionMask,
      tokenTypeIds: [[0, 1, 1, 0]],
    });
    expect(Math.abs(logit! - expected)).toBeLessThan(1e-12);
  });

  it('a single token attends only to itself', () => {
    // softmax over one key is 1, so the context is simply V x0.
    const expected = expectedLogit([{ word: 0, position: 0, type: 0 }]);
    const [logit] = referenceLogits(shapeFor('bert'), handWeights('bert'), { inputIds: [[0]], attentionMask: [[1]] });
    expect(Math.abs(logit! - expected)).toBeLessThan(1e-12);
  });

  it('two heads of size 1: separate softmaxes, scaled by 1/sqrt(head size) = 1', () => {
    const tokens = [
      { word: 0, position: 0, type: 0 },
      { word: 2, position: 1, type: 1 },
      { word: 3, position: 2, type: 1 },
    ];
    const expected = expectedLogit(tokens, 2);
    const [logit] = referenceLogits(shapeFor('bert', 2), handWeights('bert'), {
      inputIds,
      attentionMask,
      tokenTypeIds: [[0, 1, 1, 0]],
    });
    expect(Math.abs(logit! - expected)).toBeLessThan(1e-12);
    // Guards the test: one head and two heads really differ on this input.
    expect(Math.abs(expected - expectedLogit(tokens, 1))).toBeGreaterThan(1e-3);
  });

  it('the hand computation itself is sensitive to the pad being masked', () => {
    // Guards the test: if the masked pad were attended to, the logit would be clearly different.
    const withPad = expectedLogit([
      { word: 0, position: 0, type: 0 },
      { word: 2, position: 1, type: 1 },
      { word: 3, position: 2, type: 1 },
      { word: 1, position: 3, type: 0 },
    ]);
    const [logit] = referenceLogits(shapeFor('bert'), handWeights('bert'), {
      inputIds,
      attentionMask,
      tokenTypeIds: [[0, 1, 1, 0]],
    });
    expect(Math.abs(logit! - withPad)).toBeGreaterThan(1e-3);
  });
});
