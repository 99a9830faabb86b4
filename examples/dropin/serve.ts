/**
 * Serves the drop-in example against the BUILT library, as an outside app would see it:
 *
 *   npx vite build --config vite.lib.config.ts   # -> dist/lib
 *   npx tsx scripts/ensure-demo-model.ts          # -> public/models/demo-xlmr (random weights)
 *   npx tsx examples/dropin/serve.ts              # then open the printed URL
 */
import { startStaticServer } from '../../scripts/static-server.js';

const port = Number(process.env['PORT'] ?? 5180);
const server = await startStaticServer({
  port,
  mounts: { '/examples/dropin/': 'examples/dropin', '/dist/lib/': 'dist/lib', '/public/models/': 'public/models' },
});
console.log(`drop-in example: ${server.url}/examples/dropin/`);
