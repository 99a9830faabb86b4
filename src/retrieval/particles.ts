/**
 * Light Korean suffix stripping: removes a trailing particle (josa) or a common predicate ending
 * from a Hangul word, so "한국은행이" and "한국은행의" both index as "한국은행".
 * Dictionary-free on purpose: a morphological analyser is too heavy to ship to a browser.
 */

/** Particles (josa), alone and stacked. */
const PARTICLES = [
  '이',
  '가',
  '은',
  '는',
  '을',
  '를',
  '의',
  '에',
  '와',
  '과',
  '도',
  '만',
  '로',
  '으로',
  '께',
  '에서',
  '에게',
  '께서',
  '한테',
  '까지',
  '부터',
  '보다',
  '처럼',
  '마다',
  '조차',
  '밖에',
  '이나',
  '나',
  '이며',
  '며',
  '이고',
  '이란',
  '란',
  '이라는',
  '라는',
  '이라고',
  '라고',
  '로서',
  '으로서',
  '로써',
  '으로써',
  '에는',
  '에서는',
  '으로는',
  '로는',
  '에도',
  '에서도',
  '과의',
  '와의',
  '에서의',
  '으로의',
  '로의',
  '에의',
  '과는',
  '와는',
  '까지의',
  '부터의',
  '만의',
  '이든',
  '든',
  '이라도',
  '라도',
  '에게는',
  '에게서',
  '들',
  '들이',
  '들은',
  '들을',
  '들의',
  '들에',
  '들과',
  '들도',
  '들에게',
  '들로',
];

/** Light predicate endings (하다/되다/이다 families) that dominate questions and formal prose. */
const ENDINGS = [
  '하다',
  '한다',
  '하는',
  '하고',
  '하여',
  '해서',
  '하며',
  '하면',
  '하기',
  '하지',
  '한',
  '할',
  '함',
  '했다',
  '했던',
  '합니다',
  '했습니다',
  '하였다',
  '하였습니다',
  '하였으며',
  '했으며',
  '하십시오',
  '하시오',
  '해주세요',
  '해',
  '해야',
  '되다',
  '된다',
  '되는',
  '되고',
  '되어',
  '되며',
  '되면',
  '되기',
  '된',
  '될',
  '됨',
  '됐다',
  '되었다',
  '됩니다',
  '되었습니다',
  '이다',
  '입니다',
  '인',
  '인가',
  '인가요',
  '인지',
  '이었다',
  '였다',
  '이며',
  '이고',
  '이면',
  '나요',
  '가요',
  '까요',
  '습니까',
  '습니다',
  '니다',
  '는지',
  '은지',
];

/** Which suffixes to strip: none, particles only, or particles and light predicate endings. */
export type SuffixSet = 'keep' | 'particles' | 'all';

const longestFirst = (list: readonly string[]): string[] => [...new Set(list)].sort((a, b) => b.length - a.length);
const BY_SET: Record<Exclude<SuffixSet, 'keep'>, string[]> = {
  particles: longestFirst(PARTICLES),
  all: longestFirst([...PARTICLES, ...ENDINGS]),
};

/**
 * Strips the longest known suffix that leaves at least `minStem` syllables.
 * One pass only: stacked forms are listed explicitly instead of stripping repeatedly,
 * which would eat into stems such as "나이" or "기관".
 */
export function stripKoreanSuffix(word: string, set: SuffixSet = 'all', minStem = 2): string {
  if (set === 'keep') return word;
  for (const suffix of BY_SET[set]) {
    if (word.length - suffix.length >= minStem && word.endsWith(suffix)) {
      return word.slice(0, word.length - suffix.length);
    }
  }
  return word;
}
