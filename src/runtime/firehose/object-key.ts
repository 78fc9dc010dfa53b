/**
 * The S3 object keys of the local Firehose, named as Amazon Data Firehose names them:
 * `<evaluated prefix><suffix>`, the suffix being
 * `<stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><extension>` (UTC). Pure: the
 * clock, the random strings and the UUIDs come from the caller (defaults: node:crypto).
 *
 * Prefixes follow s3-prefixes.html:
 * - No Prefix: `yyyy/MM/dd/HH/`. A Prefix with no `!{timestamp:...}` gets `yyyy/MM/dd/HH/`
 *   appended by plain concatenation (`legacy` -> `legacy2026/07/13/14/`, as observed on AWS).
 * - `!{timestamp:<pattern>}`: a Java DateTimeFormatter pattern (the letters in FIELDS, quoted
 *   literal text, `''` for a quote). Every instance in a key shows the same instant: the
 *   arrival time of the oldest record in the object. The suffix uses that instant too.
 * - `!{firehose:random-string}`: 11 characters, new for each occurrence.
 * - `!{firehose:error-output-type}`: ErrorOutputPrefix only.
 * - `!{partitionKeyFromQuery:...}`, `!{partitionKeyFromLambda:...}`: dynamic partitioning,
 *   which the local Firehose does not have; refused.
 *
 * Rules (checked by validatePrefixes, all problems at once): `!{` only starts an expression;
 * expressions do not nest; Prefix has no error-output-type; an ErrorOutputPrefix with any
 * expression has error-output-type; ErrorOutputPrefix may be left out (or empty, as AWS says
 * "null or empty") only when Prefix has no expressions; each field at most 1024 characters and
 * at most 512 once evaluated (checked against the longest evaluation possible, and again on
 * each key).
 *
 * Decisions where AWS's documentation is silent or contradicts itself:
 * - Without ErrorOutputPrefix, error objects go under `<Prefix><error-output-type>/yyyy/MM/dd/HH/`.
 *   AWS's rule text writes `<specified-prefix><error-output-type>YYYY/MM/DDD/HH/` (no slash,
 *   and DDD, day of year), but its own example gives `myFirehosePrefix/processing-failed/2018/08/27/`
 *   and buckets without prefixes show `processing-failed/2019/...`: we put the slash and use dd.
 * - An ErrorOutputPrefix without expressions gets `yyyy/MM/dd/HH/` appended, like Prefix; one
 *   with expressions is used as it is, even without a timestamp (AWS's example).
 * - Only UTC: CustomTimeZone is not a setting of the local Firehose.
 * - Years 1-9999 only (the arrival time is "now").
 */
import { randomInt, randomUUID } from 'node:crypto';
import { SdsError } from '../../errors.ts';
import type { CompressionFormat } from './compression.ts';

export type { CompressionFormat } from './compression.ts';

/** The file extension of each CompressionFormat (s3-object-name.html); none when uncompressed. */
export const FILE_EXTENSIONS: Readonly<Record<CompressionFormat, string>> = {
  UNCOMPRESSED: '',
  GZIP: '.gz',
  ZIP: '.zip',
  Snappy: '.snappy',
  HADOOP_SNAPPY: '.snappy',
};

/** What `!{firehose:error-output-type}` evaluates to, depending on the destination and failure. */
export const ERROR_OUTPUT_TYPES = [
  'processing-failed',
  'elasticsearch-failed',
  'AmazonOpenSearchService-failed',
  'splunk-failed',
  'format-conversion-failed',
  'http-endpoint-failed',
  'activePartitionExceeded',
] as const;
export type ErrorOutputType = (typeof ERROR_OUTPUT_TYPES)[number];

export const MAX_PREFIX_CHARS = 1024;
export const MAX_EVALUATED_PREFIX_CHARS = 512;
export const RANDOM_STRING_LENGTH = 11;
/** Appended to a Prefix without a timestamp expression, and used when there is no Prefix. */
const HOURLY = 'yyyy/MM/dd/HH/';

/**
 * The alphabet of `!{firehose:random-string}`: lowercase letters and digits. AWS documents
 * only the length; its examples (`5abf82daaa5`, `046b6c7f-0b`) are lowercase. Lowercase-only
 * keys stay distinct on case-insensitive file systems (local buckets on macOS and Windows),
 * need no escaping in S3 or in URLs, and 36^11 (about 1.3e17) values are plenty to spread keys.
 */
const RANDOM_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(): string {
  let s = '';
  for (let i = 0; i < RANDOM_STRING_LENGTH; i++) s += RANDOM_ALPHABET[randomInt(RANDOM_ALPHABET.length)];
  return s;
}

// ---- timestamp patterns (java.time.format.DateTimeFormatter, UTC, English texts) ----

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

interface Field {
  /** Highest letter count DateTimeFormatter accepts. */
  readonly maxCount: number;
  /** The longest output for a count, for the 512-character check before any key is made. */
  readonly width: (count: number) => number;
  readonly format: (d: Date, count: number) => string;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
/** Numeric fields: one letter prints as is, two letters pad to two digits. */
const numeric = (get: (d: Date) => number, maxCount: number, maxDigits: number): Field => ({
  maxCount,
  width: (count) => Math.max(count, maxDigits),
  format: (d, count) => pad(get(d), count),
});
const text = (names: readonly string[], get: (d: Date) => number): Field => ({
  maxCount: 5,
  // 1-3 letters: short text (MMM "Jul"); 4: full ("July"); 5: narrow ("J").
  width: (count) => (count <= 3 ? 3 : count === 4 ? Math.max(...names.map((n) => n.length)) : 1),
  format: (d, count) => {
    const name = names[get(d)] ?? '';
    return count <= 3 ? name.slice(0, 3) : count === 4 ? name : name.slice(0, 1);
  },
});
const year: Field = {
  maxCount: Number.POSITIVE_INFINITY,
  width: (count) => (count === 2 ? 2 : Math.max(count, 4)),
  // yy is the two-digit reduced year; other counts pad to the count.
  format: (d, count) => (count === 2 ? pad(d.getUTCFullYear() % 100, 2) : pad(d.getUTCFullYear(), count)),
};
const month: Field = {
  maxCount: 5,
  width: (count) => (count <= 2 ? 2 : text(MONTHS, () => 0).width(count)),
  format: (d, count) => (count <= 2 ? pad(d.getUTCMonth() + 1, count) : text(MONTHS, (x) => x.getUTCMonth()).format(d, count)),
};

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** The pattern letters we evaluate; DateTimeFormatter has more, which we refuse by name. */
const FIELDS: Readonly<Record<string, Field>> = {
  y: year, // year of era
  u: year, // year (the same for years 1-9999)
  M: month,
  d: numeric((d) => d.getUTCDate(), 2, 2),
  D: numeric(dayOfYear, 3, 3),
  H: numeric((d) => d.getUTCHours(), 2, 2),
  h: numeric((d) => d.getUTCHours() % 12 || 12, 2, 2), // clock hour of am-pm, 1-12
  m: numeric((d) => d.getUTCMinutes(), 2, 2),
  s: numeric((d) => d.getUTCSeconds(), 2, 2),
  // Fraction of second, truncated to the count; a Date has milliseconds, the rest is zeros.
  S: { maxCount: 9, width: (count) => count, format: (d, count) => pad(d.getUTCMilliseconds(), 3).padEnd(count, '0').slice(0, count) },
  a: { maxCount: 1, width: () => 2, format: (d) => (d.getUTCHours() < 12 ? 'AM' : 'PM') },
  E: text(DAYS, (d) => d.getUTCDay()),
};
const SUPPORTED_LETTERS = Object.keys(FIELDS).join(' ');

type PatternToken = { readonly literal: string } | { readonly letter: string; readonly count: number };

/** The pattern's tokens, or the reason it is refused. */
function parsePattern(pattern: string): PatternToken[] | string {
  if (pattern === '') return 'the pattern is empty';
  const tokens: PatternToken[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === "'") {
      if (pattern.charAt(i + 1) === "'") {
        tokens.push({ literal: "'" });
        i += 2;
        continue;
      }
      let literal = '';
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) return `the quoted text starting at character ${i + 1} of the pattern has no closing quote`;
        if (pattern.charAt(j) === "'") {
          if (pattern.charAt(j + 1) !== "'") break;
          literal += "'";
          j += 2;
        } else {
          literal += pattern.charAt(j);
          j++;
        }
      }
      tokens.push({ literal });
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let count = 1;
      while (pattern.charAt(i + count) === c) count++;
      const field = FIELDS[c];
      if (field === undefined) return `pattern letter '${c}' is not supported (supported: ${SUPPORTED_LETTERS}; quote other text, e.g. 'day='dd)`;
      if (count > field.maxCount) return `too many pattern letters '${c}' (at most ${field.maxCount})`;
      tokens.push({ letter: c, count });
      i += count;
    } else if ('[]#{}'.includes(c)) {
      return `'${c}' is not supported in a pattern (optional sections and reserved characters); quote it to print it: '${c}'`;
    } else {
      tokens.push({ literal: c });
      i++;
    }
  }
  return tokens;
}

function formatPattern(tokens: readonly PatternToken[], at: Date): string {
  return tokens.map((t) => ('literal' in t ? t.literal : (FIELDS[t.letter] as Field).format(at, t.count))).join('');
}

function patternWidth(tokens: readonly PatternToken[]): number {
  return tokens.reduce((n, t) => n + ('literal' in t ? t.literal.length : (FIELDS[t.letter] as Field).width(t.count)), 0);
}

const HOURLY_TOKENS = parsePattern(HOURLY) as PatternToken[];

// ---- prefixes ----

type Segment =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'timestamp'; readonly tokens: readonly PatternToken[] }
  | { readonly kind: 'random-string' }
  | { readonly kind: 'error-output-type' };

interface Parsed {
  readonly segments: Segment[];
  readonly problems: string[];
  readonly expressions: number;
}

type FieldName = 'Prefix' | 'ErrorOutputPrefix';

/** The prefix's segments and every problem in it, each message starting with the field's name. */
function parsePrefix(field: FieldName, value: string): Parsed {
  const segments: Segment[] = [];
  const problems: string[] = [];
  let expressions = 0;
  if (value.length > MAX_PREFIX_CHARS) problems.push(`${field}: ${value.length} characters, at most ${MAX_PREFIX_CHARS} are allowed`);
  let i = 0;
  while (i < value.length) {
    const start = value.indexOf('!{', i);
    if (start < 0) {
      segments.push({ kind: 'text', text: value.slice(i) });
      break;
    }
    if (start > i) segments.push({ kind: 'text', text: value.slice(i, start) });
    const end = value.indexOf('}', start + 2);
    if (end < 0) {
      problems.push(`${field}: "!{" at character ${start + 1} starts an expression with no closing "}"; "!{" may only start an expression !{namespace:value}`);
      break;
    }
    expressions++;
    const expression = value.slice(start, end + 1);
    const body = value.slice(start + 2, end);
    i = end + 1;
    if (body.includes('!{')) {
      problems.push(`${field}: ${expression}: expressions cannot be nested`);
      continue;
    }
    const colon = body.indexOf(':');
    const segment = colon < 0 ? 'not of the form !{namespace:value}' : parseExpression(body.slice(0, colon), body.slice(colon + 1));
    if (typeof segment === 'string') problems.push(`${field}: ${expression}: ${segment}`);
    else segments.push(segment);
  }
  return { segments, problems, expressions };
}

function parseExpression(namespace: string, arg: string): Segment | string {
  switch (namespace) {
    case 'timestamp': {
      const tokens = parsePattern(arg);
      return typeof tokens === 'string' ? tokens : { kind: 'timestamp', tokens };
    }
    case 'firehose':
      if (arg === 'random-string' || arg === 'error-output-type') return { kind: arg };
      return `unknown firehose value "${arg}" (use random-string or error-output-type)`;
    case 'partitionKeyFromQuery':
    case 'partitionKeyFromLambda':
      return 'dynamic partitioning is not supported by the local Firehose; use !{timestamp:...} and !{firehose:random-string} only';
    default:
      return `unknown namespace "${namespace}" (use timestamp or firehose)`;
  }
}

const has = (parsed: Parsed, kind: Segment['kind']): boolean => parsed.segments.some((s) => s.kind === kind);

/**
 * The segments a key's prefix is made of, after AWS's defaults: Prefix (or "") with
 * `yyyy/MM/dd/HH/` appended when it has no timestamp expression; for errors, ErrorOutputPrefix
 * as it is when it has expressions, with `yyyy/MM/dd/HH/` appended when it has none, or
 * `<Prefix><error-output-type>/yyyy/MM/dd/HH/` when it is not set.
 */
function effectivePrefix(parsed: Parsed): Segment[] {
  return has(parsed, 'timestamp') ? parsed.segments : [...parsed.segments, { kind: 'timestamp', tokens: HOURLY_TOKENS }];
}

function effectiveErrorPrefix(prefix: Parsed, errorPrefix: Parsed | undefined): Segment[] {
  // AWS's example: `myFirehoseFailures/!{firehose:error-output-type}/` -> `myFirehoseFailures/processing-failed/`.
  if (errorPrefix !== undefined) return errorPrefix.expressions > 0 ? errorPrefix.segments : effectivePrefix(errorPrefix);
  return [...prefix.segments, { kind: 'error-output-type' }, { kind: 'text', text: '/' }, { kind: 'timestamp', tokens: HOURLY_TOKENS }];
}

const LONGEST_ERROR_OUTPUT_TYPE = Math.max(...ERROR_OUTPUT_TYPES.map((t) => t.length));

function maxWidth(segments: readonly Segment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.kind === 'text') n += s.text.length;
    else if (s.kind === 'timestamp') n += patternWidth(s.tokens);
    else if (s.kind === 'random-string') n += RANDOM_STRING_LENGTH;
    else n += LONGEST_ERROR_OUTPUT_TYPE;
  }
  return n;
}

const given = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * Every problem with a Prefix and ErrorOutputPrefix pair (none: an empty array), each message
 * starting with the field it is about and saying what is wrong.
 */
export function validatePrefixes(prefix: string | undefined, errorOutputPrefix: string | undefined): string[] {
  const p = parsePrefix('Prefix', prefix ?? '');
  const e = given(errorOutputPrefix) ? parsePrefix('ErrorOutputPrefix', errorOutputPrefix) : undefined;
  const problems = [...p.problems, ...(e?.problems ?? [])];
  if (has(p, 'error-output-type')) problems.push('Prefix: !{firehose:error-output-type} can only be used in ErrorOutputPrefix');
  if (e !== undefined && e.expressions > 0 && !has(e, 'error-output-type')) {
    problems.push('ErrorOutputPrefix: has expressions, so it must include !{firehose:error-output-type} (e.g. errors/!{firehose:error-output-type}/)');
  }
  if (e === undefined && p.expressions > 0) {
    problems.push('ErrorOutputPrefix: required (not null or empty) when Prefix contains expressions; set it, e.g. errors/!{firehose:error-output-type}/');
  }
  // The evaluated lengths are only meaningful for prefixes that parse.
  if (p.problems.length === 0) {
    const width = maxWidth(effectivePrefix(p));
    if (width > MAX_EVALUATED_PREFIX_CHARS) problems.push(`Prefix: can evaluate to ${width} characters, at most ${MAX_EVALUATED_PREFIX_CHARS} are allowed after evaluation`);
    const errorWidth = maxWidth(effectiveErrorPrefix(p, undefined));
    // Without ErrorOutputPrefix, failed records go under Prefix (when Prefix is too long already, that is reported above).
    if (e === undefined && p.expressions === 0 && width <= MAX_EVALUATED_PREFIX_CHARS && errorWidth > MAX_EVALUATED_PREFIX_CHARS) {
      problems.push(`ErrorOutputPrefix: not set, so failed records go under Prefix + <error-output-type>/yyyy/MM/dd/HH/, which can evaluate to ${errorWidth} characters (at most ${MAX_EVALUATED_PREFIX_CHARS}); shorten Prefix or set ErrorOutputPrefix`);
    }
  }
  if (e !== undefined && e.problems.length === 0) {
    const width = maxWidth(effectiveErrorPrefix(p, e));
    if (width > MAX_EVALUATED_PREFIX_CHARS) problems.push(`ErrorOutputPrefix: can evaluate to ${width} characters, at most ${MAX_EVALUATED_PREFIX_CHARS} are allowed after evaluation`);
  }
  return problems;
}

// ---- keys ----

export interface ObjectKeyInput {
  /** The stream's Prefix; undefined (or "") for AWS's default `yyyy/MM/dd/HH/`. */
  readonly prefix?: string | undefined;
  readonly streamName: string;
  /** The destination's version, from 1. */
  readonly version: number;
  /** The arrival time of the oldest record in the object. */
  readonly arrival: Date;
  readonly compression: CompressionFormat;
  /** Source of `!{firehose:random-string}`, called once per occurrence; default randomString. */
  readonly random?: () => string;
  /** Source of the suffix's UUID; default crypto.randomUUID. */
  readonly uuid?: () => string;
}

export interface ErrorObjectKeyInput extends ObjectKeyInput {
  readonly errorOutputPrefix?: string | undefined;
  readonly errorOutputType: ErrorOutputType;
}

function keyError(message: string): SdsError {
  return new SdsError('SDS_ERR_OBJECT_KEY', message);
}

function evaluate(field: FieldName, segments: readonly Segment[], at: Date, random: () => string, errorOutputType: ErrorOutputType | undefined): string {
  const out = segments
    .map((s) => {
      switch (s.kind) {
        case 'text':
          return s.text;
        case 'timestamp':
          return formatPattern(s.tokens, at);
        case 'random-string':
          return random();
        case 'error-output-type':
          return errorOutputType ?? '';
      }
    })
    .join('');
  if (out.length > MAX_EVALUATED_PREFIX_CHARS) {
    throw keyError(`${field} evaluates to ${out.length} characters, at most ${MAX_EVALUATED_PREFIX_CHARS} are allowed; shorten the stream's ${field}`);
  }
  return out;
}

function suffix(input: ObjectKeyInput): string {
  const { arrival: d, version } = input;
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1 || d.getUTCFullYear() > 9999) throw keyError(`the arrival time ${String(d)} is not a date in years 1-9999`);
  if (!Number.isSafeInteger(version) || version < 1) throw keyError(`the stream version ${version} is not an integer from 1`);
  const time = [pad(d.getUTCFullYear(), 4), pad(d.getUTCMonth() + 1, 2), pad(d.getUTCDate(), 2), pad(d.getUTCHours(), 2), pad(d.getUTCMinutes(), 2), pad(d.getUTCSeconds(), 2)].join('-');
  return `${input.streamName}-${version}-${time}-${(input.uuid ?? randomUUID)()}${FILE_EXTENSIONS[input.compression]}`;
}

/** The key of an object of delivered records. Throws SdsError SDS_ERR_OBJECT_KEY for a Prefix validatePrefixes refuses. */
export function objectKey(input: ObjectKeyInput): string {
  const p = parsePrefix('Prefix', input.prefix ?? '');
  const problems = [...p.problems, ...(has(p, 'error-output-type') ? ['Prefix: !{firehose:error-output-type} can only be used in ErrorOutputPrefix'] : [])];
  if (problems.length > 0) throw keyError(`${problems.join('; ')}; fix the stream's Prefix`);
  const name = suffix(input);
  return evaluate('Prefix', effectivePrefix(p), input.arrival, input.random ?? randomString, undefined) + name;
}

/** The key of an object of failed records. Throws SdsError SDS_ERR_OBJECT_KEY for prefixes validatePrefixes refuses. */
export function errorObjectKey(input: ErrorObjectKeyInput): string {
  const problems = validatePrefixes(input.prefix, input.errorOutputPrefix);
  if (problems.length > 0) throw keyError(`${problems.join('; ')}; fix the stream's Prefix and ErrorOutputPrefix`);
  const p = parsePrefix('Prefix', input.prefix ?? '');
  const e = given(input.errorOutputPrefix) ? parsePrefix('ErrorOutputPrefix', input.errorOutputPrefix) : undefined;
  const name = suffix(input);
  return evaluate('ErrorOutputPrefix', effectiveErrorPrefix(p, e), input.arrival, input.random ?? randomString, input.errorOutputType) + name;
}
