/**
 * Bearer-key check in constant time. Both sides are hashed first, so the comparison always runs over
 * 32 bytes whatever the lengths, and a wrong key's length or prefix cannot be learned from timing.
 * Uses Web Crypto, available in Node, Deno, Bun and workers alike.
 */
async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

export function keyChecker(apiKey: string | undefined): (authorization: string | null) => Promise<boolean> {
  if (apiKey === undefined) return async () => true;
  const expected = sha256(apiKey);
  return async (authorization) => {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const given = await sha256(match?.[1]?.trim() ?? '');
    const want = await expected;
    let difference = match ? 0 : 1;
    for (let i = 0; i < want.length; i++) difference |= want[i]! ^ given[i]!;
    return difference === 0;
  };
}
