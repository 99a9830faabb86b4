/**
 * The package's browser entry (`ko-rerank-web`, built into dist/lib): only what is exported here reaches
 * an app. It is the client's list plus the drop-in's, never a list of its own, so the two cannot drift.
 */
export * from '../client/index.js';
export * from '../dropin/index.js';
