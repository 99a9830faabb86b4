/**
 * Library build: `vite build --config vite.lib.config.ts` -> dist/lib/ko-rerank.js (ESM), the worker as
 * its own chunk and onnxruntime-web's wasm files as assets, all found through relative URLs
 * (import.meta.url), so the folder works wherever it is served from. No CDN. Then tsc writes the type
 * declarations to dist/lib/types, with dist/lib/ko-rerank.d.ts next to the JS pointing at them.
 *
 * Not `build.lib`: library mode inlines every asset as a data URL (the worker became 108 MB, and data:
 * workers and wasm fight strict CSPs). An ordinary build with a JS entry that keeps its exports gives
 * the same ESM entry with real files next to it.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Plugin, defineConfig } from 'vite';

const LIB_ENTRY_NAME = 'ko-rerank';

/** Runs tsc with tsconfig.lib.json into `<outDir>/types` once the bundle is written. */
function typeDeclarations(): Plugin {
  let outDir = '';
  let root = '';
  return {
    name: 'ko-rerank:type-declarations',
    apply: 'build',
    configResolved(config) {
      root = config.root;
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async closeBundle(error) {
      if (error) return;
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      await promisify(execFile)(
        process.execPath,
        [tsc, '-p', path.join(root, 'tsconfig.lib.json'), '--outDir', path.join(outDir, 'types')],
        { cwd: root },
      ).catch((failure: { stdout?: string }) => {
        throw new Error(`tsc -p tsconfig.lib.json failed:\n${failure.stdout ?? String(failure)}`);
      });
      await writeFile(path.join(outDir, `${LIB_ENTRY_NAME}.d.ts`), "export * from './types/entry/browser.js';\n");
    },
  };
}

/**
 * Writes the worker URL in the one form bundlers recognise in a dependency:
 * `new Worker(new URL("./assets/reranker.worker-<hash>.js", import.meta.url), { type: "module" })`.
 * Vite emits `new URL(new URL(`assets/…`, import.meta.url).href, "" + import.meta.url)`, which works
 * when dist/lib is served as is but which an app's bundler (Vite, webpack) only copies as a plain
 * file: the worker's own references to onnxruntime's wasm would then point at files nobody emitted.
 * In the literal form the app's bundler builds the worker as a worker, wasm files included.
 */
function bundlerFriendlyWorkerUrl(): Plugin {
  const nested =
    /new URL\(new URL\(`(assets\/[^`]+\.js)`,\s*import\.meta\.url\)\.href,\s*``\s*\+\s*import\.meta\.url\)/g;
  return {
    name: 'ko-rerank:bundler-friendly-worker-url',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const entry = bundle[`${LIB_ENTRY_NAME}.js`];
      if (!entry || entry.type !== 'chunk') return;
      const rewritten = entry.code.replace(
        nested,
        (_match, file: string) => `new URL(${JSON.stringify(`./${file}`)}, import.meta.url)`,
      );
      if (
        rewritten === entry.code ||
        !/new Worker\(new URL\("\.\/assets\/reranker\.worker-[\w-]+\.js", import\.meta\.url\)/.test(rewritten)
      ) {
        this.error(
          'bundler-friendly-worker-url: the worker URL in ko-rerank.js has a form this plugin does not know; update the pattern',
        );
      }
      entry.code = rewritten;
    },
  };
}

export default defineConfig({
  base: './', // every URL between the files is relative to import.meta.url
  publicDir: false,
  worker: { format: 'es' },
  plugins: [bundlerFriendlyWorkerUrl(), typeDeclarations()],
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: false, // a preload polyfill would touch the host page's <head>
    // No source maps in the package: 2.4 MB that every install carries and few open.
    sourcemap: false,
    rollupOptions: {
      input: { [LIB_ENTRY_NAME]: 'src/entry/browser.ts' },
      preserveEntrySignatures: 'strict', // keep the entry's exports: it is a library, not an app
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
});
