/**
 * `<rerank-results query="..." model="...">`: its light-DOM results are reranked in place whenever it is
 * connected or `query` changes. Attributes: query, model, remote-host, selector (default: its element
 * children, e.g. `:scope > ul > li` for a wrapped list), top-k, limit. Set the `reranker` property to share
 * one reranker between elements; otherwise the element creates one from `model` and disposes it when it
 * leaves the page. Scores are written to `data-rerank-score`. Fires `rerank` (detail: the result) or
 * `rerank-error` (detail: the error). Register it with defineRerankResults().
 */
import { type BrowserReranker, createReranker } from '../client/create-reranker.js';
import { type RerankElementsResult, rerankElements } from './rerank-elements.js';

// A plain base outside browsers, so importing the library in Node or during SSR does not throw.
const Base = (globalThis.HTMLElement ?? class {}) as typeof HTMLElement;

export class RerankResultsElement extends Base {
  static observedAttributes = ['query', 'model', 'remote-host', 'selector', 'top-k', 'limit'];
  #reranker: BrowserReranker | null = null;
  #own: { key: string; reranker: Promise<BrowserReranker> } | null = null;
  #running: AbortController | null = null;
  #scheduled = false;

  constructor() {
    super();
    // A page may set `reranker` before the element is defined: that left an own property on the plain
    // element, which would hide the accessor below. Move it behind the accessor.
    if (Object.hasOwn(this, 'reranker')) {
      const value = (this as { reranker?: BrowserReranker | null }).reranker ?? null;
      delete (this as { reranker?: unknown }).reranker;
      this.#reranker = value;
    }
  }

  /** A reranker to use instead of one created from the `model` attribute; the element never disposes it. */
  get reranker(): BrowserReranker | null {
    return this.#reranker;
  }

  set reranker(value: BrowserReranker | null) {
    this.#reranker = value;
  }

  connectedCallback(): void {
    this.#schedule();
  }

  disconnectedCallback(): void {
    this.#running?.abort();
    this.#disposeOwn();
  }

  attributeChangedCallback(): void {
    if (this.isConnected) this.#schedule();
  }

  /** Reranks now (a run in progress is aborted). Resolves to null when there is no query. */
  async rerank(): Promise<RerankElementsResult | null> {
    this.#running?.abort();
    const query = this.getAttribute('query')?.trim();
    if (!query) return null;
    const running = (this.#running = new AbortController());
    const reranker = this.reranker ?? (await this.#ownReranker());
    try {
      return await rerankElements(this, query, {
        reranker,
        selector: this.getAttribute('selector') ?? undefined,
        topK: numberAttribute(this, 'top-k'),
        limit: numberAttribute(this, 'limit'),
        signal: running.signal,
        scoreAttribute: 'data-rerank-score',
      });
    } finally {
      if (this.#running === running) this.#running = null;
    }
  }

  // Several attributes set in one task give one run, after all of them are set.
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (!this.isConnected) return;
      this.rerank().then(
        (result) => result && this.dispatchEvent(new CustomEvent('rerank', { detail: result })),
        (error: unknown) => {
          // A run replaced by a newer one is not an error worth reporting.
          if ((error as { name?: string }).name !== 'AbortError')
            this.dispatchEvent(new CustomEvent('rerank-error', { detail: error }));
        },
      );
    });
  }

  #ownReranker(): Promise<BrowserReranker> {
    const model = this.getAttribute('model');
    if (!model) return Promise.reject(new Error('<rerank-results> needs a model attribute or a reranker property'));
    const remoteHost = this.getAttribute('remote-host') ?? undefined;
    const key = `${model}\n${remoteHost ?? ''}`;
    if (this.#own?.key !== key) {
      this.#disposeOwn();
      this.#own = { key, reranker: createReranker({ model, remoteHost }) };
    }
    return this.#own.reranker;
  }

  #disposeOwn(): void {
    this.#own?.reranker.then((r) => r.dispose()).catch(() => undefined);
    this.#own = null;
  }
}

function numberAttribute(element: Element, name: string): number | undefined {
  const value = element.getAttribute(name);
  return value === null || value.trim() === '' ? undefined : Number(value);
}

export function defineRerankResults(tagName = 'rerank-results'): void {
  if (!customElements.get(tagName)) customElements.define(tagName, RerankResultsElement);
}
