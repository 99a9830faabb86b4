/**
 * The HTTP handler, on web-standard Request/Response only, so it runs under any runtime that has the
 * model (the Node adapter is in node-adapter.ts). Order of checks: route, method, key, readiness,
 * body size, JSON, schema; each failure is answered in the shape of the API that was called.
 */
import type { EncodedRow } from '../engine/pair-encoder.js';
import { rankOrder, sigmoid } from '../engine/scoring.js';
import { cohereV1, cohereV2 } from './api/cohere.js';
import { tei } from './api/tei.js';
import type { RerankApi, RerankRequest } from './api/types.js';
import { keyChecker } from './auth.js';
import type { EngineRunner } from './engine-runner.js';
import { CancelledError, ServiceError, UnavailableError, tooLarge, tooLong } from './errors.js';
import { type ServiceMetrics, TEI_FAILURE_LABEL } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { type ResolvedOptions, lastSegment } from './options.js';
import type { Scheduler } from './scheduler.js';

export type ServiceState = 'loading' | 'ready' | 'draining' | 'stopped' | 'failed';

export interface HandlerCore {
  readonly options: ResolvedOptions;
  readonly scheduler: Scheduler<EncodedRow>;
  readonly metrics: ServiceMetrics;
  state(): ServiceState;
  model(): EngineRunner | undefined;
  version: string;
  /** Aborted when the drain deadline passes: requests still unanswered then get 503. */
  readonly shutdown: AbortSignal;
}

export type FetchHandler = (request: Request) => Promise<Response>;

const RERANK_ROUTES: Record<string, RerankApi> = { '/v1/rerank': cohereV1, '/v2/rerank': cohereV2, '/rerank': tei };
const GET_ROUTES = new Set(['/health', '/ready', '/info', '/metrics', '/openapi.json']);
/** Probes come from load balancers and orchestrators, which hold no key; the API description is public. */
const KEYLESS = new Set(['/health', '/ready', '/openapi.json']);

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** Reads the body up to `limit` bytes; stops reading (and says so) as soon as it is over. */
async function readBody(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length'));
  if (declared > limit) throw tooLarge(`the body has ${declared} bytes, the limit is ${limit}`);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(`the body is over the limit of ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function asServiceError(error: unknown, request: Request): ServiceError {
  if (error instanceof ServiceError) return error;
  if (request.signal.aborted) return new CancelledError(); // the body stream broke off
  // The engine's own failures (a model run that threw): the API's backend error, with no stack or text.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : 'internal error';
  return new ServiceError('INTERNAL', message);
}

export function createHandler(core: HandlerCore): FetchHandler {
  const { options, scheduler, metrics } = core;
  const authorized = keyChecker(options.apiKeys);
  const anyOrigin = options.corsOrigins.includes('*');
  const apiDocument = openApiDocument(core.version);
  /** Model names let in by a pattern, each logged the first time it is seen. */
  const aliasesLogged = new Set<string>();

  function corsHeaders(request: Request): Record<string, string> {
    const origin = request.headers.get('origin');
    if (!origin || !(anyOrigin || options.corsOrigins.includes(origin))) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin' };
  }

  function preflight(request: Request): Response {
    const cors = corsHeaders(request);
    if (!cors['access-control-allow-origin']) return new Response(null, { status: 403 });
    return new Response(null, {
      status: 204,
      headers: {
        ...cors,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        // The configured list, never an echo of what was asked: a header is allowed because it was chosen.
        'access-control-allow-headers': options.corsAllowHeaders.join(', '),
        'access-control-max-age': '600',
      },
    });
  }

  function failure(api: RerankApi | undefined, error: ServiceError): Response {
    const headers: Record<string, string> =
      error.retryAfter === undefined ? {} : { 'retry-after': String(error.retryAfter) };
    if (error.code === 'BODY_TOO_LARGE') headers['connection'] = 'close'; // the unread rest of the body must not be parsed as a request
    if (!api) return json(error.status, { error: error.message }, headers);
    return json(api.status(error), api.errorBody(error), headers);
  }

  async function rerank(
    api: RerankApi,
    request: Request,
    model: EngineRunner,
  ): Promise<{ response: Response; pairs: number }> {
    const started = performance.now();
    const text = await readBody(request, options.maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ServiceError('MALFORMED_BODY', 'the body is not valid JSON');
    }
    const parsed: RerankRequest = api.parse(body, {
      maxDocuments: options.maxDocuments,
      maxCharacters: options.maxCharacters,
      modelNames: options.modelNames,
    });
    const tokenizing = performance.now();
    if (parsed.modelAlias && !aliasesLogged.has(parsed.modelAlias.requested)) {
      aliasesLogged.add(parsed.modelAlias.requested);
      options.log({
        time: new Date().toISOString(),
        event: 'model_alias',
        detail: `model '${parsed.modelAlias.requested}' (allowed by '${parsed.modelAlias.pattern}') is answered by ${lastSegment(options.model)}`,
      });
    }
    const modelMax = model.info.maxLength;
    let encoded = model.encode(parsed.query, parsed.documents, modelMax);
    let maxLength = modelMax;
    if (parsed.maxTokensPerDoc !== undefined) {
      // Cohere counts the document's tokens; the engine's limit is per pair, query and special tokens included.
      maxLength = Math.min(modelMax, encoded.queryTokens + parsed.maxTokensPerDoc + model.pairSpecialTokens);
      if (maxLength < modelMax) encoded = model.encode(parsed.query, parsed.documents, maxLength, encoded.passages);
    }
    if (parsed.refuseTooLong) {
      const longest = Math.max(...encoded.full);
      if (longest > modelMax) throw tooLong(`\`inputs\` must have less than ${modelMax} tokens. Given: ${longest}`);
    }
    const queued = performance.now();
    let firstRun = queued;
    const pairs = encoded.rows.length;
    metrics.tei.predictCount.inc({}, pairs);
    const logits = await scheduler.submit({
      items: encoded.rows,
      lengths: encoded.lengths,
      maxLength,
      signal: request.signal,
      timeoutMs: options.requestTimeoutMs,
      onFirstRun: () => (firstRun = performance.now()),
    });
    const done = performance.now();
    const tei = metrics.tei;
    tei.predictSuccess.inc({}, pairs);
    tei.requestDuration.observe((done - started) / 1000);
    tei.tokenizationDuration.observe((queued - tokenizing) / 1000);
    tei.queueDuration.observe((firstRun - queued) / 1000);
    tei.inferenceDuration.observe((done - firstRun) / 1000);
    for (const length of encoded.lengths) tei.inputLength.observe(length);
    const results = rankOrder(logits, parsed.topN).map((index) => ({
      index,
      score: parsed.rawScores ? logits[index]! : sigmoid(logits[index]!),
    }));
    const usage = {
      totalTokens: encoded.lengths.reduce((sum, n) => sum + n, 0),
      servedModel: lastSegment(options.model),
    };
    return { response: json(200, api.respond(parsed, results, usage)), pairs };
  }

  function info(model: EngineRunner | undefined): unknown {
    return {
      // A local folder's path tells a caller about the machine: only its last segment unless asked.
      model_id: options.infoShowsModelPath ? options.model : lastSegment(options.model),
      model_names: options.infoShowsModelPath ? options.modelNames : [...new Set(options.modelNames.map(lastSegment))],
      model_dtype: model?.info.dtype ?? options.dtype,
      model_type: { reranker: { architecture: model?.info.architecture ?? null } },
      // A generated model (random weights): clients and UIs should say its scores carry no relevance.
      generated_by: model?.info.generatedBy ?? null,
      state: core.state(),
      max_input_length: model?.info.maxLength ?? null,
      max_batch_tokens: options.batchTokens,
      max_batch_requests: options.crossRequestBatching ? null : 1,
      max_client_batch_size: options.maxDocuments,
      max_queued_pairs: options.maxQueuedPairs,
      cross_request_batching: options.crossRequestBatching,
      request_timeout_ms: options.requestTimeoutMs,
      version: core.version,
      routes: [...Object.keys(RERANK_ROUTES).map((p) => `POST ${p}`), ...[...GET_ROUTES].map((p) => `GET ${p}`)],
    };
  }

  /** `work`, unless the drain deadline passes first (a body still arriving included): then 503. */
  function untilShutdown<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const expired = () => reject(new UnavailableError('the server is shutting down; retry'));
      if (core.shutdown.aborted) expired();
      core.shutdown.addEventListener('abort', expired, { once: true });
      work.then(resolve, reject).finally(() => core.shutdown.removeEventListener('abort', expired));
    });
  }

  async function route(request: Request, path: string): Promise<{ response: Response; pairs?: number }> {
    const api = Object.hasOwn(RERANK_ROUTES, path) ? RERANK_ROUTES[path] : undefined;
    if (!api && !GET_ROUTES.has(path)) return { response: json(404, { error: `no route ${request.method} ${path}` }) };
    if (request.method === 'OPTIONS') return { response: preflight(request) };
    const method = api ? 'POST' : 'GET';
    if (request.method !== method && !(method === 'GET' && request.method === 'HEAD')) {
      return { response: json(405, { error: `use ${method}` }, { allow: method }) };
    }
    // Load balancers probe without credentials; everything else needs the key when one is set.
    if (!KEYLESS.has(path) && !(await authorized(request.headers.get('authorization')))) {
      const error = new ServiceError('UNAUTHORIZED', 'invalid api token');
      return {
        response: api ? failure(api, error) : json(401, { error: error.message }, { 'www-authenticate': 'Bearer' }),
      };
    }
    const state = core.state();
    const model = core.model();
    // Liveness stays up while draining (a restart now would lose the requests being finished);
    // readiness goes down at once so that load balancers stop sending new ones.
    const serving = state === 'ready' || state === 'draining';
    if (path === '/health') return { response: json(serving ? 200 : 503, { status: state }) };
    if (path === '/ready') return { response: json(state === 'ready' ? 200 : 503, { status: state }) };
    if (path === '/info') return { response: json(200, info(model)) };
    if (path === '/openapi.json') return { response: json(200, apiDocument) };
    if (path === '/metrics')
      return {
        response: new Response(metrics.registry.render(), {
          headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
        }),
      };
    metrics.tei.requestCount.inc({ method: 'batch' });
    try {
      if (!serving || !model) {
        throw new UnavailableError(state === 'loading' ? 'the model is still loading' : `the server is ${state}`);
      }
      const answered = await untilShutdown(rerank(api!, request, model));
      metrics.tei.requestSuccess.inc({ method: 'batch' });
      return answered;
    } catch (caught) {
      const error = asServiceError(caught, request);
      metrics.tei.requestFailure.inc({ err: TEI_FAILURE_LABEL[error.code as keyof typeof TEI_FAILURE_LABEL] });
      return { response: failure(api, error) };
    }
  }

  return async function handle(request: Request): Promise<Response> {
    const started = performance.now();
    let path: string;
    try {
      path = new URL(request.url).pathname;
    } catch {
      path = '';
    }
    const known = Object.hasOwn(RERANK_ROUTES, path) || GET_ROUTES.has(path);
    const label = known ? path : 'other'; // never a caller's raw path in logs or metric labels
    const { response, pairs } = await route(request, path);
    for (const [name, value] of Object.entries(corsHeaders(request)))
      if (!response.headers.has(name)) response.headers.set(name, value);
    const seconds = (performance.now() - started) / 1000;
    metrics.requests.inc({ route: label, status: String(response.status) });
    if (label !== '/metrics' && label !== '/health') metrics.latency.observe(seconds, { route: label });
    options.log({
      time: new Date().toISOString(),
      event: 'request',
      method: request.method,
      route: label,
      status: response.status,
      ms: Math.round(seconds * 1000),
      pairs,
    });
    return response;
  };
}
