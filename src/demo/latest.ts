/**
 * "Latest request wins": every user action that replaces an earlier one (a new search, a new corpus
 * choice) begins a turn, which aborts the previous turn. Async work checks `isCurrent()` before it
 * touches the page, so a cancelled or superseded request can finish in the background but never paints.
 */
export interface Turn {
  /** Aborted when a newer turn begins or the turn is cancelled; pass it to cancellable work. */
  readonly signal: AbortSignal;
  /** True until a newer turn begins or this one is cancelled. */
  isCurrent(): boolean;
}

export class LatestWins {
  private current: AbortController | null = null;

  begin(): Turn {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    return { signal: controller.signal, isCurrent: () => this.current === controller && !controller.signal.aborted };
  }

  /** Cancels the current turn, if any (the cancel button). Returns whether there was one. */
  cancel(): boolean {
    const had = this.current !== null && !this.current.signal.aborted;
    this.current?.abort();
    this.current = null;
    return had;
  }

  /** Marks a turn as finished, so a later cancel() has nothing to cancel. */
  finish(turn: Turn): void {
    if (turn.isCurrent()) this.current = null;
  }

  get busy(): boolean {
    return this.current !== null && !this.current.signal.aborted;
  }
}
