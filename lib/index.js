// The package's entry for `import ... from 'streaming-data-solution'`: the sources are
// TypeScript, so tsx's loader is registered for them first (scoped to this import, so the
// importing program's own module loading is untouched). Declarations are in types/.
import { tsImport } from 'tsx/esm/api';

const api = await tsImport('../src/index.ts', import.meta.url);

export const { startBroker, startStack, checkConfig, loadConfig, loadConfigOrDefaults, SdsError } = api;
