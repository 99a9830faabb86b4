/**
 * Why a checkpoint cannot be converted. Each error names the file and, where one is at fault, the
 * tensor, so a user can tell a wrong download from an unsupported model. The codes and their meanings
 * are in the project's vocabulary (src/errors/error-codes.ts).
 */
import { CodedError } from '../errors/coded-error.js';

export type ConversionErrorCode =
  | 'UNSUPPORTED_CHECKPOINT'
  | 'CHECKPOINT_FILE_MISSING'
  | 'CHECKPOINT_CORRUPT'
  | 'TENSOR_MISSING'
  | 'TENSOR_MISSHAPED'
  | 'DOWNLOAD_FAILED'
  | 'DOWNLOAD_STALLED'
  | 'VERIFY_FAILED'
  | 'ABORTED';

export class ConversionError extends CodedError<ConversionErrorCode> {
  override name = 'ConversionError';
  readonly file?: string;
  readonly tensor?: string;
  constructor(
    code: ConversionErrorCode,
    message: string,
    options: { file?: string; tensor?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    if (options.file !== undefined) this.file = options.file;
    if (options.tensor !== undefined) this.tensor = options.tensor;
  }
}
