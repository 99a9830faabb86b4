/**
 * The app's own first stage: a MiniSearch index of the sample corpus. MiniSearch splits on spaces, and
 * Korean glues particles to words ('기준금리는'), so words are indexed as overlapping character pairs
 * ('기준', '준금', '금리', ...): a query then meets its words whatever ending they carry.
 */
import MiniSearch, { type Options } from 'minisearch';
import type { SamplePassage } from '../../src/demo/corpus/types.js';

function characterPairs(text: string): string[] {
  const pairs: string[] = [];
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word.length < 2) pairs.push(word);
    for (let i = 0; i + 2 <= word.length; i++) pairs.push(word.slice(i, i + 2));
  }
  return pairs.filter(Boolean);
}

export const SEARCH_OPTIONS: Options<SamplePassage> = {
  fields: ['title', 'text'],
  storeFields: ['title', 'text'],
  tokenize: characterPairs,
  searchOptions: { boost: { title: 2 } },
};

/** The first `limit` hits for a query, best first by MiniSearch's score. */
export function firstStage(index: MiniSearch<SamplePassage>, query: string, limit: number) {
  return index
    .search(query)
    .slice(0, limit)
    .map((hit) => ({ id: String(hit.id), title: String(hit['title']), text: String(hit['text']) }));
}

export function buildIndex(passages: SamplePassage[]): MiniSearch<SamplePassage> {
  const index = new MiniSearch(SEARCH_OPTIONS);
  index.addAll(passages);
  return index;
}
