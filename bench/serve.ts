/**
 * The edge service under HTTP load vs the engine called in-process, same model, same requests.
 *
 *   npm run bench:serve [-- --model models/bge-reranker-base --dtype q8 --requests 8 --concurrency 1,8,32 --docs 4 --passage-parts 2]
 *
 * Build the model first (~15 s, 1.3 GB RSS): npm run model -- --preset bge-reranker-base --out models/bge-reranker-base --dtypes q8
 *
 * Load generator: autocannon (a real HTTP/1.1 client with keep-alive connections, one request in flight
 * per connection, HDR-histogram latencies), in this process; the server runs in a child process, so its
 * RSS is its own (sampled from /proc every 250 ms). Three setups: the engine in-process (concurrent
 * `rank` calls on one Reranker), the server, and the server with cross-request batching off. Each
 * point runs a fixed number of requests, max(--requests, concurrency), so a slow model still
 * completes every request it starts (a fixed duration would count only the fast ones at 32).
 * Writes bench/results/serve.json and prints a table.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import autocannon from 'autocannon';
import { SAMPLE_CORPUS } from '../src/demo/sample-corpus-data.js';
import { type Dtype, Reranker } from '../src/engine/index.js';
import { headerUsage, parseCommandLine } from '../scripts/command-line.js';

const { values } = parseCommandLine(headerUsage(import.meta.url), {
  options: {
    model: { type: 'string', default: 'models/bge-reranker-base' },
    dtype: { type: 'string', default: 'q8' },
    requests: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '1,8,32' },
    docs: { type: 'string', default: '4' },
    /** Corpus passages joined into one document, at most (1 to this many, so lengths vary). */
    'passage-parts': { type: 'string', default: '2' },
    out: { type: 'string', default: 'bench/results/serve.json' },
  },
});
const model = values.model;
const dtype = values.dtype as Dtype;
const minRequests = Number(values.requests);
const amountFor = (concurrency: number) => Math.max(minRequests, concurrency);
const levels = values.concurrency.split(',').map(Number);
const docsPerRequest = Number(values.docs);
if (!existsSync(model)) {
  console.error(
    `no model at ${model}; build it: npm run model -- --preset bge-reranker-base --out ${model} --dtypes ${dtype}`,
  );
  process.exit(2);
}

// ---- workload: 64 distinct requests of `docsPerRequest` passages (1-3 corpus passages each, so lengths vary) ----
const QUERIES = [
  '한국은행은 기준금리를 어떻게 결정하나요?',
  '전세 계약 전에 확인할 서류',
  '감기와 독감의 차이',
  '클라우드 비용을 줄이는 방법',
];
const workload = Array.from({ length: 64 }, (_, r) => ({
  query: QUERIES[r % QUERIES.length]!,
  documents: Array.from({ length: docsPerRequest }, (_, i) => {
    const parts = 1 + ((r + i) % Number(values['passage-parts']));
    return Array.from(
      { length: parts },
      (_, k) => SAMPLE_CORPUS[(r * 13 + i * 5 + k) % SAMPLE_CORPUS.length]!.text,
    ).join(' ');
  }),
}));

interface Point {
  setup: string;
  concurrency: number;
  requests: number;
  failed: number;
  pairsPerSecond: number;
  p50ms: number;
  p99ms: number;
  rssPeakMB: number;
  rssMeanMB: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function rssSampler(read: () => number) {
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(read()), 250);
  return () => {
    clearInterval(timer);
    samples.push(read());
    return { peak: Math.max(...samples) / 1e6, mean: samples.reduce((a, b) => a + b, 0) / samples.length / 1e6 };
  };
}

function childRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

// ---- the engine in-process: `concurrency` loops calling rank() on one Reranker ----
async function benchEngine(reranker: Reranker, concurrency: number): Promise<Point> {
  const latencies: number[] = [];
  let next = 0;
  const amount = amountFor(concurrency);
  const stopRss = rssSampler(() => process.memoryUsage().rss);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < amount) {
        const { query, documents } = workload[next++ % workload.length]!;
        const t = performance.now();
        await reranker.rank(query, documents);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const rss = stopRss();
  latencies.sort((a, b) => a - b);
  return {
    setup: 'engine in-process',
    concurrency,
    requests: latencies.length,
    failed: 0,
    pairsPerSecond: (latencies.length * docsPerRequest) / elapsed,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
    rssPeakMB: rss.peak,
    rssMeanMB: rss.mean,
  };
}

// ---- the server in a child process, loaded by autocannon ----
async function startServerProcess(crossRequest: boolean): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const args = [
    '--import',
    'tsx',
    'scripts/serve.ts',
    '--model',
    model,
    '--dtype',
    dtype,
    '--port',
    '0',
    '--quiet',
    '--timeout-ms',
    '300000',
    '--max-queued-pairs',
    '100000',
  ];
  args.push(crossRequest ? '--cross-request-batching' : '--no-cross-request-batching');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  for (let i = 0; i < 1200 && !/ready:|failed/.test(stderr); i++) await new Promise((r) => setTimeout(r, 100));
  const url = /listening on (\S+)/.exec(stderr)?.[1];
  if (!url || !/ready:/.test(stderr)) throw new Error(`the server did not start:\n${stderr}`);
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

type ServerProcess = Awaited<ReturnType<typeof startServerProcess>>;
const bodies = workload.map((w) => JSON.stringify({ query: w.query, texts: w.documents, truncate: true }));
let nextBody = 0;

function load(server: ServerProcess, concurrency: number, amount: number) {
  return autocannon({
    url: `${server.url}/rerank`,
    connections: concurrency,
    amount,
    timeout: 600,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: bodies[nextBody++ % bodies.length] }),
      },
    ],
  });
}

async function benchServer(server: ServerProcess, setup: string, concurrency: number): Promise<Point> {
  const stopRss = rssSampler(() => childRss(server.pid));
  // autocannon reports its duration at its next 1 s tick; time the requests themselves instead.
  const started = performance.now();
  let lastResponse = started;
  // Without a callback autocannon returns its event emitter made thenable (the typings only know the promise).
  const tracker = load(server, concurrency, amountFor(concurrency)) as ReturnType<typeof load> & {
    on(event: 'response', listener: () => void): void;
  };
  tracker.on('response', () => (lastResponse = performance.now()));
  const result = await tracker;
  const elapsed = (lastResponse - started) / 1000;
  const rss = stopRss();
  const ok = result['2xx'];
  return {
    setup,
    concurrency,
    requests: ok,
    failed: result.non2xx + result.errors + result.timeouts,
    pairsPerSecond: (ok * docsPerRequest) / elapsed,
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    rssPeakMB: rss.peak,
    rssMeanMB: rss.mean,
  };
}

// All three setups stay loaded, and each concurrency level measures them back to back, so a change in
// the machine's load (shared machines) hits all three alike rather than one setup.
const reranker = await Reranker.load({ model, dtype, scoreCache: false }); // the service has no score cache: compare model work with model work;
await reranker.rank(workload[0]!.query, workload[0]!.documents); // warm-up
const batched = await startServerProcess(true);
const serial = await startServerProcess(false);
for (const server of [batched, serial]) await load(server, 2, 4); // warm-up: first runs of each shape are slower
// Service overhead at concurrency 1, paired: the same request to the engine and then to the server,
// alternating, so each pair sees the same machine load; the median ratio is robust to drift.
const ratios: number[] = [];
for (let i = 0; i < Math.max(minRequests, 8); i++) {
  const { query, documents } = workload[i % workload.length]!;
  let t = performance.now();
  await reranker.rank(query, documents);
  const engineMs = performance.now() - t;
  t = performance.now();
  const response = await fetch(`${batched.url}/rerank`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, texts: documents, truncate: true }),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  ratios.push((performance.now() - t) / engineMs);
}
ratios.sort((a, b) => a - b);
const pairedOverhead = {
  requests: ratios.length,
  medianLatencyRatio: percentile(ratios, 50),
  min: ratios[0]!,
  max: ratios.at(-1)!,
};
console.error(
  `paired c=1: server/engine latency ratio median ${pairedOverhead.medianLatencyRatio.toFixed(2)} (min ${pairedOverhead.min.toFixed(2)}, max ${pairedOverhead.max.toFixed(2)})`,
);

const points: Point[] = [];
for (const concurrency of levels) {
  for (const measure of [
    () => benchEngine(reranker, concurrency),
    () => benchServer(batched, 'server', concurrency),
    () => benchServer(serial, 'server, no cross-request batching', concurrency),
  ]) {
    const point = await measure();
    points.push(point);
    console.error(`${point.setup} c=${concurrency}: ${point.pairsPerSecond.toFixed(2)} pairs/s`);
  }
}
await Promise.all([batched.stop(), serial.stop(), reranker.dispose()]);
const engine = points.filter((p) => p.setup === 'engine in-process');

const engineAt = (c: number) => engine.find((p) => p.concurrency === c)?.pairsPerSecond ?? NaN;
const rows = points.map((p) => [
  p.setup,
  String(p.concurrency),
  p.pairsPerSecond.toFixed(2),
  (p.pairsPerSecond / engineAt(p.concurrency)).toFixed(2),
  p.p50ms.toFixed(0),
  p.p99ms.toFixed(0),
  `${p.rssPeakMB.toFixed(0)} / ${p.rssMeanMB.toFixed(0)}`,
  String(p.requests),
  String(p.failed),
]);
const header = [
  'setup',
  'concurrency',
  'pairs/s',
  'vs engine',
  'p50 ms',
  'p99 ms',
  'RSS MB peak / mean',
  'requests',
  'failed',
];
const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
console.log(
  `\n${model} (${dtype}), ${docsPerRequest} passages per request, max(${minRequests}, concurrency) requests per point, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg()[0]!.toFixed(1)}\n`,
);
console.log(table);
console.log(
  `\npaired at concurrency 1 (engine, then the same request to the server, ${pairedOverhead.requests} times): server/engine latency median ${pairedOverhead.medianLatencyRatio.toFixed(2)}x (min ${pairedOverhead.min.toFixed(2)}, max ${pairedOverhead.max.toFixed(2)})`,
);
await mkdir('bench/results', { recursive: true });
await writeFile(
  values.out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      model,
      dtype,
      docsPerRequest,
      minRequests,
      cpus: os.cpus().length,
      loadAverage: os.loadavg(),
      pairedOverhead,
      points,
    },
    null,
    2,
  ),
);
console.log(`\nwritten to ${values.out}`);
