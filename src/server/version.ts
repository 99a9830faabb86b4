/**
 * The version the service reports (GET /info): the package's own, read from package.json so that a
 * release bumps one place. Found by the package's name (its "exports" list ./package.json), so the same
 * line works in the repository (tsx, vitest) and from dist/node in an installed package.
 */
import { createRequire } from 'node:module';

export const SERVICE_VERSION: string = (
  createRequire(import.meta.url)('ko-rerank-web/package.json') as { version: string }
).version;
