/**
 * Test seam (`traceLoad`): the worker's resource fetches, as they end, on the console. Firefox and WebKit
 * now and then leave a load unanswered in CI; the browser harness prints the console lines of a call that
 * hangs, and these say which file the worker was still waiting for.
 */
let tracing = false;

export function traceLoadSteps(): void {
  if (tracing || typeof PerformanceObserver === 'undefined') return;
  tracing = true;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      console.warn(
        `[worker trace] ${Math.round(entry.startTime + entry.duration)} fetched ${entry.name} in ${Math.round(entry.duration)} ms`,
      );
  });
  try {
    observer.observe({ type: 'resource', buffered: true });
  } catch {
    tracing = false; // no resource timing in this worker
  }
}

/** A step of the load, traced when `traceLoad` was asked for. */
export function traceStep(step: string): void {
  if (tracing) console.warn(`[worker trace] ${Math.round(performance.now())} ${step}`);
}
