/**
 * Test seam (`traceLoad`): the worker's load steps and resource fetches, posted on a BroadcastChannel
 * that a test page listens to (the console of a worker reaches Firefox's driver only in part). Firefox
 * and WebKit now and then leave a load unanswered in CI; the harness prints the page's trace of a call
 * that hangs, and these lines say what the worker was still waiting for.
 */
export const LOAD_TRACE_CHANNEL = 'ko-rerank-load-trace';

let channel: BroadcastChannel | null = null;

/** The dev server's modules of the worker's own graph: not what a hang waits for, and many. */
const SCRIPT_MODULE = /\/(src|node_modules\/\.vite)\/|\?(import|url|worker_file)\b/;

export function traceLoadSteps(): void {
  if (channel || typeof BroadcastChannel === 'undefined') return;
  channel = new BroadcastChannel(LOAD_TRACE_CHANNEL);
  // Ticks keep coming while the worker's event loop turns: a hang with ticks waits on a promise, one
  // without them is a thread held by synchronous work.
  setInterval(() => traceStep('tick'), 5_000);
  if (typeof PerformanceObserver === 'undefined') return;
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if (!SCRIPT_MODULE.test(entry.name)) traceStep(`fetched ${entry.name} in ${Math.round(entry.duration)} ms`);
    }).observe({ type: 'resource' });
  } catch {
    // no resource timing in this worker: the steps alone
  }
}

/** A step of the load, posted when `traceLoad` was asked for. */
export function traceStep(step: string): void {
  channel?.postMessage(`worker ${Math.round(performance.now())} ${step}`);
}
