/**
 * The model behind the service: the engine's `Reranker` for model runs, plus the engine's own
 * `PairEncoder` on the same tokenizer files to count each row's tokens before it is queued (the
 * scheduler budgets runs in tokens, and TEI's `truncate: false` must refuse over-long pairs up front).
 * Counting tokenises each text once more than the engine does; that is small next to a model run.
 */
import { AutoTokenizer } from '@huggingface/transformers';
import { Reranker, type LoadOptions, type RerankerInfo } from '../engine/index.js';
import { PairEncoder } from '../engine/pair-encoder.js';
import type { ModelRunner } from './scheduler.js';

/** Row lengths of one request, in tokens, special tokens included. */
export interface Measured {
  /** After fitting to the request's token limit: what the model will see. */
  rows: number[];
  /** Before fitting: what the pair would need. */
  full: number[];
  queryTokens: number;
}

export class EngineRunner implements ModelRunner {
  private constructor(
    readonly reranker: Reranker,
    private readonly encoder: PairEncoder,
  ) {}

  static async load(options: LoadOptions): Promise<EngineRunner> {
    // The engine's own limits must not refuse what the service admitted: the service checks its own.
    const reranker = await Reranker.load({ maxDocuments: 1_000_000, maxCharacters: 10_000_000, ...options });
    try {
      const tokenizer = await AutoTokenizer.from_pretrained(reranker.info.model, { revision: options.revision ?? 'main' });
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

  /** Token counts per (query, document) under the engine's fitting rule (passage cut first). */
  measure(query: string, documents: string[], maxLength: number): Measured {
    const queryTokens = this.encoder.tokenize(query);
    const rows: number[] = [];
    const full: number[] = [];
    for (const document of documents) {
      const passage = this.encoder.tokenize(document);
      full.push(queryTokens.length + passage.length + this.encoder.pairSpecialTokens);
      rows.push(this.encoder.encode(queryTokens, passage, maxLength, null)[0]!.inputIds.length);
    }
    return { rows, full, queryTokens: queryTokens.length };
  }

  /** One model run: the scheduler already sized the batch, so the engine's own budget must not split it. */
  run(pairs: Array<[string, string]>, maxLength: number): Promise<number[]> {
    return this.reranker.score(pairs, { activation: 'none', maxLength, batchTokens: Number.MAX_SAFE_INTEGER });
  }

  dispose(): Promise<void> {
    return this.reranker.dispose();
  }
}
