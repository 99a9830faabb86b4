/**
 * Calls every reranker (engine, edge client, browser client) must refuse with InvalidInputError. The
 * arguments are plain data, so a browser test can pass them into the page unchanged.
 */
import { KOREAN_PASSAGES, KOREAN_QUERY } from '../helpers/text.js';

export interface BadCall {
  what: string;
  method: 'rank' | 'rankDetailed' | 'score';
  args: unknown[];
}

const pairs = [[KOREAN_QUERY, KOREAN_PASSAGES[0]!]];

export const BAD_CALLS: BadCall[] = [
  { what: 'options null', method: 'rank', args: [KOREAN_QUERY, KOREAN_PASSAGES, null] },
  { what: 'options a string', method: 'rank', args: [KOREAN_QUERY, KOREAN_PASSAGES, 'fast'] },
  { what: 'options an array', method: 'rank', args: [KOREAN_QUERY, KOREAN_PASSAGES, []] },
  { what: 'signal {}', method: 'rank', args: [KOREAN_QUERY, KOREAN_PASSAGES, { signal: {} }] },
  { what: 'signal a string', method: 'rank', args: [KOREAN_QUERY, KOREAN_PASSAGES, { signal: 'stop' }] },
  { what: 'topK 0', method: 'rank', args: [KOREAN_QUERY, KOREAN_PASSAGES, { topK: 0 }] },
  { what: 'activation relu', method: 'rank', args: [KOREAN_QUERY, KOREAN_PASSAGES, { activation: 'relu' }] },
  { what: 'query 42', method: 'rank', args: [42, KOREAN_PASSAGES] },
  { what: 'documents a string', method: 'rank', args: [KOREAN_QUERY, 'one passage'] },
  { what: 'documents[1] null', method: 'rank', args: [KOREAN_QUERY, [KOREAN_PASSAGES[0], null]] },
  { what: 'options null', method: 'rankDetailed', args: [KOREAN_QUERY, KOREAN_PASSAGES, null] },
  { what: 'signal {}', method: 'rankDetailed', args: [KOREAN_QUERY, KOREAN_PASSAGES, { signal: {} }] },
  { what: 'onPartial 1', method: 'rankDetailed', args: [KOREAN_QUERY, KOREAN_PASSAGES, { onPartial: 1 }] },
  { what: 'options null', method: 'score', args: [pairs, null] },
  { what: 'signal {}', method: 'score', args: [pairs, { signal: {} }] },
  { what: 'pairs an object', method: 'score', args: [{ 0: pairs[0] }] },
  { what: 'a pair of one', method: 'score', args: [[[KOREAN_QUERY]]] },
];

/** How a call ended, as comparable data: null when it resolved. */
export async function outcome(
  call: () => Promise<unknown>,
): Promise<{ name: string; code: unknown; message: string } | null> {
  try {
    await call();
    return null;
  } catch (error) {
    const e = error as Error & { code?: unknown };
    return { name: e.name, code: e.code, message: e.message };
  }
}
