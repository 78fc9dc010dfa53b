/**
 * The project's one structured logger. Components take a child logger carrying their
 * context (connection id, request id); payloads are logged only at debug level.
 * SDS_LOG_LEVEL picks the level (default info; tests run with silent).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level = process.env.SDS_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}

/** A logger that drops everything, for library use where the caller gave none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
