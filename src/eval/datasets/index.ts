/** Loads any supported dataset, choosing the format from the path unless told. */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { loadCardCsv } from './card-csv.js';
import { DatasetFormatError } from './errors.js';
import { loadFlagJsonl } from './flag-jsonl.js';
import { loadMtebFolder } from './mteb.js';
import type { Dataset, DatasetFormat, DatasetLoadOptions } from './types.js';

/** Every format loadDataset reads. */
export const DATASET_FORMATS: readonly DatasetFormat[] = ['mteb', 'card-csv', 'flag-jsonl'];

export interface LoadDatasetOptions extends DatasetLoadOptions {
  /** Default: a folder is MTEB, *.csv the card CSV, *.jsonl / *.json FlagEmbedding JSONL. */
  format?: DatasetFormat;
}

export function detectFormat(path: string): DatasetFormat {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) throw new DatasetFormatError(path, 0, 'file or folder not found', 'DATASET_FILE_MISSING');
  if (stats.isDirectory()) return 'mteb';
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'card-csv';
  if (ext === '.jsonl' || ext === '.json') return 'flag-jsonl';
  throw new DatasetFormatError(
    path,
    0,
    'cannot tell the format from the path: pass a folder, a .csv or a .jsonl file, or name the format',
  );
}

export function loadDataset(path: string, options: LoadDatasetOptions = {}): Dataset {
  const format = options.format ?? detectFormat(path);
  switch (format) {
    case 'mteb':
      return loadMtebFolder(path, options);
    case 'card-csv':
      return loadCardCsv(path, options);
    case 'flag-jsonl':
      return loadFlagJsonl(path, options);
    default:
      throw new RangeError(`unknown dataset format ${String(format)}`);
  }
}

export { loadCardCsv, parseCardCsv } from './card-csv.js';
export { parseCsv, type CsvItem } from './csv.js';
export { DatasetFormatError } from './errors.js';
export { loadFlagJsonl } from './flag-jsonl.js';
export { loadMtebFolder } from './mteb.js';
export type { Dataset, DatasetFormat, DatasetLoadOptions, Passage, SkippedRow } from './types.js';
