/**
 * Log lines in the text format of Lambda's Node.js runtime and platform, so local logs read like
 * CloudWatch's: console output as `<ISO time>\t<request id>\t<LEVEL>\t<message>` (newlines in a
 * message become carriage returns, keeping one entry per line, as the runtime does), and the
 * platform's START, END, REPORT and timeout lines.
 */
import { FUNCTION_VERSION } from './identity.ts';
import type { LogLevel } from './messages.ts';

export function consoleLine(time: number, requestId: string | null, level: LogLevel, message: string): string {
  // Output from the init phase has no request id; Lambda prints "undefined".
  return `${new Date(time).toISOString()}\t${requestId ?? 'undefined'}\t${level}\t${message}`.replace(/\n/g, '\r');
}

export function startLine(requestId: string): string {
  return `START RequestId: ${requestId} Version: ${FUNCTION_VERSION}`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

export interface Report {
  readonly requestId: string;
  readonly durationMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  /** Only on an execution environment's first invocation. */
  readonly initDurationMs?: number;
  readonly status?: { readonly kind: 'timeout' } | { readonly kind: 'error'; readonly errorType: string };
}

export function reportLine(r: Report): string {
  const fields = [
    `REPORT RequestId: ${r.requestId}`,
    `Duration: ${r.durationMs.toFixed(2)} ms`,
    // Lambda bills by the millisecond, rounded up.
    `Billed Duration: ${Math.max(1, Math.ceil(r.durationMs))} ms`,
    `Memory Size: ${r.memorySizeMb} MB`,
    `Max Memory Used: ${r.maxMemoryUsedMb} MB`,
  ];
  if (r.initDurationMs !== undefined) fields.push(`Init Duration: ${r.initDurationMs.toFixed(2)} ms`);
  if (r.status?.kind === 'timeout') fields.push('Status: timeout');
  if (r.status?.kind === 'error') fields.push('Status: error', `Error Type: ${r.status.errorType}`);
  return fields.join('\t');
}

export function timeoutLine(time: number, requestId: string, elapsedMs: number): string {
  return `${new Date(time).toISOString()} ${requestId} ${timeoutMessage(elapsedMs)}`;
}

export function timeoutMessage(elapsedMs: number): string {
  return `Task timed out after ${(elapsedMs / 1000).toFixed(2)} seconds`;
}

export function exitMessage(requestId: string, exitCode: number): string {
  return `RequestId: ${requestId} Error: ${exitCode === 0 ? 'Runtime exited without providing a reason' : `Runtime exited with error: exit status ${exitCode}`}`;
}

/** The platform's line for a failed init phase. */
export function initReportLine(initDurationMs: number, errorType: string): string {
  return `INIT_REPORT Init Duration: ${initDurationMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${errorType}`;
}

/** A line starting with an ISO time (console output, timeouts); platform lines have none. */
export function lineTime(line: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)[\t ]/.exec(line);
  return m === null ? null : Date.parse(m[1] as string);
}
