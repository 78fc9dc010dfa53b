/** Helpers for the function host tests: fixture paths, a temporary log folder, reading a log. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { functionSettings } from '../../../src/runtime/function-host/settings.ts';
import type { FunctionSettings } from '../../../src/runtime/function-host/types.ts';

export const FIXTURES = resolve(import.meta.dirname, '../../fixtures/functions');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export interface TempDir {
  readonly path: string;
  remove(): void;
}

export function tempDir(prefix = 'sds-fn-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function settingsFor(name: string, file: string, logDir: string, more: Partial<FunctionSettings> = {}): FunctionSettings {
  return functionSettings({ name, modulePath: isAbsolute(file) ? file : fixture(file), logDir, ...more });
}

export function logLines(logDir: string, name: string): string[] {
  return readFileSync(join(logDir, `${name}.log`), 'utf8').split('\n').filter((l) => l.length > 0);
}

/** The lines logged for one request: console lines carry its id, platform lines name it. */
export function linesOf(lines: readonly string[], requestId: string): string[] {
  return lines.filter((l) => l.includes(requestId));
}

export const ISO = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z`;
export const UUID = String.raw`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`;
