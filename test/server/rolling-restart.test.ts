/**
 * Scale-out on a real load balancer: three `ko-rerank serve` processes behind HAProxy, run with the
 * shipped deploy/haproxy.cfg unchanged (health checks on /ready). Under a bounded autocannon load, every
 * instance is restarted in turn (SIGTERM, wait for its exit, start it again, wait until HAProxy has it
 * back): no request may fail, and every answer must equal the engine's own for that request.
 * CI installs haproxy (.ci/run); without it, the test is skipped outside CI and fails in CI.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import autocannon from 'autocannon';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Reranker } from '../../src/engine/index.js';
import { testModel } from '../helpers/models.js';
import { ENGLISH_PASSAGES, KOREAN_PASSAGES, KOREAN_QUERY, longPassage } from '../helpers/text.js';
import { until } from './helpers.js';
import { freePort } from '../helpers/free-port.js';

const haproxyFound = spawnSync('haproxy', ['-v']).status === 0;
if (!haproxyFound && process.env['CI']) throw new Error('haproxy is not installed; .ci/run installs it');

/** fp32 rows batched differently agree to float rounding. */
const TOLERANCE = 1e-5;
const DRAIN_DELAY_MS = 1500;

const REQUESTS = [
  { query: KOREAN_QUERY, texts: KOREAN_PASSAGES },
  { query: 'What is the capital of France?', texts: ENGLISH_PASSAGES },
  {
    query: '금리 인상의 영향',
    texts: [...KOREAN_PASSAGES.slice(0, 3), longPassage(6), ...ENGLISH_PASSAGES.slice(0, 2)],
  },
].map((body) => ({ ...body, truncate: true }));

interface Instance {
  child: ChildProcess;
  exited: Promise<number | null>;
}

let folder: string;
let expected: Array<Array<{ index: number; score: number }>>;
const instances: Instance[] = [];
let haproxy: ChildProcess | undefined;

async function startInstance(port: number): Promise<Instance> {
  const child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', 'scripts/serve.ts', '--model', folder, '--dtype', 'fp32', '--port', String(port)],
      ...['--quiet', '--drain-delay-ms', String(DRAIN_DELAY_MS), '--drain-timeout-ms', '15000'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  expect(await until(() => /ready:/.test(stderr), 6000), `instance on ${port}: ${stderr}`).toBe(true);
  return { child, exited };
}

/** HAProxy's view of each instance (UP, DOWN, ...) and its retry counts, from the stats CSV. */
async function stats(
  statsUrl: string,
): Promise<Map<string, { status: string; retries: number; redispatches: number }>> {
  const [header, ...rows] = (await (await fetch(`${statsUrl}/stats;csv`)).text()).trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const at = (row: string[], name: string) => row[columns.indexOf(name)]!;
  const servers = new Map<string, { status: string; retries: number; redispatches: number }>();
  for (const row of rows.map((line) => line.split(','))) {
    if (at(row, 'pxname') !== 'rerank_instances' || !/^s\d$/.test(at(row, 'svname'))) continue;
    servers.set(at(row, 'svname'), {
      status: at(row, 'status'),
      retries: Number(at(row, 'wretr') || 0),
      redispatches: Number(at(row, 'wredis') || 0),
    });
  }
  return servers;
}

beforeAll(async () => {
  if (!haproxyFound) return;
  folder = await testModel('tiny-xlmr');
  const reference = await Reranker.load({ model: folder, dtype: 'fp32' });
  expected = [];
  for (const request of REQUESTS) expected.push(await reference.rank(request.query, request.texts));
  await reference.dispose();
});

afterAll(() => {
  haproxy?.kill('SIGKILL');
  for (const instance of instances) if (instance.child.exitCode === null) instance.child.kill('SIGKILL');
});

test.skipIf(!haproxyFound)(
  'rolling restart of 3 instances behind HAProxy under load: zero failed requests, every answer equal to the engine',
  async () => {
    const ports = await Promise.all([0, 1, 2, 3, 4].map(freePort));
    const [frontendPort, statsPort, ...instancePorts] = ports as [number, number, ...number[]];
    for (const port of instancePorts) instances.push(await startInstance(port));

    haproxy = spawn('haproxy', ['-db', '-f', 'deploy/haproxy.cfg'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        RERANK_FRONTEND: `127.0.0.1:${frontendPort}`,
        RERANK_STATS: `127.0.0.1:${statsPort}`,
        ...Object.fromEntries(instancePorts.map((port, i) => [`RERANK_SERVER_${i + 1}`, `127.0.0.1:${port}`])),
      },
    });
    let haproxyLog = '';
    haproxy.stderr!.on('data', (chunk: Buffer) => (haproxyLog += chunk.toString()));
    const statsUrl = `http://127.0.0.1:${statsPort}`;
    const allUp = async () => {
      try {
        const servers = await stats(statsUrl);
        return servers.size === 3 && [...servers.values()].every((s) => s.status === 'UP');
      } catch {
        return false; // HAProxy not listening yet
      }
    };
    expect(await until(allUp, 1000), haproxyLog).toBe(true);

    // Each answer is checked as it arrives: status, then ranking and scores against the engine's.
    const wrong: string[] = [];
    let checked = 0;
    let finish: (result: autocannon.Result) => void = () => undefined;
    let fail: (error: unknown) => void = () => undefined;
    const finished = new Promise<autocannon.Result>((resolve, reject) => ((finish = resolve), (fail = reject)));
    const load = autocannon(
      {
        url: `http://127.0.0.1:${frontendPort}`,
        connections: 4,
        duration: 120, // an upper bound: stopped once the restarts are done
        requests: REQUESTS.map((body, r) => ({
          method: 'POST' as const,
          path: '/rerank',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          onResponse: (status: number, text: string) => {
            checked++;
            if (status !== 200) return void wrong.push(`status ${status}: ${text.slice(0, 200)}`);
            const answer = JSON.parse(text) as Array<{ index: number; score: number }>;
            const same =
              answer.length === expected[r]!.length &&
              answer.every(
                (a, i) => a.index === expected[r]![i]!.index && Math.abs(a.score - expected[r]![i]!.score) < TOLERANCE,
              );
            if (!same) wrong.push(`request ${r}: ${text.slice(0, 200)}`);
          },
        })),
      },
      (error, result) => (error ? fail(error) : finish(result)),
    );

    const restarts: Array<{ exitCode: number | null; backInMs: number }> = [];
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (const [i, port] of instancePorts.entries()) {
      const started = performance.now();
      instances[i]!.child.kill('SIGTERM');
      const exitCode = await instances[i]!.exited;
      instances[i] = await startInstance(port);
      expect(await until(allUp, 1000), `s${i + 1} back in rotation`).toBe(true);
      restarts.push({ exitCode, backInMs: Math.round(performance.now() - started) });
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    load.stop();
    const result = await finished;
    const servers = await stats(statsUrl);

    const retries = [...servers.values()].reduce((sum, s) => sum + s.retries + s.redispatches, 0);
    console.info(
      `rolling restart: ${result.requests.total} requests (${result['2xx']} 2xx, ${result.non2xx} other, ` +
        `${result.errors} errors, ${result.timeouts} timeouts), ${checked} answers checked, ${wrong.length} wrong; ` +
        `HAProxy retries+redispatches ${retries}; restarts ${JSON.stringify(restarts)}`,
    );
    expect(restarts.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    expect(wrong).toEqual([]);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(checked).toBeGreaterThan(100); // the load really ran through the restarts
  },
  180_000,
);
