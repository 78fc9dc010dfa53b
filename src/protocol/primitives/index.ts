export { Reader } from './reader.ts';
export { Writer } from './writer.ts';
export { type Loose, ZERO_UUID, EMPTY_BYTES } from './loose.ts';
export { unsupportedVersion, notInVersion, nullInVersion } from './codec-errors.ts';
