/**
 * Reranks result elements already on a page, in place:
 *
 *   const reranker = await createReranker({ model: 'onnx-community/bge-reranker-v2-m3-ONNX' });
 *   await rerankElements(document.querySelector('#results')!, query, { reranker, topK: 10 });
 *
 * The existing nodes are moved, never rebuilt; item text is only ever read as text.
 */
import { type BrowserReranker, type CreateRerankerOptions, createReranker } from '../client/create-reranker.js';
import { AbortedError, InvalidInputError } from '../engine/errors.js';
import { errorMessage } from '../errors/error-message.js';
import type { RankOptions, RankReport, RankedDocument } from '../engine/types.js';
import { positiveInteger } from '../engine/validation.js';
import { applyOrder } from './dom-move.js';
import { ContainerChangedError } from './errors.js';
import { candidatePositions, planOrder } from './order.js';

export interface RerankElementsOptions extends Omit<RankOptions, 'topK' | 'returnDocuments' | 'signal'> {
  /** A reranker from createReranker (kept open), or options to create one for this call (disposed after it). */
  reranker: BrowserReranker | CreateRerankerOptions;
  /** Which elements inside the container are the results. Default: the container's element children. */
  selector?: string;
  /** How to read an item's text. Default: its textContent with whitespace collapsed. */
  text?: (element: Element) => string;
  /** Only the best `topK` move to the front, by score; the other items keep their relative order after them. */
  topK?: number;
  /** Score only the first `limit` items; the items after them are not sent to the model and stay last, in order. */
  limit?: number;
  signal?: AbortSignal;
  /** Write each score to this attribute (a `data-*` name), e.g. `data-rerank-score`. Unscored items lose it. */
  scoreAttribute?: string;
  /**
   * Reorder the list after every model run, not only at the end: items are scored in page order, a slice
   * at a time, and the items not scored yet stay after the scored ones in their page order. Worth it for
   * real-size models on WASM, where a full rerank takes seconds.
   */
  progressive?: boolean;
  /** With `progressive`, called after each partial reorder (the final one is the returned result). */
  onPartial?: (partial: RerankElementsResult) => void;
}

export interface RerankedElement {
  element: Element;
  /** Position before reranking. */
  index: number;
  score: number;
}

export interface RerankElementsResult {
  /** The items in their new order. */
  items: Element[];
  /** `order[k]` is the old position of the item now at position k. */
  order: number[];
  /** The items placed by score, best first (at most topK). */
  reranked: RerankedElement[];
  /** The score of every item sent to the model. */
  scores: Map<Element, number>;
  /** How many positions changed. */
  moved: number;
}

export const defaultText = (element: Element): string => (element.textContent ?? '').replace(/\s+/g, ' ').trim();

const SCORE_ATTRIBUTE = /^data-[a-z0-9_.-]+$/i;

export async function rerankElements(
  container: Element,
  query: string,
  options: RerankElementsOptions,
): Promise<RerankElementsResult> {
  const {
    reranker: given,
    selector,
    text = defaultText,
    topK,
    limit,
    signal,
    scoreAttribute,
    progressive,
    onPartial,
    ...rankOptions
  } = options;
  if (!container || typeof (container as Partial<Element>).querySelectorAll !== 'function')
    throw new InvalidInputError('container must be a DOM element');
  if (typeof text !== 'function') throw new InvalidInputError('text must be a function (element) => string');
  if (scoreAttribute !== undefined && !SCORE_ATTRIBUTE.test(scoreAttribute)) {
    throw new InvalidInputError(
      `scoreAttribute must be a data-* attribute name, got ${JSON.stringify(scoreAttribute)}`,
    );
  }
  if (onPartial !== undefined && typeof onPartial !== 'function')
    throw new InvalidInputError('onPartial must be a function');
  if (signal?.aborted) throw new AbortedError();

  const items = readItems(container, selector);
  const candidates = candidatePositions(items.length, limit);
  positiveInteger('topK', topK, 1); // before any work
  const readTexts = () => candidates.map((i) => readText(text, items[i]!, i));
  const texts = readTexts();
  if (items.length === 0) return { items, order: [], reranked: [], scores: new Map(), moved: 0 };

  const ownReranker = isReranker(given) ? null : await createReranker(given);
  const reranker = ownReranker ?? (given as BrowserReranker);
  /** The items in the order this call last put them (a partial reorder moves them). */
  let shown = items;
  /** Puts the list in the order these scores call for; synchronous, so the page cannot interleave. */
  const reorder = (ranked: RankedDocument[]): RerankElementsResult => {
    checkUnchanged(container, selector, shown, texts, readTexts);
    const plan = planOrder(items.length, ranked, { topK });
    if (scoreAttribute) {
      items.forEach((item, i) => {
        const score = plan.scores[i];
        if (score === undefined) item.removeAttribute(scoreAttribute);
        else item.setAttribute(scoreAttribute, String(score));
      });
    }
    const target = plan.order.map((i) => items[i]!);
    // Moves are from where the items stand now: after a partial, that is no longer the page order.
    const standing = new Map(shown.map((item, k) => [item, k]));
    applyOrder(
      shown,
      target.map((item) => standing.get(item)!),
    );
    shown = target;
    const moved = target.filter((item, k) => item !== items[k]).length;
    return {
      items: target,
      order: plan.order,
      reranked: plan.reranked.map(({ index, score }) => ({ element: items[index]!, index, score })),
      scores: new Map(ranked.map(({ index, score }) => [items[index]!, score])),
      moved,
    };
  };
  // A partial that finds the list changed stops the call: the error is thrown once the call has settled.
  const stop = new AbortController();
  const combined = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  let partialError: unknown = null;
  const showPartial = (partial: RankReport) => {
    if (partialError || combined.aborted) return;
    try {
      const result = reorder(partial.results);
      onPartial?.(result);
    } catch (error) {
      partialError = error;
      stop.abort();
    }
  };
  let ranked: RankedDocument[];
  try {
    ranked = progressive
      ? (await reranker.rankDetailed(query, texts, { ...rankOptions, signal: combined, onPartial: showPartial }))
          .results
      : await reranker.rank(query, texts, { ...rankOptions, signal });
  } catch (error) {
    throw partialError ?? error;
  } finally {
    await ownReranker?.dispose();
  }
  if (partialError) throw partialError;
  // Everything below is synchronous: the page cannot change the list between the check and the moves.
  if (signal?.aborted) throw new AbortedError();
  return reorder(ranked);
}

function isReranker(value: unknown): value is BrowserReranker {
  return typeof (value as Partial<BrowserReranker> | undefined)?.rank === 'function';
}

function readItems(container: Element, selector: string | undefined): Element[] {
  let items: Element[];
  if (selector === undefined) return Array.from(container.children);
  try {
    items = Array.from(container.querySelectorAll(selector));
  } catch (error) {
    throw new InvalidInputError(
      `selector ${JSON.stringify(selector)} is not a valid CSS selector: ${errorMessage(error)}`,
    );
  }
  // An item inside another item would move with it and break the positions.
  const set = new Set(items);
  for (const item of items) {
    for (let node = item.parentElement; node && node !== container; node = node.parentElement) {
      if (set.has(node))
        throw new InvalidInputError(`selector ${JSON.stringify(selector)} matches items nested inside other items`);
    }
  }
  return items;
}

function readText(text: (element: Element) => string, element: Element, position: number): string {
  const value = text(element);
  if (typeof value !== 'string')
    throw new InvalidInputError(
      `text() must return a string, got ${value === null ? 'null' : typeof value} for item ${position}`,
    );
  return value;
}

function checkUnchanged(
  container: Element,
  selector: string | undefined,
  items: Element[],
  texts: string[],
  readTexts: () => string[],
): void {
  const now = readItems(container, selector);
  if (now.length !== items.length)
    throw new ContainerChangedError(`it had ${items.length} items and now has ${now.length}`);
  const moved = now.findIndex((item, i) => item !== items[i]);
  if (moved >= 0) throw new ContainerChangedError(`item ${moved} was replaced or moved`);
  const textsNow = readTexts();
  const edited = textsNow.findIndex((t, i) => t !== texts[i]);
  if (edited >= 0) throw new ContainerChangedError(`the text of item ${edited} was edited`);
}
