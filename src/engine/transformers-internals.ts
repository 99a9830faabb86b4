/**
 * Every place the engine reaches past transformers.js's documented API, in one file. Written against
 * @huggingface/transformers 4.3.1, which package.json pins exactly: these fields are undocumented (or,
 * for `_tokenizer`, private) and any release may rename them. After an upgrade, the checks here fail
 * at load with a message naming the field, and test/engine/transformers-internals.test.ts fails first.
 */
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers';
import { Tensor } from '@huggingface/transformers';

/** The onnxruntime InferenceSession transformers.js built for a model (the parts we use). */
export interface OrtSession {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>, options: { logSeverityLevel: 4 }): Promise<Record<string, OrtTensor>>;
}

/** An onnxruntime tensor, as transformers.js wraps it. */
export type OrtTensor = Tensor['ort_tensor'];

/** The tokenizer core (@huggingface/tokenizers' Tokenizer) under a transformers.js tokenizer (the parts we use). */
export interface TokenizerCore {
  encode_text(text: string | null): string[] | null;
  post_processor:
    | ((a: string[], b: string[] | null, addSpecialTokens: boolean) => { tokens: string[]; token_type_ids?: number[] })
    | null;
  token_to_id(token: string): number | undefined;
  model: { unk_token_id?: number };
}

function drifted(what: string): Error {
  return new Error(`this @huggingface/transformers version does not expose ${what} (written against 4.3.1)`);
}

/**
 * `model.sessions['model']`: the session is run directly (session-run.ts) because transformers.js's run
 * wrapper prints every input tensor, the user's token ids, with console.error when a run fails.
 */
export function modelSession(model: PreTrainedModel): OrtSession {
  const session = (model.sessions as Record<string, Partial<OrtSession> | undefined>)['model'];
  if (typeof session?.run !== 'function' || !Array.isArray(session.inputNames)) {
    throw drifted('the onnxruntime session as model.sessions.model');
  }
  return session as OrtSession;
}

/**
 * The graph's input names (from the session above): whether to feed `token_type_ids` is ours to decide,
 * since the run bypasses the forward pass where transformers.js decides it.
 */
export function modelInputNames(model: PreTrainedModel): readonly string[] {
  return modelSession(model).inputNames;
}

/** `tensor.ort_tensor`: the onnxruntime tensor a transformers.js Tensor wraps, fed to the session directly. */
export function toOrtTensor(tensor: Tensor): OrtTensor {
  return tensor.ort_tensor;
}

/** The session's outputs back as transformers.js Tensors (its constructor's documented one-argument form). */
export function fromOrtTensor(tensor: OrtTensor): Tensor {
  return new Tensor(tensor);
}

/**
 * `tokenizer._tokenizer` (private): the core's `encode_text`, `post_processor` and `token_to_id` let each
 * side of a pair be tokenized on its own, in bounded pieces, and fitted before the pair template adds the
 * special tokens. The public call truncates the joined pair from its end, dropping the closing separator
 * and possibly the query (see pair-encoder.ts).
 */
export function tokenizerCore(tokenizer: PreTrainedTokenizer): TokenizerCore {
  const core = (tokenizer as unknown as { _tokenizer?: Partial<TokenizerCore> })._tokenizer;
  if (!core || typeof core.encode_text !== 'function' || typeof core.token_to_id !== 'function' || !core.model) {
    throw drifted('the tokenizer core as tokenizer._tokenizer');
  }
  return core as TokenizerCore;
}
