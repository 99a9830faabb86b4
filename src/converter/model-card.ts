/**
 * The README.md a converted folder carries: Hugging Face model-card metadata (YAML front matter) that
 * marks it as a reranker for transformers.js, so the folder uploaded as is shows up on the Hub under
 * the `text-ranking` task and the `transformers.js` library, linked to the checkpoint it came from.
 */
import type { Dtype } from '../engine/types.js';
import { isHubId } from '../engine/hub-address.js';
import type { CrossEncoderShape } from '../model-builder/config.js';

export interface ModelCardInput {
  /** The checkpoint's hub id, when known (a hub source, or config.json's `_name_or_path`). */
  baseModel?: string;
  config: Record<string, unknown>;
  shape: CrossEncoderShape;
  dtypes: Dtype[];
  /** Relative path -> bytes of the files written (ONNX, tokenizer, config). */
  files: Record<string, number>;
}

/** The hub id a checkpoint names itself by, if its config says so (transformers writes `_name_or_path`). */
export function baseModelOf(config: Record<string, unknown>, source?: string): string | undefined {
  if (source !== undefined && isHubId(source)) return source;
  const named = config['_name_or_path'];
  return typeof named === 'string' && isHubId(named) ? named : undefined;
}

/** YAML's double-quoted scalar is JSON's string syntax: safe for any id or name. */
const quoted = (text: string) => JSON.stringify(text);

export function modelCard({ baseModel, config, shape, dtypes, files }: ModelCardInput): string {
  const modelType = typeof config['model_type'] === 'string' ? config['model_type'] : undefined;
  const tags = ['cross-encoder', 'reranker', 'onnx', ...(modelType ? [modelType] : [])];
  const frontMatter = [
    '---',
    'library_name: transformers.js',
    'pipeline_tag: text-ranking',
    ...(baseModel ? [`base_model: ${quoted(baseModel)}`] : []),
    'tags:',
    ...tags.map((tag) => `  - ${quoted(tag)}`),
    '---',
  ];
  const onnxFiles = Object.entries(files)
    .filter(([file]) => file.startsWith('onnx/'))
    .map(([file, bytes]) => `| \`${file}\` | ${(bytes / 1e6).toFixed(1)} MB |`);
  const title = baseModel ? `${baseModel} (ONNX)` : 'Cross-encoder reranker (ONNX)';
  return [
    ...frontMatter,
    '',
    `# ${title}`,
    '',
    `${baseModel ? `[${baseModel}](https://huggingface.co/${baseModel})` : 'A cross-encoder checkpoint'} converted to ONNX ` +
      `for [transformers.js](https://huggingface.co/docs/transformers.js) by ko-rerank-web's converter ` +
      `(\`ko-rerank convert\`), in ${dtypes.join(', ')}. ${shape.architecture}, ${shape.numLayers} layers, ` +
      `hidden size ${shape.hiddenSize}: the model reads a (query, passage) pair and gives one relevance logit.`,
    '',
    '| file | size |',
    '| --- | ---: |',
    ...onnxFiles,
    '',
    '```js',
    "import { createReranker } from 'ko-rerank-web';",
    `const reranker = await createReranker({ model: ${quoted(baseModel ?? '<this repository>')} });`,
    "const ranked = await reranker.rank('query', ['passage one', 'passage two']); // [{ index, score }], best first",
    '```',
    '',
    ...(baseModel
      ? [`Licence and intended use: those of [${baseModel}](https://huggingface.co/${baseModel}).`, '']
      : []),
  ].join('\n');
}
