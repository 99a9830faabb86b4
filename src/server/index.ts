/** The edge rerank service: Cohere v1/v2 and TEI rerank APIs over the engine, with cross-request batching. */
export { createRerankService, type RerankService } from './service.js';
export { SERVICE_VERSION } from './version.js';
export {
  serveNode,
  type NodeServer,
  type NodeServeOptions,
  type Drainable,
  type DrainOptions,
} from './node-adapter.js';
export { startServer, type RunningServer } from './start.js';
export type { ServiceOptions, LogEntry } from './options.js';
export type { FetchHandler, ServiceState } from './handler.js';
export {
  ServiceError,
  OverloadedError,
  UnavailableError,
  TimeoutError,
  CancelledError,
  type ServiceErrorCode,
} from './errors.js';
export { Scheduler, type ModelRunner, type SchedulerOptions } from './scheduler.js';
