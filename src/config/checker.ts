import { isRecord } from './config-file.ts';

/** Collects problems, each with its path in the file. */
export class Checker {
  readonly problems: string[] = [];

  add(path: string, problem: string): void {
    this.problems.push(`${path}: ${problem}`);
  }

  unknownKeys(path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) if (!allowed.includes(key)) this.add(path === '' ? key : `${path}.${key}`, `unknown setting (allowed: ${allowed.join(', ')})`);
  }

  string(path: string, value: unknown, fallback: string): string {
    if (value === undefined) return fallback;
    if (typeof value === 'string' && value.length > 0) return value;
    this.add(path, `expected a non-empty string, got ${JSON.stringify(value)}`);
    return fallback;
  }

  int(path: string, value: unknown, min: number, max: number, fallback: number): number {
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.add(path, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return fallback;
  }

  bool(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.add(path, `expected true or false, got ${JSON.stringify(value)}`);
    return fallback;
  }

  /** A mapping of names to strings (numbers and booleans are written as text). */
  strings(path: string, value: unknown): Record<string, string> {
    if (value === undefined) return {};
    if (!isRecord(value)) {
      this.add(path, 'expected a mapping of names to values');
      return {};
    }
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
      else this.add(`${path}.${key}`, 'expected a string, number or boolean');
    }
    return out;
  }
}
