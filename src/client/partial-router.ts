/**
 * Delivers the partial rankings a worker posts on its own port (see PartialMessage) to the call that
 * asked for them, by request id; one router serves every worker a reranker starts, as a call retried
 * on a replacement worker keeps its id.
 */
import type { RankReport } from '../engine/types.js';
import { isPartialMessage } from '../worker/protocol.js';

export class PartialRouter {
  private readonly listeners = new Map<number, (report: RankReport) => void>();

  attach(worker: Worker): void {
    worker.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (isPartialMessage(event.data)) this.listeners.get(event.data.partialOf)?.(event.data.report);
    });
  }

  /** Sends call `requestId`'s partials to `listener` until the returned function is called. */
  expect(requestId: number, listener: (report: RankReport) => void): () => void {
    this.listeners.set(requestId, listener);
    return () => this.listeners.delete(requestId);
  }
}
