/**
 * The package's folder: the nearest one above this module holding a package.json. The same
 * folder whether the code runs from the sources (src/) or from the precompiled build (dist/),
 * so files the code reads at run time (the dashboard page, the packaged handlers, the worker
 * loop) are found from here rather than relative to the running module.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = packageRoot(import.meta.dirname);

/** A path inside the package's sources. */
export function sourcePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, 'src', ...parts);
}
