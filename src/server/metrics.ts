/**
 * A minimal Prometheus registry (counters, gauges, histograms with labels) rendering the text
 * exposition format 0.0.4. Small enough to own, and it keeps the handler free of Node-only packages.
 */
import type { ServiceErrorCode } from './errors.js';

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}`;
}

function number(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    private readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.values) lines.push(`${this.name}${key} ${number(value)}`);
    return lines.join('\n');
  }
}

export class Gauge implements Metric {
  private value = 0;
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly read?: () => number,
  ) {}
  set(value: number): void {
    this.value = value;
  }
  get(): number {
    return this.read ? this.read() : this.value;
  }
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, `${this.name} ${number(this.get())}`].join(
      '\n',
    );
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly buckets: readonly number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    this.buckets.forEach((bound, i) => {
      if (value <= bound) s.counts[i]!++;
    });
    s.sum += value;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.count ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      this.buckets.forEach((bound, i) =>
        lines.push(`${this.name}_bucket${labelKey({ ...labels, le: number(bound) })} ${counts[i]}`),
      );
      lines.push(`${this.name}_bucket${labelKey({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(
        `${this.name}_sum${labelKey(labels)} ${number(sum)}`,
        `${this.name}_count${labelKey(labels)} ${count}`,
      );
    }
    return lines.join('\n');
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
  render(): string {
    return `${this.metrics.map((m) => m.render()).join('\n')}\n`;
  }
}

/** TEI's `err` label for a failed rerank request (TEI's own words where it has the case). */
export const TEI_FAILURE_LABEL: Record<Exclude<ServiceErrorCode, 'UNAUTHORIZED'>, string> = {
  MALFORMED_BODY: 'validation',
  INVALID_INPUT: 'validation',
  EMPTY_INPUT: 'validation',
  BODY_TOO_LARGE: 'validation',
  UNKNOWN_MODEL: 'validation',
  LIMIT_EXCEEDED: 'batch_size',
  INPUT_TOO_LONG: 'tokenization',
  OVERLOADED: 'overloaded',
  UNAVAILABLE: 'unavailable',
  REQUEST_TIMEOUT: 'timeout',
  ABORTED: 'cancelled',
  INTERNAL: 'inference',
};

const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const powersOfTwo = (upTo: number) => Array.from({ length: Math.log2(upTo) + 1 }, (_, i) => 2 ** i);

/**
 * The service's metrics, one registry per service instance (tests run several side by side).
 *
 * Two families. `te_*` are text-embeddings-inference's names, kept to TEI's meaning (a rerank call is a
 * `method="batch"` request; each (query, document) pair is a `predict`), so that dashboards and autoscaling
 * rules written for TEI read this service unchanged. `rerank_*` are this service's own (per route, per
 * status, dropped pairs); where both describe the same thing they are fed from the same observation.
 * docs/service.md has the table.
 */
export function serviceMetrics(gauges: {
  queuedPairs: () => number;
  queuedRequests: () => number;
  tokensPerSecond: () => number;
}) {
  const registry = new Registry();
  return {
    registry,
    requests: registry.add(new Counter('rerank_http_requests_total', 'HTTP requests by route and status.')),
    latency: registry.add(
      new Histogram('rerank_http_request_duration_seconds', 'Time from request to response, by route.', SECONDS),
    ),
    queuedPairs: registry.add(
      new Gauge('rerank_queue_pairs', 'Pairs waiting for or in a model run.', gauges.queuedPairs),
    ),
    queuedRequests: registry.add(
      new Gauge('rerank_queue_requests', 'Requests waiting for or in a model run.', gauges.queuedRequests),
    ),
    batchPairs: registry.add(
      new Histogram('rerank_batch_pairs', 'Pairs (rows) per model run.', [1, 2, 4, 8, 16, 32, 64, 128, 256]),
    ),
    batchRequests: registry.add(
      new Histogram('rerank_batch_requests', 'Requests sharing one model run.', [1, 2, 4, 8, 16, 32, 64]),
    ),
    runSeconds: registry.add(
      new Histogram(
        'rerank_model_run_seconds',
        'Time of one model run.',
        [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      ),
    ),
    tokens: registry.add(new Counter('rerank_tokens_total', 'Tokens (padding excluded) through the model.')),
    tokensPerSecond: registry.add(
      new Gauge(
        'rerank_tokens_per_second',
        'Recent model throughput in tokens per second (moving average).',
        gauges.tokensPerSecond,
      ),
    ),
    droppedPairs: registry.add(
      new Counter('rerank_dropped_pairs_total', 'Queued pairs dropped before their model run, by reason.'),
    ),
    tei: {
      requestCount: registry.add(new Counter('te_request_count', 'Rerank requests received (method="batch").')),
      requestSuccess: registry.add(new Counter('te_request_success', 'Rerank requests answered with scores.')),
      requestFailure: registry.add(new Counter('te_request_failure', 'Rerank requests that failed, by err.')),
      requestDuration: registry.add(
        new Histogram('te_request_duration', 'Seconds from request to scores, successful rerank requests.', SECONDS),
      ),
      tokenizationDuration: registry.add(
        new Histogram('te_request_tokenization_duration', 'Seconds spent tokenizing a request.', SECONDS),
      ),
      queueDuration: registry.add(
        new Histogram('te_request_queue_duration', 'Seconds a request waited before its first model run.', SECONDS),
      ),
      inferenceDuration: registry.add(
        new Histogram(
          'te_request_inference_duration',
          "Seconds from a request's first model run to its last logit.",
          SECONDS,
        ),
      ),
      inputLength: registry.add(
        new Histogram('te_request_input_length', 'Tokens of each (query, document) pair.', powersOfTwo(8192)),
      ),
      predictCount: registry.add(new Counter('te_predict_count', '(query, document) pairs submitted for scoring.')),
      predictSuccess: registry.add(new Counter('te_predict_success', '(query, document) pairs scored.')),
      batchNextSize: registry.add(new Histogram('te_batch_next_size', 'Pairs per model run.', powersOfTwo(4096))),
      batchNextTokens: registry.add(
        new Histogram('te_batch_next_tokens', 'Tokens (padding excluded) per model run.', powersOfTwo(1 << 20)),
      ),
      queueSize: registry.add(new Gauge('te_queue_size', 'Pairs waiting for or in a model run.', gauges.queuedPairs)),
    },
  };
}
export type ServiceMetrics = ReturnType<typeof serviceMetrics>;
