/**
 * Where a function's log lines go: its rotating log file (`<logDir>/<name>.log`) and, when the
 * caller asks, a callback that sees each line too.
 */
import { join } from 'node:path';
import { RotatingLogFile } from './log-file.ts';

export function logFilePath(logDir: string, functionName: string): string {
  return join(logDir, `${functionName}.log`);
}

export class FunctionLog {
  private readonly file: RotatingLogFile;

  constructor(
    logDir: string,
    functionName: string,
    private readonly onLine: ((line: string) => void) | undefined,
    rotation: { readonly maxBytes?: number; readonly keep?: number } = {},
    onError?: (error: unknown) => void,
  ) {
    this.file = new RotatingLogFile(logFilePath(logDir, functionName), { ...rotation, ...(onError !== undefined ? { onError } : {}) });
  }

  write(line: string): void {
    this.file.append(line);
    this.onLine?.(line);
  }

  flush(): Promise<void> {
    return this.file.flush();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
