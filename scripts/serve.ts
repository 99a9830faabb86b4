/**
 * The edge rerank service on onnxruntime-node: `npm run serve -- ...`, or `npx ko-rerank serve ...` from
 * the installed package (the service then runs in that node process). Flags in USAGE.
 */
import { readFileSync } from 'node:fs';
import type { Dtype } from '../src/engine/index.js';
import { startServer } from '../src/server/index.js';
import { SERVE_DEFAULTS } from '../src/server/node-adapter.js';
import { parseCommandLine, usageError } from './command-line.js';

const USAGE = `usage: ko-rerank serve --model DIR|ID [options]   (in a clone: npm run serve -- ...)
  --model DIR|ID               model folder or hub id (required)
  --dtype D                    fp32 | fp16 | q8 (default q8)
  --port N, --host H           where to listen (default 8080 on 127.0.0.1)
  --api-key-file FILE          require "Authorization: Bearer K" for one of the keys in FILE (one a line;
                               blank lines and # comments skipped): several keys for a rotation
  --api-key K                  one key on the command line (visible in ps: prefer the file, or
                               RERANK_API_KEY, which takes several keys separated by commas); an empty
                               key is refused
  --model-name NAME            a model name clients may send (NAME* a prefix, * any); repeat for several;
                               default the --model argument, its last segment and rerank-* (Cohere's)
  --cors-origin ORIGIN         allow this browser origin; repeat for several
  --cors-allow-header NAME     a request header preflights allow, beyond authorization, content-type and
                               the Cohere SDK's; repeat for several
  --info-model-path            /info shows the --model argument as given (default: its last segment only)
  --max-documents N            documents per request (default 1000)
  --max-queued-pairs N         pairs queued or running before 429 (default 4096)
  --max-body-bytes N           request body limit (default 4 MiB)
  --batch-tokens N             padded tokens per model run (default 8192)
  --timeout-ms MS              time a request may spend queued and running (default 30000)
  --drain-delay-ms MS          on SIGTERM/SIGINT: /ready turns 503 at once, but keep accepting this long so
                               load balancers stop routing here first (default 5000; 0 for development)
  --drain-timeout-ms MS        ... and answer every request received within this, counted from the signal;
                               what is left gets 503 + Retry-After; then exit 0 (default 25000, under
                               Kubernetes' 30 s grace period). A second signal exits at once (code 1).
  --headers-timeout-ms MS      a client must send its headers within this (default ${SERVE_DEFAULTS.headersTimeoutMs})
  --body-timeout-ms MS         ... and its whole request, body included, within this (default ${SERVE_DEFAULTS.bodyTimeoutMs})
  --keep-alive-timeout-ms MS   close an idle keep-alive connection after this (default ${SERVE_DEFAULTS.keepAliveTimeoutMs})
  --max-connections N          open connections at most; more are closed at once (default ${SERVE_DEFAULTS.maxConnections})
  --cross-request-batching | --no-cross-request-batching   share model runs between requests
                               (default: on for fp32 and fp16, off for q8)
  --quiet                      no request log (default: one JSON line per request on stderr)`;

const { values } = parseCommandLine(USAGE, {
  options: {
    model: { type: 'string' },
    dtype: { type: 'string', default: 'q8' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    'api-key': { type: 'string' },
    'api-key-file': { type: 'string' },
    'cors-allow-header': { type: 'string', multiple: true },
    'info-model-path': { type: 'boolean', default: false },
    'model-name': { type: 'string', multiple: true },
    'cors-origin': { type: 'string', multiple: true },
    'max-documents': { type: 'string' },
    'max-queued-pairs': { type: 'string' },
    'max-body-bytes': { type: 'string' },
    'batch-tokens': { type: 'string' },
    'timeout-ms': { type: 'string' },
    'drain-delay-ms': { type: 'string', default: '5000' },
    'drain-timeout-ms': { type: 'string', default: '25000' },
    'headers-timeout-ms': { type: 'string' },
    'body-timeout-ms': { type: 'string' },
    'keep-alive-timeout-ms': { type: 'string' },
    'max-connections': { type: 'string' },
    'cross-request-batching': { type: 'boolean' },
    'no-cross-request-batching': { type: 'boolean' },
    quiet: { type: 'boolean', default: false },
  },
});

if (!values.model) usageError('--model is missing');

const integer = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) usageError(`--${name} must be a non-negative integer, got ${text}`);
  return n;
};

/** Keys from the file, the environment and the flag, in that order; undefined when none is given at all. */
function apiKeys(): string[] | undefined {
  const keys: string[] = [];
  const file = values['api-key-file'];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      usageError(`--api-key-file ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const fromFile = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    if (fromFile.length === 0) usageError(`--api-key-file ${file} holds no key`);
    keys.push(...fromFile);
  }
  const fromEnv = process.env['RERANK_API_KEY'];
  if (fromEnv !== undefined) keys.push(...fromEnv.split(','));
  if (values['api-key'] !== undefined) keys.push(values['api-key']);
  // An empty entry stays in: the service refuses it rather than quietly serving without auth.
  return file === undefined && fromEnv === undefined && values['api-key'] === undefined ? undefined : keys;
}

let server;
try {
  server = await startServer({
    model: values.model,
    dtype: values.dtype as Dtype,
    port: integer('port', values.port),
    host: values.host,
    apiKey: apiKeys(),
    modelNames: values['model-name'],
    corsOrigins: values['cors-origin'],
    corsAllowHeaders: values['cors-allow-header'],
    infoShowsModelPath: values['info-model-path'],
    maxDocuments: integer('max-documents', values['max-documents']),
    maxQueuedPairs: integer('max-queued-pairs', values['max-queued-pairs']),
    maxBodyBytes: integer('max-body-bytes', values['max-body-bytes']),
    batchTokens: integer('batch-tokens', values['batch-tokens']),
    requestTimeoutMs: integer('timeout-ms', values['timeout-ms']),
    headersTimeoutMs: integer('headers-timeout-ms', values['headers-timeout-ms']),
    bodyTimeoutMs: integer('body-timeout-ms', values['body-timeout-ms']),
    keepAliveTimeoutMs: integer('keep-alive-timeout-ms', values['keep-alive-timeout-ms']),
    maxConnections: integer('max-connections', values['max-connections']),
    // Default by dtype (see ServiceOptions.crossRequestBatching); either flag forces it.
    ...(values['no-cross-request-batching']
      ? { crossRequestBatching: false }
      : values['cross-request-batching']
        ? { crossRequestBatching: true }
        : {}),
    log: values.quiet ? false : undefined,
  });
} catch (error) {
  console.error(`cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const running = server;
console.error(`listening on ${running.url} (loading ${values.model}, ${values.dtype}; /health is 503 until ready)`);
if (
  values.host !== '127.0.0.1' &&
  values.host !== 'localhost' &&
  values.host !== '::1' &&
  running.service.options.apiKeys.length === 0
) {
  console.error(`warning: bound to ${values.host} without --api-key: anyone who can reach this port can use the model`);
}
running.service.ready.then(
  () =>
    console.error(
      `ready: ${running.service.model()!.info.architecture}, max ${running.service.model()!.info.maxLength} tokens per pair`,
    ),
  (error: unknown) => {
    console.error(`model load failed: ${error instanceof Error ? error.message : String(error)}`);
    void running.close(0).then(() => process.exit(1));
  },
);

const drain = {
  delayMs: integer('drain-delay-ms', values['drain-delay-ms']),
  timeoutMs: integer('drain-timeout-ms', values['drain-timeout-ms']),
};
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) {
      // An operator who signals twice wants out now: say what is lost.
      console.error(`${signal} again: exiting now, ${running.http.inFlight} requests abandoned`);
      process.exit(1);
    }
    stopping = true;
    const started = performance.now();
    console.error(
      `${signal}: draining (/ready is 503; accepting for ${drain.delayMs} ms, all answered within ${drain.timeoutMs} ms; ${signal} again to exit now)`,
    );
    running.drain(drain).then(
      () => {
        console.error(`drained in ${Math.round(performance.now() - started)} ms`);
        process.exit(0);
      },
      () => process.exit(1),
    );
  });
}
