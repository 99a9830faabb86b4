/**
 * transformers.js asks each model file's size before downloading it (for its progress totals) with a GET
 * of `Range: bytes=0-0`. A server that mishandles that range sends the whole file: Vite's dev and preview
 * servers do (sirv reads the end `0` as "to the end"), so every model file travelled twice. A HEAD asks
 * the same question with no body on any server; where HEAD is refused, the original GET goes out.
 */
type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

function isSizeProbe(init: RequestInit | undefined): boolean {
  return (init?.method ?? 'GET').toUpperCase() === 'GET' && new Headers(init?.headers).get('range') === 'bytes=0-0';
}

/** `fetchImpl` with transformers.js's size probes sent as HEAD requests (same status and headers, no body). */
export function sizeProbesAsHead(fetchImpl: Fetch): Fetch {
  return async (input, init) => {
    if (!isSizeProbe(init)) return fetchImpl(input, init);
    const headers = new Headers(init?.headers);
    headers.delete('range');
    let head: Response;
    try {
      head = await fetchImpl(input, { ...init, method: 'HEAD', headers });
    } catch (error) {
      if (init?.signal?.aborted) throw error; // cancelled or stalled: not a reason to try again
      return fetchImpl(input, init);
    }
    // 404 is an answer too (the file does not exist); other failures may be a server without HEAD.
    if (!head.ok && head.status !== 404) return fetchImpl(input, init);
    return new Response(null, { status: head.status, statusText: head.statusText, headers: head.headers });
  };
}
