import { RerankerError } from '../engine/errors.js';

/**
 * The list changed while the model was scoring it (items added, removed, reordered, or their text
 * edited). Reranking would then place stale scores on the wrong items, so nothing is moved.
 */
export class ContainerChangedError extends RerankerError {
  override name = 'ContainerChangedError';
  declare readonly code: 'CONTAINER_CHANGED';
  constructor(message: string) {
    super(
      'CONTAINER_CHANGED',
      `the result list changed while it was being reranked, so it was left as it is: ${message}`,
    );
  }
}
