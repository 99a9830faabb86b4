/** The demo app as a production build (service worker included), and what its pages show: for the PWA and app tests. */
import path from 'node:path';
import { build } from 'vite';

/** Builds the app labelled `label` (shown in #version) into `scratch/label`; its folder. */
export async function buildApp(scratch: string, label: string): Promise<string> {
  const outDir = path.join(scratch, label);
  // Vitest runs with NODE_ENV=test, which would make this a non-production build (no service worker).
  const nodeEnv = process.env['NODE_ENV'];
  process.env['APP_BUILD'] = label;
  process.env['NODE_ENV'] = 'production';
  try {
    await build({
      configFile: 'vite.config.ts',
      mode: 'production',
      logLevel: 'error',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    delete process.env['APP_BUILD'];
    process.env['NODE_ENV'] = nodeEnv;
  }
  return outDir;
}

/**
 * In the demo page: whether #results shows the reranked list of `query` (the first-stage list shows at
 * once, before it). Runs in the page: pass it to waitForFunction.
 */
export function rerankedListShown(query: string): boolean {
  const list = document.getElementById('results')!;
  return list.dataset['stage'] === 'reranked' && list.dataset['query'] === query && list.children.length > 0;
}
