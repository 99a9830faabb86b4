/**
 * Copies of a generated model whose tokenizer or config does not fit its graph (issue 10 item 1): a
 * tokenizer with ids past the embedding table, and a config claiming more positions than the graph has.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The id of the extra token, past the 23,398 rows of tiny-xlmr's embedding table. */
export const EXTRA_TOKEN_ID = 30_000;
export const EXTRA_TOKEN = '<extra_30000>';

async function editedCopy(
  good: string,
  name: string,
  file: string,
  edit: (json: Record<string, unknown>) => void,
): Promise<string> {
  const folder = path.join(os.tmpdir(), 'ko-rerank-mismatched', `${path.basename(good)}-${name}`);
  await mkdir(path.dirname(folder), { recursive: true });
  await cp(good, folder, { recursive: true });
  const json = JSON.parse(await readFile(path.join(folder, file), 'utf8')) as Record<string, unknown>;
  edit(json);
  await writeFile(path.join(folder, file), JSON.stringify(json));
  return folder;
}

export function tokenizerPastTable(good: string): Promise<string> {
  return editedCopy(good, 'tokenizer-past-table', 'tokenizer.json', (tokenizer) => {
    (tokenizer['added_tokens'] as unknown[]).push({
      id: EXTRA_TOKEN_ID,
      content: EXTRA_TOKEN,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    });
  });
}

/** The tokenizer's own limit is lifted too, so 4096 - 2 tokens is what the engine would really feed. */
export async function configPastPositions(good: string): Promise<string> {
  const folder = await editedCopy(good, 'config-4096-positions', 'config.json', (config) => {
    config['max_position_embeddings'] = 4096;
  });
  return editedCopy(folder, 'tokenizer-no-limit', 'tokenizer_config.json', (config) => {
    delete config['model_max_length'];
  });
}
