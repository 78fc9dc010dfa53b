/**
 * Errors as Lambda's Node.js runtime reports them: the invoke response payload
 * ({ errorType, errorMessage, trace }) and the "Invoke Error" log line's JSON.
 */
import { types } from 'node:util';
import type { ErrorPayload } from '../messages.ts';

interface ErrorLike {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

/** Lambda treats native errors and anything shaped like one (name, message, stack) as an error. */
function isErrorLike(value: unknown): value is ErrorLike {
  if (types.isNativeError(value)) return typeof value.stack === 'string';
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof ErrorLike, unknown>>;
  return typeof v.name === 'string' && typeof v.message === 'string' && typeof v.stack === 'string';
}

function errorText(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The invoke response for a failed invocation; a non-error value keeps its type name, as Lambda does. */
export function errorPayload(error: unknown): ErrorPayload {
  if (isErrorLike(error)) return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
  return { errorType: typeof error, errorMessage: errorText(error), trace: [] };
}

/** The JSON Lambda logs after "Invoke Error": the error's own properties plus its stack as lines. */
export function formattedError(error: unknown): string {
  const replacer = (_key: string, value: unknown): unknown => {
    if (!(value instanceof Error)) return value;
    const code = (value as { code?: unknown }).code;
    return {
      errorType: value.name,
      errorMessage: value.message,
      ...(code !== undefined ? { code } : {}),
      ...value,
      ...(typeof value.stack === 'string' ? { stack: value.stack.split('\n') } : {}),
    };
  };
  try {
    return `\t${JSON.stringify(error instanceof Error ? error : new Error(errorText(error)), replacer)}`;
  } catch {
    return `\t${JSON.stringify(errorPayload(error))}`;
  }
}

/** An error made of a payload, so a failure can be thrown and reported unchanged. */
export class PayloadError extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.errorMessage);
    this.name = payload.errorType;
  }
}
