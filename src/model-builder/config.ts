/**
 * Shapes of the two cross-encoder families we build and load.
 * Names follow Hugging Face `config.json` so a real checkpoint's config maps onto them one to one.
 */
export type Architecture = 'xlm-roberta' | 'bert';

export interface CrossEncoderShape {
  architecture: Architecture;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  /** XLM-R reserves padTokenId + 1 slots before the first real position (514 for 512 tokens). */
  maxPositionEmbeddings: number;
  /** 1 for XLM-R, 2 for BERT. */
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
}

/** One parameter tensor, row-major, in the PyTorch layout (Linear weights are [out, in]). */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/** Parameters keyed by their Hugging Face state-dict names, e.g. `roberta.encoder.layer.0.attention.self.query.weight`. */
export type WeightMap = Map<string, WeightTensor>;

/**
 * Parameters by Hugging Face name, read on demand: a checkpoint streamed from disk, or a WeightMap.
 * Shapes are known up front, so a graph can be planned before any weight is read.
 */
export interface WeightSource {
  shape(name: string): number[] | undefined;
  read(name: string): Promise<Float32Array>;
}

export function weightSourceFromMap(weights: WeightMap): WeightSource {
  return {
    shape: (name) => weights.get(name)?.shape,
    read: async (name) => {
      const tensor = weights.get(name);
      if (!tensor) throw new Error(`weight "${name}" is missing`);
      return tensor.data;
    },
  };
}

/** The state-dict prefix of the encoder: `roberta` for XLM-R, `bert` for BERT. */
export function encoderPrefix(architecture: Architecture): string {
  return architecture === 'xlm-roberta' ? 'roberta' : 'bert';
}

/** Longest sequence (special tokens included) the position table allows. */
export function maxSequenceLength(shape: CrossEncoderShape): number {
  return shape.architecture === 'xlm-roberta'
    ? shape.maxPositionEmbeddings - shape.padTokenId - 1
    : shape.maxPositionEmbeddings;
}
