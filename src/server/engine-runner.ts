/**
 * The model behind the service: the engine's `Reranker` for model runs, and the engine's own
 * `PairEncoder` on the same tokenizer files. Requests are encoded once, on arrival: the scheduler
 * budgets runs with the row lengths, TEI's `truncate: false` refuses over-long pairs up front, and the
 * rows go to the model as they are (`Reranker.runRows`), with no second tokenisation.
 */
import { AutoTokenizer } from '@huggingface/transformers';
import { Reranker, type LoadOptions, type RerankerInfo } from '../engine/index.js';
import { type EncodedRow, PairEncoder } from '../engine/pair-encoder.js';
import type { ModelRunner } from './scheduler.js';

/** One request encoded: a row per document, and lengths in tokens, special tokens included. */
export interface Encoded {
  /** Fitted to the request's token limit: what the model will see. */
  rows: EncodedRow[];
  lengths: number[];
  /** Before fitting: what each pair would need. */
  full: number[];
  queryTokens: number;
}

export class EngineRunner implements ModelRunner<EncodedRow> {
  private constructor(
    readonly reranker: Reranker,
    private readonly encoder: PairEncoder,
  ) {}

  static async load(options: LoadOptions): Promise<EngineRunner> {
    // The engine's own limits must not refuse what the service admitted: the service checks its own.
    const reranker = await Reranker.load({ maxDocuments: 1_000_000, maxCharacters: 10_000_000, ...options });
    try {
      const tokenizer = await AutoTokenizer.from_pretrained(reranker.info.model, {
        revision: options.revision ?? 'main',
      });
      return new EngineRunner(reranker, new PairEncoder(tokenizer));
    } catch (error) {
      await reranker.dispose();
      throw error;
    }
  }

  get info(): RerankerInfo {
    return this.reranker.info;
  }

  get pairSpecialTokens(): number {
    return this.encoder.pairSpecialTokens;
  }

  /** Rows per (query, document) under the engine's fitting rule (passage cut first), and their lengths. */
  encode(
    query: string,
    documents: string[],
    maxLength: number,
    passages?: string[][],
  ): Encoded & { passages: string[][] } {
    const queryTokens = this.encoder.tokenize(query);
    const tokenized = passages ?? documents.map((d) => this.encoder.tokenize(d));
    const rows = tokenized.map((passage) => this.encoder.encode(queryTokens, passage, maxLength, null)[0]!);
    return {
      rows,
      lengths: rows.map((r) => r.inputIds.length),
      full: tokenized.map((passage) => queryTokens.length + passage.length + this.encoder.pairSpecialTokens),
      queryTokens: queryTokens.length,
      passages: tokenized,
    };
  }

  /** One model run of rows the scheduler has already grouped (they were fitted when encoded). */
  run(rows: EncodedRow[]): Promise<number[]> {
    return this.reranker.runRows(rows);
  }

  dispose(): Promise<void> {
    return this.reranker.dispose();
  }
}
