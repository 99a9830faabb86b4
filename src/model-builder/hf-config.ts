/** config.json in the Hugging Face format, written for generated models and read back for any model. */
import type { CrossEncoderShape } from './config.js';

export function toHfConfig(shape: CrossEncoderShape): Record<string, unknown> {
  const common = {
    hidden_size: shape.hiddenSize,
    num_hidden_layers: shape.numLayers,
    num_attention_heads: shape.numHeads,
    intermediate_size: shape.intermediateSize,
    hidden_act: 'gelu',
    max_position_embeddings: shape.maxPositionEmbeddings,
    type_vocab_size: shape.typeVocabSize,
    vocab_size: shape.vocabSize,
    layer_norm_eps: shape.layerNormEps,
    pad_token_id: shape.padTokenId,
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    initializer_range: 0.02,
    position_embedding_type: 'absolute',
    id2label: { '0': 'LABEL_0' },
    label2id: { LABEL_0: 0 },
    torch_dtype: 'float32',
    generated_by: 'ko-rerank-web model-builder (seeded random weights: mechanics only, no real relevance)',
  };
  return shape.architecture === 'xlm-roberta'
    ? {
        architectures: ['XLMRobertaForSequenceClassification'],
        model_type: 'xlm-roberta',
        bos_token_id: 0,
        eos_token_id: 2,
        ...common,
      }
    : { architectures: ['BertForSequenceClassification'], model_type: 'bert', ...common };
}

/** Reads the shape back from a config.json of either family (generated or a real checkpoint's). */
export function fromHfConfig(config: Record<string, unknown>): CrossEncoderShape {
  const modelType = config['model_type'];
  if (modelType !== 'xlm-roberta' && modelType !== 'bert') {
    throw new Error(`config.json: model_type "${String(modelType)}" is neither "xlm-roberta" nor "bert"`);
  }
  const number = (key: string, fallback?: number): number => {
    const value = config[key] ?? fallback;
    if (typeof value !== 'number') throw new Error(`config.json: "${key}" must be a number`);
    return value;
  };
  return {
    architecture: modelType,
    vocabSize: number('vocab_size'),
    hiddenSize: number('hidden_size'),
    numLayers: number('num_hidden_layers'),
    numHeads: number('num_attention_heads'),
    intermediateSize: number('intermediate_size'),
    maxPositionEmbeddings: number('max_position_embeddings'),
    typeVocabSize: number('type_vocab_size', modelType === 'bert' ? 2 : 1),
    layerNormEps: number('layer_norm_eps', 1e-12),
    padTokenId: number('pad_token_id', modelType === 'bert' ? 0 : 1),
  };
}
