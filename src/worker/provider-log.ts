/**
 * Evidence of which execution provider onnxruntime really placed the graph on: while a session is
 * created, onnxruntime's verbose log is captured from the worker's console and its node-placement
 * lines are kept.
 */
import { LogLevel, env } from '@huggingface/transformers';
import { traceStep } from './load-trace.js';

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug';
const METHODS: ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug'];

export async function captureProviderLog<T>(work: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const originals = METHODS.map((m) => console[m]);
  const previousLevel = env.logLevel;
  METHODS.forEach((method) => {
    console[method] = (...args: unknown[]) => {
      const text = args.map(String).join(' ');
      // Verbose onnxruntime output (graph passes, shader dumps, placement warnings) is swallowed: the worker
      // does nothing else while a session is created, and failures arrive as exceptions, not logs.
      if (/placed on/i.test(text)) lines.push(text);
      traceStep(`onnxruntime log: ${text.slice(0, 200)}`); // only under the traceLoad test seam
    };
  });
  env.logLevel = LogLevel.DEBUG;
  try {
    return { result: await work(), lines };
  } finally {
    env.logLevel = previousLevel;
    METHODS.forEach((method, i) => (console[method] = originals[i]!));
  }
}

/** Parses onnxruntime's "Node(s) placed on [X]. Number of nodes: N" lines into { X: N }. */
export function nodePlacement(lines: string[]): Record<string, number> {
  const placement: Record<string, number> = {};
  for (const line of lines) {
    const match = /placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(line);
    if (match) placement[match[1]!] = (placement[match[1]!] ?? 0) + Number(match[2]);
  }
  return placement;
}
