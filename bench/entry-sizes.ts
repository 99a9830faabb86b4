/**
 * What each package entry adds to an app's bundle: every entry bundled on its own by Vite (minified,
 * es2022), its framework packages left external as an app that already uses them has them, then raw and
 * gzip bytes. The adapters side by side with the main browser entry, whose worker and onnxruntime's wasm
 * are separate files loaded only when a reranker is created.
 *
 *   npm run bench:entry-sizes
 *
 * Prints a table and writes bench/results/entry-sizes.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Rollup, build } from 'vite';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

parseCommandLine(headerUsage(import.meta.url), { options: {} }); // --help, and no unknown flag passes silently

const ENTRIES = [
  { entry: 'ko-rerank-web/ai-sdk', file: 'src/entry/ai-sdk.ts', external: ['@ai-sdk/provider'] },
  { entry: 'ko-rerank-web/langchain', file: 'src/entry/langchain.ts', external: [/^@langchain\/core/] },
  { entry: 'ko-rerank-web (browser)', file: 'src/entry/browser.ts', external: [] },
];

interface Size {
  entry: string;
  jsBytes: number;
  jsGzipBytes: number;
  /** Files emitted beside the entry (the worker, wasm), loaded on demand. */
  otherFiles: number;
  otherBytes: number;
}

async function measure({ entry, file, external }: (typeof ENTRIES)[number]): Promise<Size> {
  const output = (await build({
    configFile: false,
    logLevel: 'error',
    publicDir: false,
    worker: { format: 'es' },
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      assetsInlineLimit: 0,
      modulePreload: false,
      rollupOptions: { input: file, external, preserveEntrySignatures: 'strict' },
    },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const files = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output);
  const main = files.find((f): f is Rollup.OutputChunk => f.type === 'chunk' && f.isEntry)!;
  const others = files.filter((f) => f !== main);
  const bytes = (f: Rollup.OutputChunk | Rollup.OutputAsset) =>
    f.type === 'chunk' ? Buffer.byteLength(f.code) : Buffer.from(f.source).byteLength;
  return {
    entry,
    jsBytes: bytes(main),
    jsGzipBytes: gzipSync(main.code).byteLength,
    otherFiles: others.length,
    otherBytes: others.reduce((sum, f) => sum + bytes(f), 0),
  };
}

const sizes: Size[] = [];
for (const entry of ENTRIES) sizes.push(await measure(entry));

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log('| entry | entry JS | gzip | loaded on demand |');
console.log('| --- | ---: | ---: | ---: |');
for (const s of sizes)
  console.log(
    `| ${s.entry} | ${kb(s.jsBytes)} | ${kb(s.jsGzipBytes)} | ${s.otherFiles ? `${s.otherFiles} files, ${kb(s.otherBytes)}` : '-'} |`,
  );

const out = path.join('bench', 'results', 'entry-sizes.json');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), sizes }, null, 2)}\n`);
console.log(`wrote ${out}`);
