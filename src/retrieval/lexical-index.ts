/**
 * In-memory lexical index: several analysed fields over the same documents, each scored with BM25,
 * combined as a weighted sum or by reciprocal rank fusion. Long documents can be indexed as
 * overlapping passages: a document scores as its best passage, and a hit says which passage that is.
 * Runs unchanged in the browser and in Node.
 */
import { CodedError } from '../errors/coded-error.js';
import { validateBm25, type Bm25Params, type Bm25Variant } from './bm25.js';
import { describeType, InvalidInputError, requireString } from './errors.js';
import { countTerms, FieldIndex } from './field-index.js';
import { DEFAULT_RRF_K, fuseRanks } from './fusion.js';
import { checkPassageOptions, splitPassages, type PassageOptions, type PassageSpan } from './passages.js';
import { createAnalyzer, type Analyzer, type AnalyzerSpec } from './tokenizer.js';
import {
  encodePostings,
  IndexFormatError,
  parseSerialized,
  SERIALIZED_FORMAT,
  SERIALIZED_VERSION,
  type SerializedLexicalIndex,
} from './serialization.js';

export interface FieldOptions {
  /** Unique name, used in serialised indexes. */
  name: string;
  analyzer: AnalyzerSpec;
  /** Multiplier of this field's BM25 score. Default 1. */
  weight?: number;
  /** Per-field BM25 parameters; default to the index-wide ones. */
  k1?: number;
  b?: number;
  variant?: Bm25Variant;
  delta?: number;
}

/** How field scores become one document score. */
export type FieldCombination = 'sum' | 'rrf';

export interface LexicalIndexOptions {
  /** Default: DEFAULT_FIELDS. */
  fields?: readonly FieldOptions[];
  /** Index-wide BM25 parameters. Default DEFAULT_K1 / DEFAULT_B. */
  k1?: number;
  b?: number;
  /** BM25 variant of every field unless a field names its own. Default 'okapi'. */
  variant?: Bm25Variant;
  /** delta of bm25l / bm25+ (default 0.5 / 1). */
  delta?: number;
  /** Count a term repeated in the query once. Default false (each occurrence counts, as in Lucene). */
  uniqueQueryTerms?: boolean;
  /**
   * 'sum' adds the weighted BM25 scores of the fields; 'rrf' ranks the documents by each field and
   * adds weight / (rrfK + rank), as the model card fuses its retrievers. Default 'sum'.
   */
  combine?: FieldCombination;
  /** The k of reciprocal rank fusion. Default 60. */
  rrfK?: number;
  /**
   * Index each document as overlapping passages (see splitPassages); null indexes whole documents.
   * Default DEFAULT_PASSAGES. A document within maxTokens is one passage, so short ones are unaffected.
   */
  passages?: PassageOptions | null;
}

/** Options after defaults are filled in: what toJSON stores. */
export interface ResolvedIndexOptions {
  fields: Required<FieldOptions>[];
  k1: number;
  b: number;
  variant: Bm25Variant;
  uniqueQueryTerms: boolean;
  combine: FieldCombination;
  rrfK: number;
  passages: Required<PassageOptions> | null;
}

export interface IndexDocument {
  id: string;
  text: string;
}

export interface SearchHit {
  id: string;
  /** Insertion position of the document (0-based). */
  index: number;
  score: number;
  /** With passage indexing: the best-scoring passage, as offsets into the document's text. */
  passage?: PassageSpan;
}

export interface AddAllOptions {
  /** Documents analysed between two yields to the event loop. Default 128 (about 40 ms of work on a laptop core for ~800-character passages). */
  chunkSize?: number;
  onProgress?: (indexed: number, total: number) => void;
  signal?: AbortSignal;
}

// Measured with scripts/tune-retrieval.ts on the AutoRAG Korean dev split (61 queries): stemmed words
// (NDCG@10 0.949 alone) and raw syllable bigrams (0.913 alone) are complementary, 0.964 together; the
// textbook k1 1.2 / b 0.75 sit on a flat optimum (0.93-0.96 over k1 0.6-2, b 0.3-1).
export const DEFAULT_K1 = 1.2;
export const DEFAULT_B = 0.75;
// scripts/tune-retrieval.ts: on the dev pages NDCG@10 0.964 -> 0.973, and on documents of 8 joined pages
// 0.962 -> 0.992; 160 to 512 tokens with a quarter overlap all beat whole documents there.
export const DEFAULT_PASSAGES: Readonly<Required<PassageOptions>> = { maxTokens: 384, overlapTokens: 96 };
export const DEFAULT_FIELDS: readonly FieldOptions[] = [
  { name: 'stems', analyzer: { type: 'word', suffixes: 'all' }, weight: 1 },
  { name: 'bigrams', analyzer: { type: 'ngram', n: 2 }, weight: 1 },
];

interface Field {
  options: Required<FieldOptions>;
  params: Bm25Params;
  analyze: Analyzer;
  index: FieldIndex;
}

/** A document id that is already in the index, or twice in one batch. */
export class DuplicateDocumentError extends CodedError<'DUPLICATE_DOCUMENT'> {
  override name = 'DuplicateDocumentError';
  constructor(readonly id: string) {
    super('DUPLICATE_DOCUMENT', `duplicate document id ${JSON.stringify(id)}`);
  }
}

export class LexicalIndex {
  private readonly resolved: ResolvedIndexOptions;
  private readonly fields: Field[];
  private readonly ids: string[] = [];
  private readonly idSet = new Set<string>();
  /** Indexed units (passages, or whole documents): owning document, and [start, end] offsets. */
  private readonly unitDocs: number[] = [];
  private readonly unitSpans: number[] = [];

  constructor(options: LexicalIndexOptions = {}) {
    this.resolved = resolveOptions(options);
    this.fields = this.resolved.fields.map((field) => ({
      options: field,
      params: { k1: field.k1, b: field.b, variant: field.variant, delta: field.delta },
      analyze: createAnalyzer(field.analyzer),
      index: new FieldIndex(),
    }));
  }

  get size(): number {
    return this.ids.length;
  }

  /** Passage indexing in use, or null for whole documents. */
  get passages(): Required<PassageOptions> | null {
    return this.resolved.passages && { ...this.resolved.passages };
  }

  get options(): ResolvedIndexOptions {
    return structuredClone(this.resolved);
  }

  /** Document id at an insertion position. */
  idAt(index: number): string | undefined {
    return this.ids[index];
  }

  /** Adds documents synchronously; ids must be unique across the index. All or nothing: a bad document adds none. */
  add(docs: readonly IndexDocument[]): void {
    this.checkNew(docs);
    for (const doc of docs) this.addOne(doc);
  }

  /** Adds documents in chunks, yielding to the event loop between chunks so a page stays responsive. */
  async addAll(docs: readonly IndexDocument[], options: AddAllOptions = {}): Promise<void> {
    const chunkSize = options.chunkSize ?? 128;
    if (!(Number.isInteger(chunkSize) && chunkSize > 0))
      throw new InvalidInputError(`chunkSize must be a positive integer, got ${chunkSize}`);
    this.checkNew(docs); // before the first chunk, so a bad document late in the list adds none
    for (let start = 0; start < docs.length; start += chunkSize) {
      options.signal?.throwIfAborted();
      this.add(docs.slice(start, start + chunkSize));
      options.onProgress?.(Math.min(start + chunkSize, docs.length), docs.length);
      if (start + chunkSize < docs.length) await yieldToEventLoop();
    }
  }

  /**
   * Best topN documents for the query, by descending score; equal scores keep insertion order.
   * Documents sharing no term with the query are not returned, so fewer than topN hits can come back.
   */
  search(query: string, topN = 10): SearchHit[] {
    requireString('query', query);
    if (!(Number.isInteger(topN) && topN >= 0))
      throw new InvalidInputError(`topN must be a non-negative integer, got ${topN}`);
    const { scores, bestUnits } = this.scoreDocuments(query);
    const matched: number[] = [];
    for (let doc = 0; doc < scores.length; doc++) if (scores[doc]! > 0) matched.push(doc);
    matched.sort((a, b) => scores[b]! - scores[a]! || a - b);
    return matched.slice(0, topN).map((doc) => {
      const hit: SearchHit = { id: this.ids[doc]!, index: doc, score: scores[doc]! };
      if (this.resolved.passages) {
        const unit = bestUnits[doc]!;
        hit.passage = { start: this.unitSpans[2 * unit]!, end: this.unitSpans[2 * unit + 1]! };
      }
      return hit;
    });
  }

  /** Score of every document in insertion order (0 where no query term occurs). */
  score(query: string): Float64Array {
    requireString('query', query);
    return this.scoreDocuments(query).scores;
  }

  /** Passages of a document (by insertion position) as indexed; [] when documents are indexed whole. */
  passagesOf(index: number): PassageSpan[] {
    if (!this.resolved.passages) return [];
    // Units are appended document by document: binary search for the document's first one.
    let low = 0;
    let high = this.unitDocs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.unitDocs[mid]! < index) low = mid + 1;
      else high = mid;
    }
    const spans: PassageSpan[] = [];
    for (let unit = low; unit < this.unitDocs.length && this.unitDocs[unit] === index; unit++)
      spans.push({ start: this.unitSpans[2 * unit]!, end: this.unitSpans[2 * unit + 1]! });
    return spans;
  }

  /**
   * Document scores and, per document, its best unit. Units score as the weighted field sum; a
   * document takes its best unit's score, or with 'rrf' the fusion of per-field document rankings
   * (each field's document score being its best unit's).
   */
  private scoreDocuments(query: string): { scores: Float64Array; bestUnits: Int32Array } {
    const docCount = this.ids.length;
    const unitCount = this.unitDocs.length;
    const perField: Float64Array[] = [];
    const unitTotals = new Float64Array(unitCount);
    for (const field of this.fields) {
      if (field.options.weight === 0) continue;
      const terms = countTerms(field.analyze(query), this.resolved.uniqueQueryTerms);
      const unitScores = new Float64Array(unitCount);
      field.index.accumulate(terms, field.params, 1, unitScores);
      for (let unit = 0; unit < unitCount; unit++) unitTotals[unit]! += field.options.weight * unitScores[unit]!;
      perField.push(unitScores);
    }
    const { scores, bestUnits } = this.bestPerDocument(unitTotals);
    if (this.resolved.combine === 'sum') return { scores, bestUnits };
    const weights = this.fields.filter((field) => field.options.weight !== 0).map((field) => field.options.weight);
    const fused = fuseRanks(
      perField.map((unitScores) => this.bestPerDocument(unitScores).scores),
      weights,
      this.resolved.rrfK,
    );
    // Only documents some field matched take part, as with 'sum'.
    for (let doc = 0; doc < docCount; doc++) if (!(scores[doc]! > 0)) fused[doc] = 0;
    return { scores: fused, bestUnits };
  }

  private bestPerDocument(unitScores: Float64Array): { scores: Float64Array; bestUnits: Int32Array } {
    const scores = new Float64Array(this.ids.length);
    const bestUnits = new Int32Array(this.ids.length).fill(-1);
    for (let unit = 0; unit < unitScores.length; unit++) {
      const doc = this.unitDocs[unit]!;
      if (bestUnits[doc] === -1 || unitScores[unit]! > scores[doc]!) {
        scores[doc] = unitScores[unit]!;
        bestUnits[doc] = unit;
      }
    }
    return { scores, bestUnits };
  }

  toJSON(): SerializedLexicalIndex {
    return {
      format: SERIALIZED_FORMAT,
      version: SERIALIZED_VERSION,
      options: this.options,
      ids: [...this.ids],
      ...(this.resolved.passages ? { passages: { docs: [...this.unitDocs], spans: [...this.unitSpans] } } : {}),
      fields: this.fields.map((field) => ({
        name: field.options.name,
        docLengths: [...field.index.docLengths],
        postings: encodePostings(field.index.postings),
      })),
    };
  }

  /** Rebuilds an index from toJSON() output (or its JSON.parse'd text); throws on anything malformed. */
  static fromJSON(data: unknown): LexicalIndex {
    const parsed = parseSerialized(data);
    let index: LexicalIndex;
    try {
      // Files written before passage indexing have no passages key: they index whole documents.
      index = new LexicalIndex({ ...parsed.options, passages: parsed.passages ? parsed.options.passages : null });
    } catch (error) {
      // A saved index whose options no index accepts is a malformed file, named as such.
      throw new IndexFormatError(`invalid serialised index: options: ${(error as Error).message}`, { cause: error });
    }
    parsed.ids.forEach((id) => {
      index.ids.push(id);
      index.idSet.add(id);
    });
    if (parsed.passages) {
      index.unitDocs.push(...parsed.passages.docs);
      index.unitSpans.push(...parsed.passages.spans);
    } else {
      parsed.ids.forEach((_, doc) => {
        index.unitDocs.push(doc);
        index.unitSpans.push(0, 0); // unused: spans are reported only with passage indexing
      });
    }
    index.fields.forEach((field, i) => {
      const stored = parsed.fields[i]!;
      field.index = new FieldIndex(stored.postings, stored.docLengths);
    });
    return index;
  }

  /** Every document well-formed, and no id already indexed or repeated within `docs`. */
  private checkNew(docs: readonly IndexDocument[]): void {
    if (!Array.isArray(docs)) throw new InvalidInputError(`docs must be an array, got ${describeType(docs)}`);
    const batch = new Set<string>();
    docs.forEach((doc: unknown, i) => {
      if (typeof doc !== 'object' || doc === null)
        throw new InvalidInputError(`docs[${i}] must be an object with id and text, got ${describeType(doc)}`);
      const { id, text } = doc as Partial<Record<keyof IndexDocument, unknown>>;
      requireString(`docs[${i}].id`, id);
      requireString(`docs[${i}].text`, text);
      if (this.idSet.has(id) || batch.has(id)) throw new DuplicateDocumentError(id);
      batch.add(id);
    });
  }

  private addOne(doc: IndexDocument): void {
    const docIndex = this.ids.length;
    const spans = this.resolved.passages
      ? splitPassages(doc.text, this.resolved.passages)
      : [{ start: 0, end: doc.text.length }];
    for (const span of spans) {
      const unit = this.unitDocs.length;
      const text = doc.text.slice(span.start, span.end);
      for (const field of this.fields) field.index.add(unit, field.analyze(text));
      this.unitDocs.push(docIndex);
      this.unitSpans.push(span.start, span.end);
    }
    this.ids.push(doc.id);
    this.idSet.add(doc.id);
  }
}

function resolveOptions(options: LexicalIndexOptions): ResolvedIndexOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new InvalidInputError(`options must be an object, got ${describeType(options)}`);
  const given = options.fields ?? DEFAULT_FIELDS;
  if (!Array.isArray(given)) throw new InvalidInputError(`options.fields must be an array, got ${describeType(given)}`);
  const k1 = options.k1 ?? DEFAULT_K1;
  const b = options.b ?? DEFAULT_B;
  const variant = options.variant ?? 'okapi';
  validateBm25({ k1, b, variant, delta: options.delta });
  const combine = options.combine ?? 'sum';
  if (combine !== 'sum' && combine !== 'rrf')
    throw new InvalidInputError(`combine must be 'sum' or 'rrf', got ${JSON.stringify(combine)}`);
  const rrfK = options.rrfK ?? DEFAULT_RRF_K;
  if (!(Number.isFinite(rrfK) && rrfK >= 0)) throw new InvalidInputError(`rrfK must be a number >= 0, got ${rrfK}`);
  const passages = options.passages === null ? null : checkPassageOptions(options.passages ?? { ...DEFAULT_PASSAGES });
  const fields = given.map((field: FieldOptions, i) => {
    if (typeof field !== 'object' || field === null)
      throw new InvalidInputError(`options.fields[${i}] must be an object, got ${describeType(field)}`);
    requireString(`options.fields[${i}].name`, field.name);
    const resolved: Required<FieldOptions> = {
      name: field.name,
      analyzer: structuredClone(field.analyzer),
      weight: field.weight ?? 1,
      k1: field.k1 ?? k1,
      b: field.b ?? b,
      variant: field.variant ?? variant,
      delta: field.delta ?? options.delta ?? defaultDelta(field.variant ?? variant),
    };
    validateBm25(resolved);
    if (!(Number.isFinite(resolved.weight) && resolved.weight >= 0))
      throw new InvalidInputError(`field ${field.name}: weight must be >= 0`);
    return resolved;
  });
  if (fields.length === 0) throw new InvalidInputError('an index needs at least one field');
  const names = new Set(fields.map((field) => field.name));
  if (names.size !== fields.length) throw new InvalidInputError('field names must be unique');
  return { fields, k1, b, variant, uniqueQueryTerms: options.uniqueQueryTerms ?? false, combine, rrfK, passages };
}

function defaultDelta(variant: Bm25Variant): number {
  return variant === 'bm25l' ? 0.5 : variant === 'bm25+' ? 1 : 0;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
