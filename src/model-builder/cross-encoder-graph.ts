/**
 * The ONNX graph of a one-label sequence-classification cross-encoder, laid out as the Hugging Face
 * PyTorch modules compute it (XLMRobertaForSequenceClassification, BertForSequenceClassification).
 * Inputs and output are named as transformers.js expects: input_ids, attention_mask
 * (+ token_type_ids for BERT) -> logits [batch, 1] (always float32, whatever the compute precision).
 */
import { type CrossEncoderShape, type WeightSource, encoderPrefix } from './config.js';
import { toFloat16Array } from './float16.js';
import { type LazyModel, GraphBuilder, floatAttr, intAttr, intsAttr } from './onnx-graph.js';

export type Precision = 'float32' | 'float16';

/** LayerNormalization needs opset 17. */
export const OPSET = 17;

/** Weights are read from `weights` only when the returned model's initializers are written. */
export function buildCrossEncoderGraph(
  shape: CrossEncoderShape,
  weights: WeightSource,
  precision: Precision,
): LazyModel {
  return new CrossEncoderGraph(shape, weights, precision).build();
}

/** A float tensor whose values are computed when written. */
interface FloatTensor {
  shape: number[];
  read: () => Promise<Float32Array>;
}

class CrossEncoderGraph {
  private readonly g = new GraphBuilder();
  private readonly prefix: string;

  constructor(
    private readonly shape: CrossEncoderShape,
    private readonly weights: WeightSource,
    private readonly precision: Precision,
  ) {
    this.prefix = encoderPrefix(shape.architecture);
  }

  build(): LazyModel {
    const g = this.g;
    const dynamic = ['batch_size', 'sequence_length'];
    const inputIds = g.input('input_ids', 'int64', dynamic);
    const attentionMask = g.input('attention_mask', 'int64', dynamic);
    const tokenTypeIds = this.shape.architecture === 'bert' ? g.input('token_type_ids', 'int64', dynamic) : null;

    let hidden = this.embeddings(inputIds, tokenTypeIds);
    const additiveMask = this.additiveAttentionMask(attentionMask);
    for (let i = 0; i < this.shape.numLayers; i++) hidden = this.encoderLayer(i, hidden, additiveMask);

    const firstToken = g.op('Gather', [hidden, this.int64Const('first_token', [0], [])], { axis: intAttr(1) });
    let logits = this.shape.architecture === 'xlm-roberta' ? this.robertaHead(firstToken) : this.bertHead(firstToken);
    if (this.precision === 'float16') logits = g.op('Cast', [logits], { to: intAttr(1) }); // FLOAT
    g.op('Identity', [logits], {}, 'logits');
    g.output('logits', 'float32', ['batch_size', 1]);
    return g.toModel(`${this.shape.architecture}-cross-encoder`, OPSET);
  }

  // ---- embeddings ---------------------------------------------------------------------------

  private embeddings(inputIds: string, tokenTypeIds: string | null): string {
    const g = this.g;
    const e = `${this.prefix}.embeddings`;
    const words = g.op('Gather', [this.param(`${e}.word_embeddings.weight`), inputIds]);
    const positions = g.op('Gather', [this.param(`${e}.position_embeddings.weight`), this.positionIds(inputIds)]);
    let sum = g.op('Add', [words, positions]);
    if (tokenTypeIds) {
      sum = g.op('Add', [sum, g.op('Gather', [this.param(`${e}.token_type_embeddings.weight`), tokenTypeIds])]);
    } else {
      // XLM-R feeds all-zero token types: adding row 0 is the same computation.
      const table = this.tensor(`${e}.token_type_embeddings.weight`);
      const row0 = {
        shape: [this.shape.hiddenSize],
        read: async () => (await table.read()).slice(0, this.shape.hiddenSize),
      };
      sum = g.op('Add', [sum, this.floatInitializer(`${e}.token_type_embeddings.row0`, row0)]);
    }
    return this.layerNorm(`${e}.LayerNorm`, sum);
  }

  /** XLM-R: HF create_position_ids_from_input_ids (count non-pad tokens from padding_idx + 1). BERT: 0..L-1. */
  private positionIds(inputIds: string): string {
    const g = this.g;
    if (this.shape.architecture === 'xlm-roberta') {
      const pad = this.int64Const('pad_token_id', [this.shape.padTokenId], []);
      const notPad = g.op('Cast', [g.op('Not', [g.op('Equal', [inputIds, pad])])], { to: intAttr(7) }); // INT64
      const counted = g.op('CumSum', [notPad, this.int64Const('sequence_axis', [1], [])]);
      return g.op('Add', [g.op('Mul', [counted, notPad]), pad]);
    }
    const length = g.op('Gather', [g.op('Shape', [inputIds]), this.int64Const('dim_1', [1], [])], { axis: intAttr(0) });
    const range = g.op('Range', [this.int64Const('zero', [0], []), length, this.int64Const('one', [1], [])]);
    return g.op('Unsqueeze', [range, this.int64Const('axis_0', [0], [1])]);
  }

  /** (1 - mask) * lowest, shaped [batch, 1, 1, seq] to broadcast over heads and query rows, as HF does. */
  private additiveAttentionMask(attentionMask: string): string {
    const g = this.g;
    const maskFloat = g.op('Cast', [attentionMask], { to: intAttr(this.precision === 'float16' ? 10 : 1) });
    const inverted = g.op('Sub', [this.scalar('one_f', 1), maskFloat]);
    const lowest = this.precision === 'float16' ? -65504 : -3.4028234663852886e38;
    const additive = g.op('Mul', [inverted, this.scalar('mask_lowest', lowest)]);
    return g.op('Unsqueeze', [additive, this.int64Const('mask_axes', [1, 2], [2])]);
  }

  // ---- encoder ------------------------------------------------------------------------------

  private encoderLayer(index: number, input: string, additiveMask: string): string {
    const layer = `${this.prefix}.encoder.layer.${index}`;
    const attention = this.selfAttention(`${layer}.attention.self`, input, additiveMask);
    const attended = this.layerNorm(
      `${layer}.attention.output.LayerNorm`,
      this.g.op('Add', [this.linear(`${layer}.attention.output.dense`, attention), input]),
    );
    const intermediate = this.gelu(this.linear(`${layer}.intermediate.dense`, attended));
    return this.layerNorm(
      `${layer}.output.LayerNorm`,
      this.g.op('Add', [this.linear(`${layer}.output.dense`, intermediate), attended]),
    );
  }

  private selfAttention(name: string, input: string, additiveMask: string): string {
    const g = this.g;
    const heads = this.shape.numHeads;
    const headSize = this.shape.hiddenSize / heads;
    const splitHeads = this.int64Const('split_heads_shape', [0, 0, heads, headSize], [4], true);
    const toHeads = (value: string, perm: number[]) =>
      g.op('Transpose', [g.op('Reshape', [value, splitHeads])], { perm: intsAttr(perm) });

    const query = toHeads(this.linear(`${name}.query`, input), [0, 2, 1, 3]); // [B, h, L, d]
    const keyT = toHeads(this.linear(`${name}.key`, input), [0, 2, 3, 1]); // [B, h, d, L]
    const value = toHeads(this.linear(`${name}.value`, input), [0, 2, 1, 3]);

    const scores = g.op('Div', [g.op('MatMul', [query, keyT]), this.scalar('sqrt_head_size', Math.sqrt(headSize))]);
    const probabilities = g.op('Softmax', [g.op('Add', [scores, additiveMask])], { axis: intAttr(-1) });
    const context = g.op('Transpose', [g.op('MatMul', [probabilities, value])], { perm: intsAttr([0, 2, 1, 3]) });
    const mergeHeads = this.int64Const('merge_heads_shape', [0, 0, this.shape.hiddenSize], [3], true);
    return g.op('Reshape', [context, mergeHeads]);
  }

  /** hidden_act "gelu": the exact erf form. */
  private gelu(x: string): string {
    const g = this.g;
    const erf = g.op('Erf', [g.op('Div', [x, this.scalar('sqrt_2', Math.SQRT2)])]);
    return g.op('Mul', [g.op('Mul', [x, this.scalar('half', 0.5)]), g.op('Add', [erf, this.scalar('one_f', 1)])]);
  }

  // ---- heads --------------------------------------------------------------------------------

  /** XLMRobertaClassificationHead: dense, tanh, out_proj on the <s> token. */
  private robertaHead(firstToken: string): string {
    return this.linear('classifier.out_proj', this.g.op('Tanh', [this.linear('classifier.dense', firstToken)]));
  }

  /** BertPooler (dense, tanh on [CLS]) then the classifier Linear. */
  private bertHead(firstToken: string): string {
    const pooled = this.g.op('Tanh', [this.linear(`${this.prefix}.pooler.dense`, firstToken)]);
    return this.linear('classifier', pooled);
  }

  // ---- building blocks ----------------------------------------------------------------------

  /** y = x W^T + b, with W stored transposed ([in, out]) as MatMul's second input. */
  private linear(name: string, x: string): string {
    const weight = this.tensor(`${name}.weight`);
    const [out, input] = weight.shape as [number, number];
    const transposed = async () => {
      const data = await weight.read();
      const result = new Float32Array(out * input);
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < input; i++) result[i * out + o] = data[o * input + i]!;
      }
      return result;
    };
    const w = this.floatInitializer(`${name}.weight`, { shape: [input, out], read: transposed });
    return this.g.op('Add', [this.g.op('MatMul', [x, w]), this.param(`${name}.bias`)]);
  }

  private layerNorm(name: string, x: string): string {
    return this.g.op('LayerNormalization', [x, this.param(`${name}.weight`), this.param(`${name}.bias`)], {
      axis: intAttr(-1),
      epsilon: floatAttr(this.shape.layerNormEps),
    });
  }

  private tensor(name: string): FloatTensor {
    const shape = this.weights.shape(name);
    if (!shape) throw new Error(`model builder: weight "${name}" is missing`);
    return { shape, read: () => this.weights.read(name) };
  }

  private param(name: string): string {
    return this.floatInitializer(name, this.tensor(name));
  }

  private floatInitializer(name: string, tensor: FloatTensor): string {
    const read = this.precision === 'float16' ? async () => toFloat16Array(await tensor.read()) : tensor.read;
    return this.g.initializer(name, this.precision, tensor.shape, read);
  }

  private readonly constants = new Set<string>();

  private scalar(name: string, value: number): string {
    if (!this.constants.has(name)) {
      this.constants.add(name);
      this.floatInitializer(name, { shape: [], read: async () => Float32Array.of(value) });
    }
    return name;
  }

  private int64Const(name: string, values: number[], dims: number[], shared = false): string {
    if (shared && this.constants.has(name)) return name;
    const unique = shared ? name : this.g.fresh(name);
    this.constants.add(unique);
    return this.g.initializer(unique, 'int64', dims, BigInt64Array.from(values.map(BigInt)));
  }
}
