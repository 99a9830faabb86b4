/**
 * Test seam (WorkerLoadRequest.simulateWorkerFault): ways a worker stops while a call waits on it, made
 * real in the worker so that the page's recovery is the product's own. Each starts in a task of its own,
 * after the call has begun: the call is pending in the worker when the fault strikes.
 */
/**
 * @internal `stuck-loading` holds the worker's thread while the model loads, as Firefox did now and then
 * right after onnxruntime's loader was imported (see client/create-reranker.ts: one fresh try).
 */
export type WorkerFault = 'close' | 'throw' | 'stuck' | 'heap-exhaustion' | 'stuck-loading';

/** @internal Holds the thread for good: what a load that hangs inside onnxruntime's start looks like. */
export function holdThread(): never {
  for (;;);
}

/** @internal */
export function strikeFault(fault: WorkerFault): void {
  setTimeout(() => {
    if (fault === 'close') (self as unknown as { close(): void }).close(); // ends the context; no event fires
    if (fault === 'throw') throw new Error('simulated uncaught error in the reranker worker');
    if (fault === 'stuck') holdThread(); // never yields again
    if (fault === 'heap-exhaustion') exhaustHeap();
  });
}

/** @internal Where exhaustHeap reports how many objects it holds, so a test sees the allocation stop at the limit. */
export const HEAP_EXHAUSTION_CHANNEL = 'ko-rerank-simulated-heap-exhaustion';

/** Small live objects until the engine's JS heap limit: V8 then ends the process, Firefox spins in GC. */
function exhaustHeap(): never {
  const progress = new BroadcastChannel(HEAP_EXHAUSTION_CHANNEL);
  const hoard: unknown[] = [];
  for (let n = 1; ; n++) {
    hoard.push({ n, pair: [n, n + 1], text: `hoard ${n}` });
    if (n % 100_000 === 0) progress.postMessage(n);
  }
}
