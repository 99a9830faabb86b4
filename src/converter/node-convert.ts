/**
 * The converter in Node: a local folder or a hub id in, a model folder out. Output is written to a
 * staging folder beside the target and renamed into place only when every file (and `verify`, when
 * asked) succeeded, so a failed or interrupted conversion leaves no half-written model.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isHubId } from '../engine/hub-address.js';
import type { Dtype } from '../engine/types.js';
import { nodeFileOpener } from '../model-builder/node-file-sink.js';
import { type ConversionProgress, type ConversionReport, convertCheckpoint } from './convert.js';
import { ConversionError } from './errors.js';
import { downloadCheckpoint } from './hub-download.js';
import { nodeSourceFolder } from './node-folder.js';
import { type VerifyResult, verifyConversion } from './verify.js';

export interface ConvertModelOptions {
  /** A local checkpoint folder, or a hub id (`Dongjin-kr/ko-reranker`). */
  source: string;
  out: string;
  dtypes: Dtype[];
  revision?: string;
  remoteHost?: string;
  /** Longest wait for a download's headers or next chunk (DOWNLOAD_STALLED past it). Default 30 000 ms. */
  stallTimeoutMs?: number;
  verify?: boolean;
  /** Replace an existing, non-empty output folder. */
  overwrite?: boolean;
  externalData?: 'auto' | 'always' | 'never';
  maxChunkBytes?: number;
  /** Stops the download or conversion; the staging folders are removed. */
  signal?: AbortSignal;
  onProgress?: (
    event:
      | ConversionProgress
      | { phase: 'download'; file: string; loaded: number; total: number | null }
      | { phase: 'verify' },
  ) => void;
}

export interface ConvertModelResult extends ConversionReport {
  out: string;
  verify?: VerifyResult[];
}

export async function convertModel(options: ConvertModelOptions): Promise<ConvertModelResult> {
  const out = path.resolve(options.out);
  if (existsSync(out) && (await readdir(out).catch(() => [])).length > 0 && !options.overwrite) {
    throw new ConversionError(
      'UNSUPPORTED_CHECKPOINT',
      `${options.out} exists and is not empty (pass --overwrite to replace it)`,
    );
  }
  const local = existsSync(options.source) && (await stat(options.source)).isDirectory();
  if (!local && !isHubId(options.source)) {
    throw new ConversionError(
      'CHECKPOINT_FILE_MISSING',
      `"${options.source}" is neither a local folder nor a hub id like "Dongjin-kr/ko-reranker"`,
    );
  }
  const parent = path.dirname(out);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(path.join(parent, `.${path.basename(out)}.converting-`));
  let download: string | null = null;
  try {
    let sourceDir = options.source;
    if (!local) {
      download = await mkdtemp(path.join(parent, `.${path.basename(out)}.download-`));
      await downloadCheckpoint(options.source, nodeFileOpener(download), {
        remoteHost: options.remoteHost,
        revision: options.revision,
        signal: options.signal,
        stallTimeoutMs: options.stallTimeoutMs,
        onProgress: (event) => options.onProgress?.({ phase: 'download', ...event }),
      });
      sourceDir = download;
    }
    const report = await convertCheckpoint(nodeSourceFolder(sourceDir), nodeFileOpener(staging), {
      dtypes: options.dtypes,
      externalData: options.externalData,
      maxChunkBytes: options.maxChunkBytes,
      signal: options.signal,
      onProgress: options.onProgress,
      // A local folder's path is not an id (`models/x` would look like one); config.json may name it.
      source: local ? undefined : options.source,
    });
    let verify: VerifyResult[] | undefined;
    if (options.verify) {
      options.onProgress?.({ phase: 'verify' });
      verify = await verifyConversion(nodeSourceFolder(sourceDir), staging, options.dtypes);
      const failed = verify.filter((r) => !r.passed);
      if (failed.length > 0) {
        const error = new ConversionError(
          'VERIFY_FAILED',
          `verify failed for ${failed.map((r) => `${r.file} (${r.bound}; max abs diff ${r.maxAbsDiff.toExponential(2)})`).join(', ')}`,
          { file: failed[0]!.file },
        );
        Object.assign(error, { verify });
        throw error;
      }
    }
    if (existsSync(out)) await rm(out, { recursive: true, force: true });
    await rename(staging, out);
    return { ...report, out, verify };
  } finally {
    await rm(staging, { recursive: true, force: true });
    if (download) await rm(download, { recursive: true, force: true });
  }
}
