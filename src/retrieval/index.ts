export { normalizeText, splitRuns, type RunKind, type TextRun } from './normalize.js';
export { stripKoreanSuffix, type SuffixSet } from './particles.js';
export {
  createAnalyzer,
  type Analyzer,
  type AnalyzerSpec,
  type NgramAnalyzer,
  type WordAnalyzer,
} from './tokenizer.js';
export { InvalidInputError } from './errors.js';
export { BM25_VARIANTS, bm25Idf, bm25Tf, type Bm25Params, type Bm25Variant } from './bm25.js';
export { DEFAULT_RRF_K, reciprocalRankFusion, type FusedItem, type FusionOptions } from './fusion.js';
export { estimateTokens, splitPassages, type PassageOptions, type PassageSpan } from './passages.js';
export {
  DEFAULT_B,
  DEFAULT_FIELDS,
  DEFAULT_PASSAGES,
  DEFAULT_K1,
  DuplicateDocumentError,
  LexicalIndex,
  type AddAllOptions,
  type FieldCombination,
  type FieldOptions,
  type IndexDocument,
  type LexicalIndexOptions,
  type ResolvedIndexOptions,
  type SearchHit,
} from './lexical-index.js';
export {
  IndexFormatError,
  SERIALIZED_FORMAT,
  SERIALIZED_VERSION,
  type SerializedField,
  type SerializedPassages,
  type SerializedLexicalIndex,
} from './serialization.js';
