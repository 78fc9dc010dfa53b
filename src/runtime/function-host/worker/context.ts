/**
 * Lambda's Node.js context object, as the runtime builds it: the function's identity (from the
 * environment), the invocation's (request id, ARN, deadline), callbackWaitsForEmptyEventLoop,
 * and the legacy succeed/fail/done methods.
 */
import type { InvokeMessage, WorkerInit } from '../messages.ts';

export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  /** A string, as in Node.js on Lambda. */
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly identity: undefined;
  readonly clientContext: undefined;
  readonly getRemainingTimeInMillis: () => number;
  readonly succeed: (result?: unknown) => void;
  readonly fail: (error?: unknown) => void;
  readonly done: (error?: unknown, result?: unknown) => void;
}

export interface Completion {
  /** Ends the invocation: an error when `error` is neither null nor undefined, otherwise the result. */
  done(error: unknown, result: unknown): void;
  readonly waitsForEmptyEventLoop: { value: boolean };
}

export function buildContext(init: WorkerInit, invoke: InvokeMessage, completion: Completion): LambdaContext {
  let finished = false;
  // Like Lambda, only the first of succeed/fail/done counts.
  const once = (error: unknown, result: unknown): void => {
    if (finished) return;
    finished = true;
    completion.done(error, result);
  };
  return {
    get callbackWaitsForEmptyEventLoop() {
      return completion.waitsForEmptyEventLoop.value;
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      completion.waitsForEmptyEventLoop.value = value;
    },
    functionName: init.functionName,
    functionVersion: init.functionVersion,
    invokedFunctionArn: init.invokedFunctionArn,
    memoryLimitInMB: init.memoryLimitInMB,
    awsRequestId: invoke.requestId,
    logGroupName: init.logGroupName,
    logStreamName: init.logStreamName,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(0, invoke.deadlineMs - Date.now()),
    succeed: (result?: unknown) => once(null, result),
    fail: (error?: unknown) => once(error ?? 'handled', null),
    done: (error?: unknown, result?: unknown) => once(error, result),
  };
}
