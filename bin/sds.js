#!/usr/bin/env node
// Entry point of the `sds` command. Runs the precompiled build (dist/, made by `npm install`
// or `npm run build`) when no source file is newer than it; otherwise (sources edited since),
// or with SDS_FROM_SOURCES=1, the TypeScript sources through tsx.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const built = join(root, 'dist', 'sds.js');

function builtTime() {
  try {
    return statSync(built).mtimeMs;
  } catch {
    return -1;
  }
}

/** Whether any file under `dir` changed after `time`. */
function newerThan(dir, time) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() ? newerThan(path, time) : statSync(path).mtimeMs > time) return true;
  }
  return false;
}

const time = builtTime();
if (process.env.SDS_FROM_SOURCES !== '1' && time >= 0 && !newerThan(join(root, 'src'), time)) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
