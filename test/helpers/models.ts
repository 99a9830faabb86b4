/**
 * Generated test models, built once into the temp folder and shared by test files and runs. A folder
 * is named by a hash of the builder's source (every module write-model.ts reaches), the onnx-proto
 * version and the build options, so a change to the builder never reuses a stale model and no version
 * constant has to be bumped by hand.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PRESETS, type PresetName } from '../../src/model-builder/presets.js';
import { type WriteModelOptions, writeCrossEncoder } from '../../src/model-builder/write-model.js';

const ROOT = path.join(os.tmpdir(), 'ko-rerank-test-models');
const REPOSITORY = path.resolve(import.meta.dirname, '../..');
export const BUILDER_ENTRY = path.join(REPOSITORY, 'src/model-builder/write-model.ts');

/** The source files a module imports, transitively, through relative imports (types included: harmless). */
export function sourceClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)\.js'/g))
      visit(path.resolve(path.dirname(file), `${specifier}.ts`));
  };
  visit(entry);
  return [...seen].sort();
}

let builderHash: string | undefined;
/** What the builder's output depends on besides its options: its code and the protobuf writer. */
function builderFingerprint(): string {
  if (builderHash === undefined) {
    const hash = createHash('sha256');
    for (const file of sourceClosure(BUILDER_ENTRY))
      hash.update(`${path.relative(REPOSITORY, file)}\0`).update(readFileSync(file));
    const onnxProto = createRequire(import.meta.url)('onnx-proto/package.json') as { version: string };
    builderHash = hash.update(`onnx-proto ${onnxProto.version}`).digest('hex');
  }
  return builderHash;
}

type GeneratedModelOptions = Omit<WriteModelOptions, 'outDir' | 'weights'>;

/** Where generatedModel keeps the model for these options under the current builder source. */
export function generatedModelFolder(label: string, options: GeneratedModelOptions): string {
  const key = createHash('sha256').update(builderFingerprint()).update(JSON.stringify(options)).digest('hex');
  return path.join(ROOT, `${label}-${key.slice(0, 16)}`);
}

/** A model written by writeCrossEncoder with these options (random weights only), built on first use. */
export async function generatedModel(label: string, options: GeneratedModelOptions): Promise<string> {
  const folder = generatedModelFolder(label, options);
  if (existsSync(folder)) return folder;
  // Build next to the target and rename: test files run in parallel and must never see half a model.
  await mkdir(ROOT, { recursive: true });
  const staging = await mkdtemp(path.join(ROOT, 'staging-'));
  await writeCrossEncoder({ ...options, outDir: staging });
  try {
    await rename(staging, folder);
  } catch {
    await rm(staging, { recursive: true, force: true }); // another file won the race
  }
  return folder;
}

export function testModel(preset: PresetName, seed = 7): Promise<string> {
  return generatedModel(`${preset}-seed${seed}`, { preset: PRESETS[preset], seed });
}
