/**
 * Text without spaces (CJK, base64, long URLs) as one huge run (issue 10, item 4). transformers.js's
 * Unigram tokenizer spreads a run's tokens into `push(...)`, which overflows the stack past ~120k
 * tokens in Node (~80k characters in a worker). The engine tokenises in bounded pieces.
 */
import { AutoTokenizer } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { PairEncoder } from '../../src/engine/pair-encoder.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';

const HUGE = 300_000; // above the ~120k tokens where Node's stack overflowed

describe.each(['tiny-xlmr', 'tiny-bert'] as const)('%s', (preset) => {
  let reranker: Reranker;
  let encoder: PairEncoder;
  beforeAll(async () => {
    const folder = await testModel(preset);
    reranker = await Reranker.load({ model: folder, dtype: 'fp32', maxCharacters: HUGE });
    encoder = new PairEncoder(await AutoTokenizer.from_pretrained(folder));
  });
  afterAll(() => reranker.dispose());

  test.each([
    ['가', 80_000],
    ['a', 100_000],
    ['가', HUGE],
    ['a', HUGE],
  ])('"%s" x %i without spaces: rank and score give finite scores, not a stack overflow', async (character, count) => {
    const text = character.repeat(count);
    const ranked = await reranker.rank(KOREAN_QUERY, [text, KOREAN_PASSAGES[0]!], { activation: 'none' });
    expect(ranked).toHaveLength(2);
    for (const r of ranked) expect(Number.isFinite(r.score)).toBe(true);
    // The run as the query, too (it is tokenised whole, then cut to fit).
    const [asQuery] = await reranker.score([[text, KOREAN_PASSAGES[0]!]], { activation: 'none' });
    expect(Number.isFinite(asQuery)).toBe(true);
  });

  test.runIf(preset === 'tiny-xlmr')('without a limit (windows) every character of a huge run is tokenised', () => {
    const text = '가나'.repeat(HUGE / 2);
    const tokens = encoder.tokenize(text);
    expect(tokens.join('').replaceAll('▁', '')).toBe(text);
    // With a limit (truncate) only a piece is read.
    expect(encoder.tokenize(text, 500).length).toBeLessThan(10_000);
  });

  test('bounded pieces tokenise ordinary long text exactly as one piece does', () => {
    const text = [longPassage(400), ...ENGLISH_PASSAGES, 'x'.repeat(3000), '  a\n\n b  ', longPassage(100)].join(' ');
    expect(text.length).toBeGreaterThan(20_000);
    // The tokenizer's own encoding of the whole text (short runs only, so it does not overflow) is the reference.
    const core = (encoder as unknown as { core: { encode_text(t: string): string[] } }).core;
    expect(encoder.tokenize(text)).toEqual(core.encode_text(text));
  });

  test('truncate mode scores a huge passage like its first part (only enough text for maxLength is read)', async () => {
    const head = longPassage(60);
    const [full, part] = await reranker.score(
      [
        [KOREAN_QUERY, `${head} ${'가'.repeat(HUGE - head.length - 1)}`],
        [KOREAN_QUERY, head],
      ],
      { activation: 'none' },
    );
    expect(full).toBeCloseTo(part!, 5);
  });
});
