/**
 * Loads the handler module and finds the exported function, reporting failures with the error
 * types Lambda's Node.js runtime uses (Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
 * Runtime.HandlerNotFound).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkerInit } from '../messages.ts';
import { errorPayload, PayloadError } from './errors.ts';

export type Handler = (event: unknown, context: object, callback: (error?: unknown, result?: unknown) => void) => unknown;

function fail(errorType: string, errorMessage: string, trace: readonly string[] = []): never {
  throw new PayloadError({ errorType, errorMessage, trace });
}

function isSyntaxError(error: unknown): error is Error {
  // tsx reports a TypeScript syntax error as esbuild's TransformError.
  return error instanceof SyntaxError || (error instanceof Error && error.name === 'TransformError');
}

/** Where in the file a syntax error is: Node puts "file:line" as the first line of the stack. */
function location(error: Error, path: string): string {
  const first = error.stack?.split('\n')[0] ?? '';
  return first.includes(path) && !error.message.includes(path) ? ` (${first})` : '';
}

async function importModule(init: WorkerInit): Promise<Record<string, unknown>> {
  const path = fileURLToPath(init.moduleUrl);
  if (!existsSync(path)) fail('Runtime.ImportModuleError', `Error: Cannot find module '${path}'`);
  try {
    return (await import(init.moduleUrl)) as Record<string, unknown>;
  } catch (error: unknown) {
    const { trace } = errorPayload(error);
    if (isSyntaxError(error)) fail('Runtime.UserCodeSyntaxError', `${String(error)}${location(error, path)}`, trace);
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') fail('Runtime.ImportModuleError', String(error), trace);
    throw error;
  }
}

function resolveExport(module: Record<string, unknown>, exportName: string): unknown {
  const lookup = (root: unknown): unknown =>
    exportName.split('.').reduce<unknown>((at, key) => (typeof at === 'object' || typeof at === 'function') && at !== null ? (at as Record<string, unknown>)[key] : undefined, root);
  // A CommonJS module whose exports Node cannot detect statically has them on `default` only.
  return lookup(module) ?? lookup(module.default);
}

export async function loadHandler(init: WorkerInit): Promise<Handler> {
  const handler = resolveExport(await importModule(init), init.exportName);
  if (handler === undefined || handler === null) fail('Runtime.HandlerNotFound', `${init.handlerString} is undefined or not exported`);
  if (typeof handler !== 'function') fail('Runtime.HandlerNotFound', `${init.handlerString} is not a function`);
  return handler as Handler;
}
