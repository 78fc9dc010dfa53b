/** Messages between the host (main thread) and a worker running one handler module. */

/** What a worker needs to load the handler and build Lambda's context object. */
export interface WorkerInit {
  /** file: URL of the handler module. */
  readonly moduleUrl: string;
  readonly exportName: string;
  /** Lambda's handler string ("index.handler"), used in load error messages. */
  readonly handlerString: string;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly requestId: string;
  /** The event as JSON text: the handler gets a fresh parse, as on Lambda. */
  readonly event: string;
  /** Epoch milliseconds when the invocation times out (getRemainingTimeInMillis). */
  readonly deadlineMs: number;
}

/** Lambda's log levels for console methods (console.log is INFO). */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

export interface ErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

export type WorkerMessage =
  | { readonly type: 'ready' }
  | ({ readonly type: 'init-error' } & ErrorPayload)
  /** A console call: the host adds the timestamp, request id and level prefix. */
  | { readonly type: 'console'; readonly time: number; readonly requestId: string | null; readonly level: LogLevel; readonly message: string }
  /** A raw process.stdout/stderr write: logged as is, like Lambda does. */
  | { readonly type: 'raw'; readonly text: string }
  | {
      readonly type: 'done';
      readonly requestId: string;
      readonly durationMs: number;
      readonly memoryUsedMb: number;
      /** The result as JSON text, or the error. */
      readonly outcome: { readonly ok: true; readonly payload: string } | ({ readonly ok: false } & ErrorPayload);
      /** The worker ends after this message (an uncaught exception or rejection). */
      readonly fatal: boolean;
    };
