/**
 * The package's Node entry (`ko-rerank-web/node`, built into dist/node): the engine on onnxruntime-node,
 * the checkpoint converter and the edge rerank service. Only what is exported here reaches a Node app;
 * each folder keeps its own public list and this file only joins them.
 */
export * from '../engine/index.js';
export * from '../converter/index.js';
export * from '../server/index.js';
