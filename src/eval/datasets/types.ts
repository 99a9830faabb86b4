/** The one shape every dataset loader produces. */

export interface Passage {
  id: string;
  text: string;
}

export type DatasetFormat = 'card-csv' | 'flag-jsonl' | 'mteb';

/** A row a loader left out under `skipMalformed`, with the reason. */
export interface SkippedRow {
  file: string;
  /** 1-based line where the row starts. */
  line: number;
  reason: string;
}

export interface Dataset {
  format: DatasetFormat;
  corpus: Passage[];
  queries: Passage[];
  /** queryId -> docId -> graded relevance (> 0 is relevant). */
  qrels: Map<string, Map<string, number>>;
  /**
   * Set when queries come with their own candidate lists (FlagEmbedding format): queryId -> docIds.
   * Such queries are ranked within their list instead of against the whole corpus.
   */
  candidatesPerQuery?: Map<string, string[]>;
  /** Empty unless loaded with skipMalformed. */
  skipped: SkippedRow[];
}

export interface DatasetLoadOptions {
  /** Skip malformed rows and list them in `skipped` instead of throwing. Default false. */
  skipMalformed?: boolean;
}
