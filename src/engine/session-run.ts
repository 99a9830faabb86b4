/**
 * Runs the model's onnxruntime session directly, without transformers.js's run wrapper, for privacy:
 * when a run fails, that wrapper prints every input tensor (the token ids of the user's query and
 * passages) with console.error, and onnxruntime logs the failing kernel's message, which can quote a
 * token id. Here the failure only travels in the thrown error, and the run's own log level is FATAL.
 */
import type { PreTrainedModel, Tensor } from '@huggingface/transformers';
import { type OrtTensor, fromOrtTensor, modelSession, toOrtTensor } from './transformers-internals.js';

/** In browsers onnxruntime-web runs one session at a time (transformers.js chains its runs the same way). */
let webRuns: Promise<unknown> = Promise.resolve();
const isNode =
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

export async function runSession(
  model: PreTrainedModel,
  feeds: Record<string, Tensor>,
): Promise<Record<string, Tensor>> {
  const session = modelSession(model);
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([name, tensor]) => [name, toOrtTensor(tensor)]));
  const run = () => session.run(ortFeeds, { logSeverityLevel: 4 });
  let outputs: Record<string, OrtTensor>;
  if (isNode) {
    outputs = await run();
  } else {
    const result = webRuns.then(run, run);
    webRuns = result.catch(() => undefined); // one failed run must not fail the ones queued after it
    outputs = await result;
  }
  return Object.fromEntries(Object.entries(outputs).map(([name, ortTensor]) => [name, fromOrtTensor(ortTensor)]));
}
