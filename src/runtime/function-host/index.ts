/** The local Lambda function host: run a handler module as Lambda would. */
export { startFunctionHost, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES } from './host.ts';
export { functionSettings, validateSettings, settingsProblems, DEFAULT_LOG_DIR, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS, LOCAL_ACCOUNT_ID } from './settings.ts';
export { logFilePath } from './function-log.ts';
export type { FunctionHost, FunctionHostOptions, FunctionMetrics, FunctionSettings, Invoke, InvokeOutcome, DurationSummary } from './types.ts';
