/**
 * The one vocabulary of error codes. Every error class of the project carries a `code` from this list
 * (through CodedError), so a caller, a log line or the worker boundary tells problems apart by one
 * SCREAMING_CASE word whichever part threw. A code means the same thing in every class that uses it.
 * The HTTP service maps codes to its statuses and API bodies (src/server/errors.ts, src/server/api/).
 *
 * code                     class (where thrown)
 *                          meaning
 *
 * INVALID_INPUT            InvalidInputError (engine, browser client, drop-in); ServiceError (service: 422, Cohere 400)
 *                          an argument or request field is missing, of the wrong type or out of range
 * LIMIT_EXCEEDED           LimitExceededError (engine; edge client on a 413); ServiceError (service: 413, Cohere 400)
 *                          more documents, or longer texts, than the configured limit
 * MODEL_FILE_MISSING       ModelLoadError (engine load)
 *                          a model file is absent (folder, hub, picked files)
 * MODEL_FILE_CORRUPT       ModelLoadError (engine load)
 *                          a model file cannot be read as what it should be (bad JSON, not ONNX)
 * UNSUPPORTED_MODEL        ModelLoadError (engine load)
 *                          not a one-logit cross-encoder the engine runs, or a config value it cannot use
 * MODEL_MISMATCH           ModelLoadError (engine load)
 *                          tokenizer and graph disagree (ids past the embedding rows, lengths past the position table)
 * MODEL_LOAD_FAILED        ModelLoadError (engine load); RerankerError (worker: a WebGPU session without GPU nodes)
 *                          a model file could not be downloaded, or its session not created
 * DOWNLOAD_STALLED         ModelLoadError (engine load); ConversionError (converter)
 *                          a download received nothing (headers or the next chunk) for the stall timeout
 * DOWNLOAD_FAILED          ConversionError (converter)
 *                          a download from the hub failed or came back short
 * INFERENCE_FAILED         InferenceError (engine rank and score)
 *                          a model run threw
 * OUT_OF_MEMORY            OutOfMemoryError (engine rank and score)
 *                          a model run could not allocate its memory: lower batchTokens or maxLength
 * BACKEND_LOST             RerankerError (worker; the browser client catches it)
 *                          WebGPU failed during a run, lost its device, or a run outlived its watchdog bound:
 *                          the client replaces the worker on WASM and retries once
 * DISPOSED                 RerankerError (engine, worker, edge client)
 *                          the reranker was disposed, or has no model loaded
 * ABORTED                  AbortedError (engine, client, drop-in); ConversionError; CancelledError (service: 499)
 *                          stopped through an AbortSignal: a cancel, dispose(), Ctrl-C, an HTTP client that went away
 * LOAD_STALLED             LoadStalledError (browser client)
 *                          a browser load reported no progress for loadStallMs
 * WORKER_CRASHED           WorkerCrashedError (browser client)
 *                          the worker stopped answering: it failed to start, threw outside a call, or ended
 * CONTAINER_CHANGED        ContainerChangedError (drop-in)
 *                          the result list changed while it was being reranked; nothing was moved
 * UNSUPPORTED_CHECKPOINT   ConversionError (converter)
 *                          not a one-label BERT / XLM-R sequence classifier (or custom code, or only pytorch_model.bin)
 * CHECKPOINT_FILE_MISSING  ConversionError (converter)
 *                          a file the conversion needs is absent (config.json, tokenizer.json, a shard)
 * CHECKPOINT_CORRUPT       ConversionError (converter)
 *                          a checkpoint file is malformed: bad header, offsets out of range, truncated data, bad JSON
 * TENSOR_MISSING           ConversionError (converter)
 *                          a parameter the architecture needs is not in the checkpoint
 * TENSOR_MISSHAPED         ConversionError (converter)
 *                          a parameter has another shape than config.json implies
 * VERIFY_FAILED            ConversionError (converter --verify)
 *                          an output file scores outside its bound against the reference
 * DATASET_FILE_MISSING     DatasetFormatError (eval dataset loaders)
 *                          a dataset file or folder does not exist, or is a folder where a file belongs
 * DATASET_MALFORMED        DatasetFormatError, RowError (eval dataset loaders)
 *                          a dataset file or row breaks its format
 * INDEX_CORRUPT            IndexFormatError (LexicalIndex.fromJSON)
 *                          a serialised lexical index is malformed or inconsistent
 * DUPLICATE_DOCUMENT       DuplicateDocumentError (LexicalIndex.add, addAll)
 *                          a document id already in the index, or twice in one batch
 * MALFORMED_BODY           ServiceError (service: 400)
 *                          the request body is not JSON
 * EMPTY_INPUT              ServiceError (service: 400, TEI type `empty`)
 *                          an empty query or document list
 * BODY_TOO_LARGE           ServiceError (service: 413, connection closed)
 *                          the request body is over the byte limit
 * INPUT_TOO_LONG           ServiceError (service: 413, Cohere 400)
 *                          a pair is longer than the model takes and the request forbade truncation
 * UNKNOWN_MODEL            ServiceError (service: 404)
 *                          the request names a model this server does not serve
 * UNAUTHORIZED             ServiceError (service: 401)
 *                          the API token is missing or wrong
 * OVERLOADED               OverloadedError (service: 429 with Retry-After)
 *                          the queue is full
 * UNAVAILABLE              UnavailableError (service: 503)
 *                          the model is still loading, or the server is draining for shutdown
 * REQUEST_TIMEOUT          TimeoutError (service: 503)
 *                          the request waited and ran longer than its time limit
 * INTERNAL                 ServiceError (service: 500, TEI 424)
 *                          the engine failed while serving a request
 */
/** The reranker's codes (engine, worker, browser client, drop-in): the public, documented part. */
export type RerankerErrorCode =
  | 'INVALID_INPUT'
  | 'LIMIT_EXCEEDED'
  | 'MODEL_FILE_MISSING'
  | 'MODEL_FILE_CORRUPT'
  | 'UNSUPPORTED_MODEL'
  | 'MODEL_MISMATCH'
  | 'MODEL_LOAD_FAILED'
  | 'DOWNLOAD_STALLED'
  | 'INFERENCE_FAILED'
  | 'OUT_OF_MEMORY'
  | 'BACKEND_LOST'
  | 'DISPOSED'
  | 'ABORTED'
  | 'LOAD_STALLED'
  | 'WORKER_CRASHED'
  | 'CONTAINER_CHANGED';

export type ErrorCode =
  | RerankerErrorCode
  // The converter.
  | 'DOWNLOAD_FAILED'
  | 'UNSUPPORTED_CHECKPOINT'
  | 'CHECKPOINT_FILE_MISSING'
  | 'CHECKPOINT_CORRUPT'
  | 'TENSOR_MISSING'
  | 'TENSOR_MISSHAPED'
  | 'VERIFY_FAILED'
  // Eval datasets and the lexical index.
  | 'DATASET_FILE_MISSING'
  | 'DATASET_MALFORMED'
  | 'INDEX_CORRUPT'
  | 'DUPLICATE_DOCUMENT'
  // The edge rerank service.
  | 'MALFORMED_BODY'
  | 'EMPTY_INPUT'
  | 'BODY_TOO_LARGE'
  | 'INPUT_TOO_LONG'
  | 'UNKNOWN_MODEL'
  | 'UNAUTHORIZED'
  | 'OVERLOADED'
  | 'UNAVAILABLE'
  | 'REQUEST_TIMEOUT'
  | 'INTERNAL';
