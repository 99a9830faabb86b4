/**
 * The package as its users install it: `npm pack` once, `npm install <tarball>` once into a fresh project,
 * and that one install serves every consumer (installing the Node half's dependencies is the slow step):
 *
 * - browser (issue 12, item 8): a Vite app below the project builds and reranks in Chromium; a plain
 *   static page with no bundler imports the installed file directly. In both, the worker and
 *   onnxruntime's wasm must come from the package, never from a CDN, under a strict CSP.
 * - Node (issue 26): the `ko-rerank` command answers --help, generates a safetensors checkpoint and
 *   converts it; `ko-rerank-web/node` ranks with the converted model.
 * - both entries export exactly the names listed here, so a public name cannot appear or vanish unseen.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import ts from 'typescript';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type StaticServer, startStaticServer } from '../../scripts/static-server.js';
import { testModel } from '../helpers/models.js';
import { launchChromium } from './harness.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const PACKAGE = 'ko-rerank-web';

let scratch: string;
let tarball: string;
/** The fresh project: the package installed once; the static page at its root, the Vite app below it. */
let project: string;
let site: StaticServer;
let browser: Browser;

/** The page both apps show: rank three passages, write the order (or the error) into #out. */
const APP_SCRIPT = (importFrom: string) => `
import { createReranker } from '${importFrom}';
const out = document.getElementById('out');
try {
  const reranker = await createReranker({ model: '/models/tiny-xlmr' });
  const passages = ['오늘 서울은 맑습니다.', '금융통화위원회가 기준금리를 정합니다.', '프로야구 개막'];
  const ranked = await reranker.rank('기준금리는 누가 결정하나요?', passages);
  out.dataset.state = 'done';
  out.textContent = JSON.stringify({ ranked, backend: reranker.ready.backend, dtype: reranker.ready.dtype });
} catch (error) {
  out.dataset.state = 'error';
  out.textContent = String(error && error.stack || error);
}
`;

const APP_HTML = (script: string) => `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>app</title><link rel="icon" href="data:,">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; style-src 'self'">
</head><body><pre id="out" data-state="loading"></pre><script type="module" src="${script}"></script></body></html>
`;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'ko-rerank-package-'));
  // The prepack script builds dist/lib first, as for a publish.
  await run('npm', ['pack', '--pack-destination', scratch], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  tarball = path.join(
    scratch,
    (await readdir(scratch)).find((f) => f.endsWith('.tgz'))!,
  );
  console.log(`[package] ${path.basename(tarball)}: ${((await stat(tarball)).size / 1e6).toFixed(2)} MB`);

  project = path.join(scratch, 'project');
  await mkdir(project);
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'project', private: true, type: 'module' }),
  );
  // The Node half's dependencies come from npm's cache when it has them (CI's `npm ci` fills it), else from
  // the registry; onnxruntime-node's CUDA download is skipped as docs/package.md tells users to.
  // With the frameworks the adapters plug into, at the versions this repository tests with (optional peers).
  const devDependencies = (
    JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    }
  ).devDependencies;
  const frameworks = ['ai', '@langchain/core'].map((name) => `${name}@${devDependencies[name]}`);
  await run('npm', ['install', tarball, ...frameworks, '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: project,
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });

  const viteApp = path.join(project, 'vite-app');
  await mkdir(viteApp);
  await writeFile(path.join(viteApp, 'index.html'), APP_HTML('/main.js'));
  await writeFile(path.join(viteApp, 'main.js'), APP_SCRIPT(PACKAGE));
  // Served under /vite/, as an app deployed below a site's root.
  await build({
    root: viteApp,
    base: '/vite/',
    configFile: false,
    logLevel: 'error',
    build: { outDir: path.join(viteApp, 'dist'), target: 'es2022' },
  });

  await writeFile(path.join(project, 'index.html'), APP_HTML('./main.js'));
  await writeFile(path.join(project, 'main.js'), APP_SCRIPT(`./node_modules/${PACKAGE}/dist/lib/ko-rerank.js`));

  site = await startStaticServer({
    mounts: {
      '/vite/': path.join(viteApp, 'dist'),
      '/static/': project,
      '/models/tiny-xlmr/': await testModel('tiny-xlmr'),
    },
  });
  browser = await launchChromium({ webgpu: false });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** A path inside the installed package. */
const installed = (...parts: string[]) => path.join(project, 'node_modules', PACKAGE, ...parts);

async function rerankIn(url: string): Promise<{
  result: { ranked: Array<{ index: number; score: number }>; backend: string };
  errors: string[];
  requests: string[];
  page: Page;
}> {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  await page.waitForSelector('#out[data-state="done"], #out[data-state="error"]', { timeout: 180_000 });
  const state = await page.$eval('#out', (el) => ({
    state: (el as HTMLElement).dataset['state'],
    text: el.textContent ?? '',
  }));
  expect(state.state, state.text).toBe('done');
  return { result: JSON.parse(state.text), errors, requests, page };
}

describe('npm pack, installed into a fresh app', { timeout: 240_000 }, () => {
  test("the tarball holds the built entries only; its dependencies are the Node half's runtime", async () => {
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = stdout.trim().split('\n');
    expect(files).toContain('package/dist/lib/ko-rerank.js');
    expect(files).toContain('package/dist/lib/ko-rerank.d.ts');
    expect(files).toContain('package/dist/node/src/entry/node.js');
    expect(files).toContain('package/dist/node/scripts/ko-rerank.js');
    expect(files).toContain('package/LICENSE');
    expect(files.some((f) => /assets\/reranker\.worker-[\w-]+\.js$/.test(f))).toBe(true);
    expect(files.some((f) => /assets\/ort-wasm-simd-threaded[\w.-]*\.wasm$/.test(f))).toBe(true);
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
    const { stdout: manifest } = await run('tar', ['xzOf', tarball, 'package/package.json']);
    const pkg = JSON.parse(manifest) as {
      name: string;
      private?: boolean;
      license: string;
      dependencies?: Record<string, string>;
      exports: Record<string, { import: string }>;
      bin: Record<string, string>;
    };
    expect(pkg.name).toBe(PACKAGE);
    expect(pkg.private).toBeUndefined();
    expect(pkg.license).toBe('MIT');
    // The browser entry bundles everything it runs; only the Node entry imports packages at run time.
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual([
      '@huggingface/transformers',
      'onnx-proto',
      'onnxruntime-node',
    ]);
    expect(pkg.exports['.']!.import).toBe('./dist/lib/ko-rerank.js');
    expect(pkg.exports['./node']!.import).toBe('./dist/node/src/entry/node.js');
    expect(pkg.bin).toEqual({ 'ko-rerank': 'dist/node/scripts/ko-rerank.js' });
    // Test seams of the worker are internal: not in the published types at all.
    const seams = await run('grep', [
      '-rlE',
      '--include=*.d.ts',
      'simulateWebGpuFailure|simulateWorkerFault|strikeFault',
      installed('dist'),
    ]).then(
      ({ stdout }) => stdout,
      () => '', // grep exits 1 when nothing matches
    );
    expect(seams).toBe('');
  });

  for (const [label, url] of [
    ['a Vite app, built', '/vite/'],
    ['a plain static page, no bundler', '/static/'],
  ] as const) {
    test(`${label}: reranks in Chromium with the worker and wasm from the package`, async () => {
      const { result, errors, requests, page } = await rerankIn(`${site.url}${url}`);
      expect(result.backend).toBe('wasm');
      expect(result.ranked.map((r) => r.index).sort()).toEqual([0, 1, 2]);
      const scores = result.ranked.map((r) => r.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      // Everything came from this server: the worker and onnxruntime's wasm included, no CDN.
      expect(requests.filter((r) => !r.startsWith(site.url))).toEqual([]);
      expect(requests.some((r) => /reranker\.worker-[\w-]+\.js$/.test(r))).toBe(true);
      expect(requests.some((r) => /ort-wasm-simd-threaded[\w.-]*\.wasm$/.test(r))).toBe(true);
      expect(site.log.filter((line) => line.startsWith('404'))).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});

/** The environment of a user's shell: without the npm settings this test inherits from `npm test` here. */
const userEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

/** Runs a command in the fresh project; a failure comes back as its exit code and output, not a throw. */
async function inProject(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(command, args, { cwd: project, env: userEnv(), maxBuffer: 16 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (failure: { code: number; stdout: string; stderr: string }) => failure,
  );
}

describe('the Node half, from the same install', { timeout: 240_000 }, () => {
  test('ko-rerank answers --help and an unknown flag without a stack trace', async () => {
    const help = await inProject('npx', ['ko-rerank', 'convert', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: ko-rerank convert SOURCE --out DIR/);
    const unknown = await inProject('npx', ['ko-rerank', 'convert', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split('\n')).toEqual([expect.stringContaining("Unknown option '--no-such-flag'")]);
    const commands = await inProject('npx', ['ko-rerank', '--help']);
    expect(commands.stdout).toMatch(/convert[\s\S]*eval[\s\S]*serve[\s\S]*model/);
  });

  test('ko-rerank model writes a safetensors checkpoint, ko-rerank convert converts it, the Node entry ranks with it', async () => {
    const built = await inProject('npx', [
      'ko-rerank',
      'model',
      '--preset',
      'tiny-xlmr',
      '--format',
      'safetensors',
      '--out',
      'checkpoint',
    ]);
    expect(built.code, built.stderr).toBe(0);
    const converted = await inProject('npx', [
      'ko-rerank',
      'convert',
      'checkpoint',
      '--out',
      'model',
      '--dtypes',
      'fp32,q8',
      '--verify',
    ]);
    expect(converted.code, converted.stderr).toBe(0);
    expect(converted.stdout).toMatch(/verify fp32 .* ok/);
    expect(converted.stdout).toMatch(/verify q8 .* ok/);

    await writeFile(
      path.join(project, 'rank.js'),
      `import { Reranker, SERVICE_VERSION } from '${PACKAGE}/node';
const reranker = await Reranker.load({ model: './model', dtype: 'q8' });
const passages = ['오늘 서울은 맑습니다.', '금융통화위원회가 기준금리를 정합니다.', '프로야구 개막'];
const ranked = await reranker.rank('기준금리는 누가 결정하나요?', passages);
await reranker.dispose();
console.log(JSON.stringify({ ranked, version: SERVICE_VERSION }));
`,
    );
    const ranking = await inProject(process.execPath, ['rank.js']);
    expect(ranking.code, ranking.stderr).toBe(0);
    const { ranked, version } = JSON.parse(ranking.stdout) as {
      ranked: Array<{ index: number; score: number }>;
      version: string;
    };
    expect(ranked.map((r) => r.index).sort()).toEqual([0, 1, 2]);
    const scores = ranked.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(version).toBe(JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')).version);
  });

  test("the adapters from the package: the ai package's rerank() and LangChain's compressor rank like the engine", async () => {
    await writeFile(
      path.join(project, 'adapters.js'),
      `import { rerank } from 'ai';
import { Document } from '@langchain/core/documents';
import { Reranker } from '${PACKAGE}/node';
import { koRerank } from '${PACKAGE}/ai-sdk';
import { KoRerankCompressor } from '${PACKAGE}/langchain';
const reranker = await Reranker.load({ model: './model', dtype: 'q8' });
const query = '기준금리는 누가 결정하나요?';
const passages = ['오늘 서울은 맑습니다.', '금융통화위원회가 기준금리를 정합니다.', '프로야구 개막', '환율 동향'];
const engine = await reranker.rank(query, passages, { topK: 2 });
const { ranking } = await rerank({ model: koRerank.reranking(reranker), query, documents: passages, topN: 2 });
const compressor = new KoRerankCompressor({ reranker, topN: 2 });
const kept = await compressor.compressDocuments(passages.map((pageContent) => new Document({ pageContent, metadata: {} })), query);
await reranker.dispose();
console.log(JSON.stringify({
  engine: engine.map((r) => r.index),
  ai: ranking.map((r) => r.originalIndex),
  langchain: kept.map((d) => passages.indexOf(d.pageContent)),
}));
`,
    );
    const ran = await inProject(process.execPath, ['adapters.js']);
    expect(ran.code, ran.stderr).toBe(0);
    const orders = JSON.parse(ran.stdout) as { engine: number[]; ai: number[]; langchain: number[] };
    expect(orders.engine).toHaveLength(2);
    expect(orders.ai).toEqual(orders.engine);
    expect(orders.langchain).toEqual(orders.engine);
  });

  test('the production start command, node_modules/.bin/ko-rerank serve, is the process that gets SIGTERM and drains', async () => {
    // The bin's shebang runs node in the same process: the PID a supervisor starts is the server's.
    // (`npx ko-rerank serve` puts npm and a shell in between; npm forwards the signal to the shell only.)
    const child = spawn(
      path.join(project, 'node_modules/.bin/ko-rerank'),
      ['serve', '--model', './model', '--dtype', 'q8', '--port', '0', '--drain-delay-ms', '200'],
      { cwd: project, env: userEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let turn = 0; turn < 600 && !/ready:/.test(stderr); turn++) await new Promise((r) => setTimeout(r, 50));
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
      expect(url, stderr).toBeDefined();
      const answer = await fetch(`${url}/rerank`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '기준금리', texts: ['금리 결정', '야구'], truncate: true }),
      });
      expect(answer.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM: draining[\s\S]*drained in \d+ ms/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

/**
 * Every public name of each entry. A change here is a change of the published API: make it on purpose.
 * Values are what `import` gives at run time; types exist only in the declarations.
 */
const PUBLIC_NAMES = {
  [PACKAGE]: {
    declarations: 'dist/lib/ko-rerank.d.ts',
    values: [
      'AbortedError',
      'CodedError',
      'ContainerChangedError',
      'InferenceError',
      'InvalidInputError',
      'LimitExceededError',
      'LoadStalledError',
      'ModelLoadError',
      'OutOfMemoryError',
      'RerankResultsElement',
      'RerankerError',
      'WorkerCrashedError',
      'createRemoteReranker',
      'createReranker',
      'defaultText',
      'defineRerankResults',
      'filesFromFolderPick',
      'planOrder',
      'rerankElements',
    ],
    types: [
      'Activation',
      'BrowserReranker',
      'ComputeShape',
      'CostCoefficients',
      'CreateRerankerOptions',
      'DetailedRankOptions',
      'Device',
      'Dtype',
      'ErrorCode',
      'LoadOptions',
      'LoadPhase',
      'LoadProgress',
      'LongPassageStrategy',
      'MemoryFitDetails',
      'OrderPlan',
      'PlacedReranker',
      'PlacedRerankerOptions',
      'Placement',
      'ProgressEvent',
      'RankOptions',
      'RankPlan',
      'RankReport',
      'RankWorkload',
      'RankedDocument',
      'ReadyState',
      'RemoteReadyState',
      'RemoteReranker',
      'RemoteRerankerOptions',
      'RerankElementsOptions',
      'RerankElementsResult',
      'RerankedElement',
      'RerankerErrorCode',
      'ScoreCacheLimits',
      'ScoreOptions',
      'ScoredPosition',
      'ShapeTiming',
      'TruncationRule',
      'Where',
    ],
    /** Error classes defined in these modules must all be exported: adding one needs no second look. */
    errorModules: ['../../src/engine/errors.js', '../../src/dropin/errors.js'],
  },
  [`${PACKAGE}/node`]: {
    declarations: 'dist/node/src/entry/node.d.ts',
    values: [
      'AbortedError',
      'CancelledError',
      'CodedError',
      'ConversionError',
      'InferenceError',
      'InvalidInputError',
      'LimitExceededError',
      'LoadStalledError',
      'ModelLoadError',
      'OutOfMemoryError',
      'OverloadedError',
      'Reranker',
      'RerankerError',
      'SERVICE_VERSION',
      'Scheduler',
      'ServiceError',
      'TimeoutError',
      'UnavailableError',
      'WorkerCrashedError',
      'convertModel',
      'createRerankService',
      'serveNode',
      'startServer',
    ],
    types: [
      'Activation',
      'ConversionErrorCode',
      'ConversionProgress',
      'ConversionReport',
      'ConvertModelOptions',
      'ConvertModelResult',
      'DetailedRankOptions',
      'Device',
      'DrainOptions',
      'Drainable',
      'Dtype',
      'ErrorCode',
      'FetchHandler',
      'LoadOptions',
      'LoadProgress',
      'LogEntry',
      'LongPassageStrategy',
      'MemoryFitDetails',
      'ModelRunner',
      'NodeServeOptions',
      'NodeServer',
      'RankOptions',
      'RankPlan',
      'RankReport',
      'RankedDocument',
      'RerankService',
      'RerankerErrorCode',
      'RerankerInfo',
      'RunningServer',
      'ScoreCacheLimits',
      'ScoreOptions',
      'SchedulerOptions',
      'ServiceErrorCode',
      'ServiceOptions',
      'ServiceState',
      'TruncationRule',
      'VerifyResult',
    ],
    errorModules: ['../../src/engine/errors.js', '../../src/converter/errors.js', '../../src/server/errors.js'],
  },
  [`${PACKAGE}/ai-sdk`]: {
    declarations: 'dist/node/src/entry/ai-sdk.d.ts',
    values: ['koRerank'],
    types: ['KoRerankModelOptions', 'RankingSource'],
    errorModules: [],
  },
  [`${PACKAGE}/langchain`]: {
    declarations: 'dist/node/src/entry/langchain.d.ts',
    values: ['KoRerankCompressor'],
    types: ['KoRerankCompressorOptions', 'RankingSource'],
    errorModules: [],
  },
} as const;

/** The names a declaration file exports (values and types), as a consumer's TypeScript sees them. */
function declaredNames(file: string): string[] {
  const program = ts.createProgram([file], {
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  const checker = program.getTypeChecker();
  const entry = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  return checker.getExportsOfModule(entry).map((symbol) => symbol.name);
}

describe('the public names of each built entry', () => {
  for (const [specifier, expected] of Object.entries(PUBLIC_NAMES)) {
    test(`${specifier}: exactly the listed values and types, and every error class`, async () => {
      // Imported in Node from the installed package: the browser bundle defines nothing browser-only at load.
      const { stdout } = await inProject(process.execPath, [
        '--input-type=module',
        '-e',
        `console.log(JSON.stringify(Object.keys(await import('${specifier}'))))`,
      ]);
      const values = (JSON.parse(stdout) as string[]).sort();
      expect(values).toEqual([...expected.values].sort());
      expect(declaredNames(installed(expected.declarations)).sort()).toEqual(
        [...expected.values, ...expected.types].sort(),
      );
      for (const module of expected.errorModules) {
        const classes = Object.entries((await import(module)) as Record<string, unknown>)
          .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
          .map(([name]) => name);
        expect(classes.length, module).toBeGreaterThan(0);
        expect(values, module).toEqual(expect.arrayContaining(classes));
      }
    });
  }
});
