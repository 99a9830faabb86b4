/**
 * Serves model files the user picked from disk (File/Blob objects, keyed by their path in the model
 * folder, e.g. `onnx/model_quantized.onnx`) to transformers.js through its custom-cache hook, so the
 * ordinary loading code runs and nothing touches the network.
 */
export const PICKED_FILES_HOST = 'https://picked-files.invalid/';
export const PICKED_MODEL_ID = 'picked/model';

export class PickedFilesCache {
  constructor(private readonly files: Record<string, Blob>) {}

  async match(request: string | Request): Promise<Response | undefined> {
    const url = typeof request === 'string' ? request : request.url;
    const marker = '/resolve/';
    const at = url.indexOf(marker);
    if (at < 0) return undefined;
    // After /resolve/ comes {revision}/{path in the folder}.
    const relative = decodeURIComponent(
      url
        .slice(at + marker.length)
        .split('/')
        .slice(1)
        .join('/'),
    );
    const file = this.files[relative];
    if (!file) return undefined;
    return new Response(file, {
      headers: { 'Content-Length': String(file.size), 'Content-Type': 'application/octet-stream' },
    });
  }

  async put(): Promise<void> {
    // Picked files are already local: nothing to store.
  }
}

/** Paths from a folder pick (`<input webkitdirectory>`): drops the top folder name, keeps the rest. */
export function filesFromFolderPick(files: Iterable<File>): Record<string, Blob> {
  const out: Record<string, Blob> = {};
  for (const file of files) {
    const relative = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
    const path = relative.includes('/') ? relative.slice(relative.indexOf('/') + 1) : relative;
    out[path] = file;
  }
  return out;
}
