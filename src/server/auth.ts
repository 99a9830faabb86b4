/**
 * Bearer-key check in constant time. Both sides are hashed first, so the comparison always runs over
 * 32 bytes whatever the lengths, and a wrong key's length or prefix cannot be learned from timing.
 * Uses Web Crypto, available in Node, Deno, Bun and workers alike.
 */
async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** Accepts any of `apiKeys` (several during a rotation); every key is compared, so timing says not which. */
export function keyChecker(apiKeys: string[]): (authorization: string | null) => Promise<boolean> {
  if (apiKeys.length === 0) return async () => true;
  const expected = Promise.all(apiKeys.map(sha256));
  return async (authorization) => {
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const given = await sha256(match?.[1]?.trim() ?? '');
    let matched = 0;
    for (const want of await expected) {
      let difference = 0;
      for (let i = 0; i < want.length; i++) difference |= want[i]! ^ given[i]!;
      matched |= difference === 0 ? 1 : 0;
    }
    return match !== null && matched === 1;
  };
}
