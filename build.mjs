// Bundles the local CLI into dist/coffer.mjs so `coffer` (bin) and `npm start` run plain JS.
// Native and heavy runtime dependencies stay external and load from node_modules.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));
await build({
  entryPoints: ['local/cli.ts'],
  outfile: 'dist/coffer.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: Object.keys(pkg.dependencies ?? {}),
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
