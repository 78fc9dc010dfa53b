/**
 * The URL a worker starts from. Workers do not inherit the main thread's module hooks, so the
 * worker first registers tsx itself, for ES modules and for CommonJS (a .ts handler outside an
 * ESM package is loaded as CommonJS), then imports the runtime loop; handler modules can then be
 * TypeScript or JavaScript alike.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const TSX_ESM = import.meta.resolve('tsx/esm/api');
const TSX_CJS = import.meta.resolve('tsx/cjs/api');
// The loop sits next to this module, as .ts from the sources or .js once compiled.
const WORKER_MAIN = new URL(`./worker/main${extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

export const WORKER_ENTRY = new URL(
  `data:text/javascript,${encodeURIComponent([
      `import { register as esm } from ${JSON.stringify(TSX_ESM)};`,
      `import { register as cjs } from ${JSON.stringify(TSX_CJS)};`,
      'esm();',
      'cjs();',
      `await import(${JSON.stringify(WORKER_MAIN)});`,
    ].join('\n'))}`,
);
