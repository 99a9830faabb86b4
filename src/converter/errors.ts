/**
 * Why a checkpoint cannot be converted. Each error names the file and, where one is at fault, the
 * tensor, so a user can tell a wrong download from an unsupported model.
 */
export type ConversionErrorCode =
  /** Not a one-label BERT / XLM-R sequence-classification checkpoint (or custom code, or only pytorch_model.bin). */
  | 'UNSUPPORTED_CHECKPOINT'
  /** A file the conversion needs is absent (config.json, tokenizer.json, a shard). */
  | 'CHECKPOINT_FILE_MISSING'
  /** A file is malformed: bad header, offsets past the end or overlapping, truncated data, bad JSON. */
  | 'CHECKPOINT_CORRUPT'
  /** A parameter the architecture needs is not in the checkpoint. */
  | 'TENSOR_MISSING'
  /** A parameter has another shape than config.json implies. */
  | 'TENSOR_MISSHAPED'
  /** A download from the hub failed or came back short. */
  | 'DOWNLOAD_FAILED'
  /** A download sent nothing (headers or the next chunk) for the stall timeout. */
  | 'DOWNLOAD_STALLED'
  /** `--verify`: an output file scores outside its bound against the reference. */
  | 'VERIFY_FAILED'
  /** Stopped through its AbortSignal (Ctrl-C in the CLI); nothing is left behind. */
  | 'ABORTED';

export class ConversionError extends Error {
  override name = 'ConversionError';
  readonly file?: string;
  readonly tensor?: string;
  constructor(
    readonly code: ConversionErrorCode,
    message: string,
    options: { file?: string; tensor?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.file !== undefined) this.file = options.file;
    if (options.tensor !== undefined) this.tensor = options.tensor;
  }
}
