/**
 * The URL a worker starts from. Workers do not inherit the main thread's module hooks, so the
 * worker first registers tsx itself, for ES modules and for CommonJS (a .ts handler outside an
 * ESM package is loaded as CommonJS), then imports the runtime loop; handler modules can then be
 * TypeScript or JavaScript alike.
 */
import { pathToFileURL } from 'node:url';
import { sourcePath } from '../../package-root.ts';

const TSX_ESM = import.meta.resolve('tsx/esm/api');
const TSX_CJS = import.meta.resolve('tsx/cjs/api');
// From the sources even when the main thread runs the precompiled build: the worker has tsx.
const WORKER_MAIN = pathToFileURL(sourcePath('runtime', 'function-host', 'worker', 'main.ts')).href;

export const WORKER_ENTRY = new URL(
  `data:text/javascript,${encodeURIComponent([
      `import { register as esm } from ${JSON.stringify(TSX_ESM)};`,
      `import { register as cjs } from ${JSON.stringify(TSX_CJS)};`,
      'esm();',
      'cjs();',
      `await import(${JSON.stringify(WORKER_MAIN)});`,
    ].join('\n'))}`,
);
