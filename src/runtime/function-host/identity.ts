/**
 * The names Lambda gives a function and its execution environments: ARN, log group, log stream
 * (one per environment, i.e. per worker), request ids.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FunctionSettings } from './types.ts';

export const FUNCTION_VERSION = '$LATEST';

export function functionArn(s: FunctionSettings): string {
  return `arn:aws:lambda:${s.region}:${s.accountId}:function:${s.name}`;
}

export function logGroupName(s: FunctionSettings): string {
  return `/aws/lambda/${s.name}`;
}

/** Lambda's format: YYYY/MM/DD/[$LATEST]<32 hex digits>, dated (UTC) when the environment starts. */
export function newLogStreamName(now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[${FUNCTION_VERSION}]${randomBytes(16).toString('hex')}`;
}

export function newRequestId(): string {
  return randomUUID();
}
