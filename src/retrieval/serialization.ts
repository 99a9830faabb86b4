/** The JSON shape of a saved LexicalIndex, and strict validation when reading one back. */
import { CodedError } from '../errors/coded-error.js';
import type { ResolvedIndexOptions } from './lexical-index.js';

export const SERIALIZED_FORMAT = 'ko-rerank-web/lexical-index';
// Bump when an analyser's output changes (suffix lists, splitting): a restored index must analyse
// queries exactly as its documents were analysed.
export const SERIALIZED_VERSION = 1;

export interface SerializedField {
  name: string;
  docLengths: number[];
  /**
   * term -> flat [docGap, tf, docGap, tf, ...]: the first gap is the document index, each later one
   * the distance from the previous document. Small gaps keep the JSON about a third smaller.
   */
  postings: Record<string, number[]>;
}

/** A field as the index holds it: postings with absolute document indices. */
export interface DecodedField {
  name: string;
  docLengths: number[];
  postings: Map<string, number[]>;
}

export function encodePostings(postings: ReadonlyMap<string, readonly number[]>): Record<string, number[]> {
  const encoded: Record<string, number[]> = {};
  for (const [term, list] of postings) {
    const gaps = new Array<number>(list.length);
    let previous = 0;
    for (let i = 0; i < list.length; i += 2) {
      gaps[i] = list[i]! - previous;
      gaps[i + 1] = list[i + 1]!;
      previous = list[i]!;
    }
    encoded[term] = gaps;
  }
  return encoded;
}

export interface SerializedLexicalIndex {
  format: typeof SERIALIZED_FORMAT;
  version: typeof SERIALIZED_VERSION;
  options: ResolvedIndexOptions;
  ids: string[];
  /** With passage indexing: each passage's document index (ascending) and flat [start, end] offsets. */
  passages?: SerializedPassages;
  fields: SerializedField[];
}

export interface SerializedPassages {
  docs: number[];
  spans: number[];
}

export class IndexFormatError extends CodedError<'INDEX_CORRUPT'> {
  override name = 'IndexFormatError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INDEX_CORRUPT', message, options);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
// Safe integers only: 1e308 is an integer to JavaScript, and would score Infinity.
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * Checks structure and internal consistency, so a truncated or hand-edited file fails here with a
 * precise message instead of producing wrong scores later, and decodes the postings.
 * Option values are checked by the LexicalIndex constructor.
 */
export function parseSerialized(data: unknown): {
  options: ResolvedIndexOptions;
  ids: string[];
  passages?: SerializedPassages;
  fields: DecodedField[];
} {
  const fail = (message: string): never => {
    throw new IndexFormatError(`invalid serialised index: ${message}`);
  };
  if (!isRecord(data)) return fail('not an object');
  if (data.format !== SERIALIZED_FORMAT) fail(`format must be ${JSON.stringify(SERIALIZED_FORMAT)}`);
  if (data.version !== SERIALIZED_VERSION) fail(`unsupported version ${String(data.version)}`);
  const { options, ids, fields } = data;
  if (!isRecord(options) || !Array.isArray(options.fields)) return fail('options.fields missing');
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return fail('ids must be an array of strings');
  if (new Set(ids).size !== ids.length) fail('ids must be unique');
  const passages = parsePassages(data.passages, isRecord(options.passages), ids.length, fail);
  // Fields index passages when there are passages, documents otherwise.
  const unitCount = passages ? passages.docs.length : ids.length;
  const configuredFields: unknown[] = options.fields;
  if (!Array.isArray(fields) || fields.length !== configuredFields.length)
    return fail('one stored field per configured field expected');
  const decoded = fields.map((field: unknown, i): DecodedField => {
    const where = `fields[${i}]`;
    if (!isRecord(field)) return fail(`${where} is not an object`);
    const configured = configuredFields[i];
    if (!isRecord(configured) || field.name !== configured.name)
      fail(`${where}.name does not match options.fields[${i}].name`);
    const { docLengths, postings } = field;
    if (!Array.isArray(docLengths) || docLengths.length !== unitCount || !docLengths.every(isCount)) {
      fail(`${where}.docLengths must hold one non-negative integer per ${passages ? 'passage' : 'document'}`);
    }
    if (!isRecord(postings)) return fail(`${where}.postings must be an object`);
    const lists = new Map<string, number[]>();
    // Each document's term frequencies add up to its length, as the index built them.
    const termCounts = new Array<number>(unitCount).fill(0);
    for (const [term, list] of Object.entries(postings)) {
      if (!Array.isArray(list) || list.length === 0 || list.length % 2 !== 0)
        fail(`${where}.postings[${JSON.stringify(term)}] must be [docGap, tf, ...]`);
      const entries = list as unknown[];
      const absolute = new Array<number>(entries.length);
      let doc = 0;
      for (let j = 0; j < entries.length; j += 2) {
        const gap = entries[j];
        const tf = entries[j + 1];
        // Every gap after the first must move forward, or documents would repeat or go backwards.
        if (!isCount(gap) || (j > 0 && gap === 0) || !isCount(tf) || tf === 0)
          fail(`${where}.postings[${JSON.stringify(term)}] has a bad entry at ${j}`);
        doc += gap as number;
        if (doc >= unitCount) fail(`${where}.postings[${JSON.stringify(term)}] points past the last document at ${j}`);
        absolute[j] = doc;
        absolute[j + 1] = tf as number;
        termCounts[doc]! += tf as number;
      }
      lists.set(term, absolute);
    }
    termCounts.forEach((count, doc) => {
      if (count !== (docLengths as number[])[doc]) {
        fail(
          `${where}: the term frequencies of document ${doc} add up to ${count}, but its length is ${String((docLengths as number[])[doc])}`,
        );
      }
    });
    return { name: field.name as string, docLengths: [...(docLengths as number[])], postings: lists };
  });
  return {
    options: options as unknown as ResolvedIndexOptions,
    ids: ids as string[],
    ...(passages ? { passages } : {}),
    fields: decoded,
  };
}

/** Passage layout: present exactly when the options ask for passages, every document with at least one. */
function parsePassages(
  value: unknown,
  expected: boolean,
  docCount: number,
  fail: (message: string) => never,
): SerializedPassages | undefined {
  if (!expected) {
    if (value !== undefined) fail('passages given, but options.passages is not set');
    return undefined;
  }
  if (!isRecord(value)) return fail('passages missing: options.passages is set');
  const { docs, spans } = value;
  if (!Array.isArray(docs) || !docs.every(isCount)) return fail('passages.docs must be an array of document indices');
  if (!Array.isArray(spans) || spans.length !== 2 * docs.length || !spans.every(isCount))
    return fail('passages.spans must hold a [start, end] pair per passage');
  for (let unit = 0; unit < docs.length; unit++) {
    const doc = docs[unit] as number;
    const previous = unit === 0 ? -1 : (docs[unit - 1] as number);
    if (doc !== previous && doc !== previous + 1)
      fail(`passages.docs must list documents in order, each at least once (passage ${unit})`);
    if ((spans[2 * unit] as number) > (spans[2 * unit + 1] as number)) fail(`passage ${unit} ends before it starts`);
  }
  if ((docs.length === 0 ? 0 : (docs[docs.length - 1] as number) + 1) !== docCount)
    fail('passages.docs must cover every document');
  return { docs: [...(docs as number[])], spans: [...(spans as number[])] };
}
