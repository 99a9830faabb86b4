/**
 * Where a file of a hub model lives: the Hugging Face Hub's URL layout, `{host}{model}/resolve/{revision}/{file}`,
 * which the hub itself, its mirrors and src/hub-mirror all serve. The engine's and the converter's downloads,
 * and the worker's settings for transformers.js, all address files through this module.
 */

export const DEFAULT_HUB_HOST = 'https://huggingface.co/';

/** The path of a model's files below the host, as a transformers.js `env.remotePathTemplate`. */
export const HUB_PATH_TEMPLATE = '{model}/resolve/{revision}/';

/** Hugging Face's own rule for repository ids (`org/name`, each part at most 96 characters). */
const HUB_ID = /^(?:[\w.-]{1,96}\/)?[\w.-]{1,96}$/;

export function isHubId(model: string): boolean {
  return HUB_ID.test(model) && !model.includes('..') && !model.includes('--');
}

/** A base URL ending in one slash (the default hub when none or '' is given), so that paths append to it. */
export function hubBaseUrl(host?: string): string {
  return host ? host.replace(/\/*$/, '/') : DEFAULT_HUB_HOST;
}

export interface HubFile {
  /** Base URL; a trailing slash is added when missing. */
  host?: string | undefined;
  model: string;
  revision: string;
  /** Path inside the model repository, e.g. `onnx/model.onnx`. */
  file: string;
  /** Another layout below the host (a plain folder is `{model}/`); default: the hub's. */
  pathTemplate?: string;
}

/**
 * The URL of one file, filled in as transformers.js fills its `remotePathTemplate` (the revision
 * percent-encoded, the model id as given), so that our URLs and its own name the same resource.
 */
export function hubFileUrl({ host, model, revision, file, pathTemplate = HUB_PATH_TEMPLATE }: HubFile): string {
  const path = pathTemplate.replaceAll('{model}', model).replaceAll('{revision}', encodeURIComponent(revision));
  return `${hubBaseUrl(host)}${path}${file}`;
}
