#!/usr/bin/env node
/**
 * The package's command-line tool (`npx ko-rerank <command>`), compiled to dist/node and run by plain node.
 * Each command is the repository's own script, imported into this process (no child process), so a
 * signal sent to `ko-rerank serve` reaches the service itself.
 */
import { usageError } from './command-line.js';

const COMMANDS = {
  convert: { run: () => import('./convert.js'), about: 'convert a Hugging Face checkpoint (safetensors) to ONNX' },
  eval: { run: () => import('./eval.js'), about: 'evaluate retrieval and rerankers on a dataset' },
  mine: { run: () => import('./mine.js'), about: 'mine hard negatives for reranker fine-tuning (FlagEmbedding JSONL)' },
  serve: { run: () => import('./serve.js'), about: 'run the edge rerank service (Cohere and TEI APIs)' },
  model: { run: () => import('./build-model.js'), about: 'generate a cross-encoder with random weights' },
} as const;

const USAGE = `usage: ko-rerank <command> [options]   (ko-rerank <command> --help for its options)
${Object.entries(COMMANDS)
  .map(([name, { about }]) => `  ${name.padEnd(9)} ${about}`)
  .join('\n')}`;

const command = process.argv[2];
if (command === undefined) {
  console.error(USAGE);
  process.exit(2);
}
if (command === '--help' || command === '-h') {
  console.log(USAGE);
  process.exit(0);
}
if (!Object.hasOwn(COMMANDS, command))
  usageError(`unknown command "${command}"; one of ${Object.keys(COMMANDS).join(', ')}`);
// The command parses process.argv itself: take the command's name out, as if it had been run alone.
process.argv.splice(2, 1);
await COMMANDS[command as keyof typeof COMMANDS].run();
