/**
 * The baseline of the cold-start benchmark (bench/cold-start.ts): a module worker that does only what any
 * onnxruntime-web app must do to have a session: load the same onnxruntime-web build and wasm files the
 * reranker's worker uses, read the model's bytes from the Cache API, and InferenceSession.create them.
 */
import * as ort from 'onnxruntime-web/webgpu';
import ortWasmFactoryUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

export interface BareSessionRequest {
  /** The ONNX file's URL, as the Cache API holds it. */
  url: string;
  cacheName: string;
  threads: number;
}

self.onmessage = async ({ data }: MessageEvent<BareSessionRequest>) => {
  try {
    ort.env.wasm.wasmPaths = {
      mjs: new URL(ortWasmFactoryUrl, import.meta.url).href,
      wasm: new URL(ortWasmUrl, import.meta.url).href,
    };
    ort.env.wasm.numThreads = data.threads;
    ort.env.wasm.proxy = false;
    const cached = await (await caches.open(data.cacheName)).match(data.url);
    if (!cached) throw new Error(`${data.url} is not in the Cache API (${data.cacheName})`);
    const bytes = new Uint8Array(await cached.arrayBuffer());
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    self.postMessage({ ok: true, inputs: session.inputNames });
    await session.release();
  } catch (error) {
    self.postMessage({ ok: false, error: String(error) });
  }
};
