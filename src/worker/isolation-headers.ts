/**
 * The response headers that make a page cross-origin isolated, which gives it SharedArrayBuffer and so
 * onnxruntime-web its WASM threads. Sent by the dev server, the service worker and the static server.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
