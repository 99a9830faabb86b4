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
      await promisify(execFile)(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.lib.json'), '--outDir', path.join(outDir, 'types')], { cwd: root }).catch(
        (failure: { stdout?: string }) => {
          throw new Error(`tsc -p tsconfig.lib.json failed:\n${failure.stdout ?? String(failure)}`);
        },
      );
      await writeFile(path.join(outDir, `${LIB_ENTRY_NAME}.d.ts`), "export * from './types/dropin/index.js';\n");
    },
  };
}

export default defineConfig({
  base: './', // every URL between the files is relative to import.meta.url
  publicDir: false,
  worker: { format: 'es' },
  plugins: [typeDeclarations()],
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: false, // a preload polyfill would touch the host page's <head>
    sourcemap: true,
    rollupOptions: {
      input: { [LIB_ENTRY_NAME]: 'src/dropin/index.ts' },
      preserveEntrySignatures: 'strict', // keep the entry's exports: it is a library, not an app
      output: { entryFileNames: '[name].js', chunkFileNames: 'assets/[name]-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' },
    },
  },
});
