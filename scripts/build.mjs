#!/usr/bin/env node
// Precompiles the `sds` command into dist/ (run by `npm install` through the prepare script,
// and by `npm pack`): one ES module per command, split so that a command loads only its own
// code, with the dependencies left in node_modules. bin/sds.js runs it when it is up to date,
// which starts several times faster and takes less memory than transpiling the sources.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const outdir = join(root, 'dist');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { sds: join(root, 'src/cli/main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
