/** Errors for malformed dataset rows, and the throw-or-record policy every loader shares. */
import { readFileSync } from 'node:fs';
import { CodedError } from '../../errors/coded-error.js';
import type { SkippedRow } from './types.js';

export class DatasetFormatError extends CodedError<'DATASET_MALFORMED' | 'DATASET_FILE_MISSING'> {
  override name = 'DatasetFormatError';
  constructor(
    readonly file: string,
    /** 1-based line where the offending row starts (0 when the problem is the file as a whole). */
    readonly line: number,
    readonly reason: string,
    code: 'DATASET_MALFORMED' | 'DATASET_FILE_MISSING' = 'DATASET_MALFORMED',
  ) {
    super(code, line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

/** A dataset file's text; a missing file is a DatasetFormatError naming it, not a raw ENOENT. */
export function readDatasetFile(file: string, hint = ''): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new DatasetFormatError(file, 0, `file not found${hint}`, 'DATASET_FILE_MISSING');
    if (code === 'EISDIR')
      throw new DatasetFormatError(file, 0, `is a folder, not a file${hint}`, 'DATASET_FILE_MISSING');
    throw error;
  }
}

/** Thrown by row validators; the loader adds the file and line. */
export class RowError extends CodedError<'DATASET_MALFORMED'> {
  override name = 'RowError';
  constructor(message: string) {
    super('DATASET_MALFORMED', message);
  }
}

/** Throws on a malformed row, or records it when skipping is allowed. Nothing is dropped silently. */
export class MalformedRowPolicy {
  readonly skipped: SkippedRow[] = [];
  constructor(private readonly skipMalformed: boolean) {}

  report(file: string, line: number, reason: string): void {
    if (!this.skipMalformed) throw new DatasetFormatError(file, line, reason);
    this.skipped.push({ file, line, reason });
  }

  /** Runs one row's handler; a RowError becomes a report, anything else propagates. */
  guard(file: string, line: number, handle: () => void): void {
    try {
      handle();
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      this.report(file, line, error.message);
    }
  }
}
