/**
 * Soak check of the engine: 50 concurrent rank() calls must equal the same calls made one by one,
 * and 1,000 ranks must not grow memory. Prints the numbers and writes bench/results/soak.json.
 *
 *   npx tsx bench/soak.ts [--model models/tiny-xlmr] [--ranks 1000]
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { Reranker } from '../src/engine/index.js';
import { SAMPLE_CORPUS } from '../src/demo/sample-corpus-data.js';
import { PRESETS } from '../src/model-builder/presets.js';
import { writeCrossEncoder } from '../src/model-builder/write-model.js';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    model: { type: 'string', default: 'models/soak-tiny-xlmr' },
    ranks: { type: 'string', default: '1000' },
    dtype: { type: 'string', default: 'q8' },
  },
});
if (!existsSync(`${values.model}/config.json`))
  await writeCrossEncoder({ preset: PRESETS['tiny-xlmr'], outDir: values.model, seed: 9 });
const reranker = await Reranker.load({ model: values.model, dtype: values.dtype as 'q8', scoreCache: false }); // repeated ranks must reach the model;
const passages = SAMPLE_CORPUS.slice(0, 60).map((p) => p.text);
const queries = Array.from({ length: 50 }, (_, i) => `${SAMPLE_CORPUS[i * 3]!.text.slice(0, 20)} ${i}`);
const call = (i: number) => reranker.rank(queries[i]!, passages.slice(i % 10, (i % 10) + 30));

const sequential: Awaited<ReturnType<typeof call>>[] = [];
for (let i = 0; i < 50; i++) sequential.push(await call(i));
const concurrent = await Promise.all(Array.from({ length: 50 }, (_, i) => call(i)));
const identical = concurrent.every((result, i) => JSON.stringify(result) === JSON.stringify(sequential[i]));
console.log(`50 concurrent ranks vs the same 50 one by one: ${identical ? 'identical' : 'DIFFERENT'}`);

const ranks = Number(values.ranks);
const rss: number[] = [];
global.gc?.();
for (let i = 0; i < ranks; i++) {
  await call(i % 50);
  if (i % 100 === 99) rss.push(process.memoryUsage.rss());
}
const mb = (n: number) => (n / 1e6).toFixed(1);
console.log(
  `RSS every 100 of ${ranks} ranks (MB): ${rss.map(mb).join(', ')}; growth from the 200th to the last: ${mb(rss.at(-1)! - rss[1]!)} MB`,
);
await reranker.dispose();
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/soak.json', `${JSON.stringify({ identical, ranks, rssBytes: rss }, null, 2)}\n`);
