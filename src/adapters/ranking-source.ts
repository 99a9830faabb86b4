/**
 * What the framework adapters need from a reranker, and how they turn a framework's documents into the
 * passages it reads. The browser client (createReranker), the edge-service client (createRemoteReranker)
 * and the Node engine (Reranker.load) all satisfy RankingSource, so one adapter serves each of them.
 */
import { InvalidInputError } from '../engine/errors.js';
import type { DetailedRankOptions, RankReport } from '../engine/types.js';

export interface RankingSource {
  rankDetailed(query: string, documents: string[], options?: DetailedRankOptions): Promise<RankReport>;
  /** The browser and edge clients describe what runs here... */
  readonly ready?: { backend?: string; dtype?: string; model?: string };
  /** ...and the Node engine here. */
  readonly info?: { device?: string; dtype?: string; model?: string };
}

/** A structured document: the AI SDK's JSON objects, or a LangChain document's metadata. */
export type DocumentObject = Record<string, unknown>;

export interface DocumentTextOptions {
  /**
   * Fields whose text the reranker reads, joined by a line break, in this order. Default: `text` when
   * it is a string, else every field as a `name: value` line (values that are not strings as JSON).
   */
  fields?: string[];
}

/** The passage the reranker reads for a structured document; throws InvalidInputError naming what is missing. */
export function documentText(document: DocumentObject, index: number, { fields }: DocumentTextOptions = {}): string {
  if (fields) {
    const parts = fields.map((field) => {
      const value = document[field];
      if (typeof value !== 'string')
        throw new InvalidInputError(
          `documents[${index}].${field} must be a string (fields: ${fields.join(', ')}), got ${value === null ? 'null' : typeof value}`,
        );
      return value;
    });
    return parts.join('\n');
  }
  if (typeof document['text'] === 'string') return document['text'];
  return Object.entries(document)
    .map(([name, value]) => `${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('\n');
}

/** Backend, dtype and model of a source, as plain JSON for a framework's metadata. */
export function describeSource(source: RankingSource): Record<string, string> {
  const described: Record<string, string> = {};
  const backend = source.ready?.backend ?? source.info?.device;
  const dtype = source.ready?.dtype ?? source.info?.dtype;
  const model = source.ready?.model ?? source.info?.model;
  if (backend !== undefined) described['backend'] = backend;
  if (dtype !== undefined) described['dtype'] = dtype;
  if (model !== undefined) described['model'] = model;
  return described;
}
