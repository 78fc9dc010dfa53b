/**
 * FilterCriteria of a Kafka event source mapping: up to 5 patterns (`{ "Filters": [{ "Pattern":
 * "<JSON>" }] }`); a record is delivered when any pattern matches it. For Kafka only the `value`
 * key can be filtered: a value that parses as a JSON object is matched field by field
 * (`{"value":{"device":[{"prefix":"AB"}]}}`), any other value as one plain string
 * (`{"value":[{"anything-but":["error"]}]}`). Conditions, as in Lambda's event filtering: exact
 * values (strings, numbers, null), prefix, suffix, equals-ignore-case, anything-but (values or a
 * prefix), numeric ranges, and exists. Records that match no pattern are skipped, and committed.
 */
import { SdsError } from '../../errors.ts';

export const MAX_FILTERS = 5;
const MAX_PATTERN_CHARS = 4096;

type Condition = (value: unknown, present: boolean) => boolean;
type Matcher = (subject: unknown, present: boolean) => boolean;

export class FilterError extends SdsError {
  constructor(message: string) {
    super('SDS_ERR_FILTER_INVALID', `FilterCriteria: ${message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numeric(spec: unknown, path: string): Condition {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0 || spec.length > 4) {
    throw new FilterError(`${path}: numeric takes one or two [operator, number] pairs, e.g. [">", 0, "<=", 5]`);
  }
  const items = spec as unknown[];
  const tests: ((n: number) => boolean)[] = [];
  for (let i = 0; i < items.length; i += 2) {
    const op = items[i];
    const bound = items[i + 1];
    const compare = typeof op === 'string' ? NUMERIC_OPS[op] : undefined;
    if (compare === undefined || typeof bound !== 'number') throw new FilterError(`${path}: numeric operator must be one of =, <, <=, >, >= followed by a number`);
    tests.push((n) => compare(n, bound));
  }
  return (v) => typeof v === 'number' && tests.every((t) => t(v));
}

function condition(spec: unknown, path: string): Condition {
  if (spec === null || typeof spec === 'string' || typeof spec === 'number' || typeof spec === 'boolean') {
    return (v, present) => present && v === spec;
  }
  if (!isObject(spec) || Object.keys(spec).length !== 1) throw new FilterError(`${path}: a condition is a value or an object with one operator`);
  const [op, arg] = Object.entries(spec)[0] as [string, unknown];
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case': {
      if (typeof arg !== 'string') throw new FilterError(`${path}: ${op} takes a string`);
      if (op === 'prefix') return (v) => typeof v === 'string' && v.startsWith(arg);
      if (op === 'suffix') return (v) => typeof v === 'string' && v.endsWith(arg);
      return (v) => typeof v === 'string' && v.toLowerCase() === arg.toLowerCase();
    }
    case 'anything-but': {
      if (isObject(arg)) {
        const inner = condition(arg, `${path}.anything-but`);
        return (v, present) => present && !isObject(v) && !inner(v, present);
      }
      const excluded = Array.isArray(arg) ? arg : [arg];
      if (!excluded.every((e) => typeof e === 'string' || typeof e === 'number')) throw new FilterError(`${path}: anything-but takes strings, numbers or {"prefix": ...}`);
      // Only a leaf value can be "anything but": an object or a missing field is not one.
      return (v, present) => present && !isObject(v) && !excluded.includes(v as string | number);
    }
    case 'numeric':
      return numeric(arg, path);
    case 'exists':
      if (typeof arg !== 'boolean') throw new FilterError(`${path}: exists takes true or false`);
      return (_v, present) => present === arg;
    default:
      throw new FilterError(`${path}: unknown operator "${op}" (prefix, suffix, equals-ignore-case, anything-but, numeric, exists)`);
  }
}

/** A pattern node: a list of conditions (any matches) or an object of fields (all match). */
function matcher(spec: unknown, path: string): Matcher {
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw new FilterError(`${path}: an empty list matches nothing`);
    const conditions = spec.map((c, i) => condition(c, `${path}[${i}]`));
    // A list in the record matches when any of its elements does (exists looks at the field itself).
    return (subject, present) =>
      conditions.some((c) => (Array.isArray(subject) ? subject.some((s) => c(s, true)) || (subject.length === 0 && c(undefined, false)) : c(subject, present)));
  }
  if (isObject(spec)) {
    const fields = Object.entries(spec).map(([k, v]) => [k, matcher(v, `${path}.${k}`)] as const);
    if (fields.length === 0) throw new FilterError(`${path}: an empty object`);
    return (subject) => fields.every(([k, m]) => (isObject(subject) && Object.hasOwn(subject, k) ? m(subject[k], true) : m(undefined, false)));
  }
  throw new FilterError(`${path}: expected a list of conditions or an object of fields`);
}

export type RecordFilter = (value: Buffer | null) => boolean;

/** Compiles the mapping's FilterCriteria; every pattern is checked before any record is polled. */
export function compileFilters(filters: readonly { Pattern: string }[]): RecordFilter {
  if (filters.length > MAX_FILTERS) throw new FilterError(`at most ${MAX_FILTERS} filters, got ${filters.length}`);
  const compiled = filters.map((f, i) => {
    if (typeof f.Pattern !== 'string' || f.Pattern.length > MAX_PATTERN_CHARS) throw new FilterError(`Filters[${i}].Pattern must be JSON text of at most ${MAX_PATTERN_CHARS} characters`);
    let pattern: unknown;
    try {
      pattern = JSON.parse(f.Pattern);
    } catch {
      throw new FilterError(`Filters[${i}].Pattern is not valid JSON`);
    }
    if (!isObject(pattern)) throw new FilterError(`Filters[${i}].Pattern must be a JSON object`);
    const keys = Object.keys(pattern);
    if (keys.length !== 1 || keys[0] !== 'value') throw new FilterError(`Filters[${i}].Pattern: Kafka event sources can filter on "value" only`);
    return matcher(pattern['value'], `Filters[${i}].value`);
  });
  if (compiled.length === 0) return () => true;
  return (bytes) => {
    const text = bytes === null ? null : bytes.toString('utf8');
    let parsed: unknown = text;
    if (text !== null) {
      try {
        const json: unknown = JSON.parse(text);
        if (isObject(json)) parsed = json;
      } catch {
        // a plain string value
      }
    }
    return compiled.some((m) => m(parsed, text !== null));
  };
}
