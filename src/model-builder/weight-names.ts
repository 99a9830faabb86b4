import { type CrossEncoderShape, encoderPrefix } from './config.js';

/**
 * Every parameter a one-label cross-encoder of `shape` has, under the names Hugging Face
 * transformers saves (XLMRobertaForSequenceClassification, BertForSequenceClassification), with its
 * PyTorch shape (Linear weights are [out, in]). The one list the random-weight builder, the graph and
 * the checkpoint converter agree on.
 */
export function expectedWeights(shape: CrossEncoderShape): Map<string, number[]> {
  const H = shape.hiddenSize;
  const weights = new Map<string, number[]>();
  const linear = (name: string, out: number, input: number) => {
    weights.set(`${name}.weight`, [out, input]);
    weights.set(`${name}.bias`, [out]);
  };
  const layerNorm = (name: string) => {
    weights.set(`${name}.weight`, [H]);
    weights.set(`${name}.bias`, [H]);
  };
  const p = encoderPrefix(shape.architecture);
  weights.set(`${p}.embeddings.word_embeddings.weight`, [shape.vocabSize, H]);
  weights.set(`${p}.embeddings.position_embeddings.weight`, [shape.maxPositionEmbeddings, H]);
  weights.set(`${p}.embeddings.token_type_embeddings.weight`, [shape.typeVocabSize, H]);
  layerNorm(`${p}.embeddings.LayerNorm`);
  for (let i = 0; i < shape.numLayers; i++) {
    const layer = `${p}.encoder.layer.${i}`;
    for (const part of ['query', 'key', 'value']) linear(`${layer}.attention.self.${part}`, H, H);
    linear(`${layer}.attention.output.dense`, H, H);
    layerNorm(`${layer}.attention.output.LayerNorm`);
    linear(`${layer}.intermediate.dense`, shape.intermediateSize, H);
    linear(`${layer}.output.dense`, H, shape.intermediateSize);
    layerNorm(`${layer}.output.LayerNorm`);
  }
  if (shape.architecture === 'xlm-roberta') {
    linear('classifier.dense', H, H);
    linear('classifier.out_proj', 1, H);
  } else {
    linear(`${p}.pooler.dense`, H, H);
    linear('classifier', 1, H);
  }
  return weights;
}
