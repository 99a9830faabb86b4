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
export { bm25Idf, bm25Tf, type Bm25Params } from './bm25.js';
export {
  DEFAULT_B,
  DEFAULT_FIELDS,
  DEFAULT_K1,
  DuplicateDocumentError,
  LexicalIndex,
  type AddAllOptions,
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
  type SerializedLexicalIndex,
} from './serialization.js';
