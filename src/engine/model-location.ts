/**
 * `models/foo` is both a relative folder and a valid hub id; transformers.js would treat it as a hub
 * id. In Node we check the disk first, so an existing folder always wins, given as an absolute path
 * (transformers.js reads absolute paths directly). Browsers have no disk: the string is passed on.
 */
interface NodeFs {
  statSync(path: string, options: { throwIfNoEntry: false }): { isDirectory(): boolean } | undefined;
}
interface NodePath {
  resolve(...paths: string[]): string;
}

export function resolveModelLocation(model: string): string {
  const node = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof node?.getBuiltinModule !== 'function') return model;
  const fs = node.getBuiltinModule('node:fs') as NodeFs;
  const path = node.getBuiltinModule('node:path') as NodePath;
  const absolute = path.resolve(model);
  return fs.statSync(absolute, { throwIfNoEntry: false })?.isDirectory() ? absolute : model;
}
