/**
 * A strict parser for the Prometheus text exposition format, version 0.0.4: the broker's
 * /metrics endpoint, and Amazon MSK's open monitoring (JMX exporter on 11001, node exporter
 * on 11002). Anything the format does not allow is an error naming the line, so a
 * half-understood scrape never turns into wrong numbers on the dashboard.
 *
 *   parsePrometheusText(text) -> families in the order they first appear
 *   sampleValue(families, name, labels) -> the value of one series, or undefined
 *
 * Rules: `# HELP name text` (escapes \\ and \n) and `# TYPE name type` at most once per
 * name, TYPE before the name's first sample; other `#` lines are comments; blank lines are
 * skipped; a sample is `name[{label="value",...}] value [timestamp-ms]`, label values escape
 * \\, \" and \n and nothing else; a series (name and labels) appears once. Samples named
 * X_sum, X_count (and X_bucket) belong to family X when X is a summary (histogram).
 */
import { SdsError } from '../errors.ts';

export type PrometheusType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Epoch ms, when the line gives one. */
  readonly timestampMs?: number;
}

export interface PrometheusFamily {
  readonly name: string;
  readonly type: PrometheusType;
  readonly help?: string;
  readonly samples: readonly PrometheusSample[];
}

/** A line the format does not allow; `line` is 1-based. */
export class PrometheusTextError extends SdsError {
  readonly line: number;

  constructor(line: number, message: string) {
    super('SDS_ERR_PROMETHEUS_TEXT', `Prometheus text, line ${line}: ${message}`);
    this.line = line;
  }
}

const TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;
const TIMESTAMP = /^-?\d+$/;

interface MutableFamily {
  name: string;
  type: PrometheusType;
  typed: boolean;
  help?: string;
  samples: PrometheusSample[];
  series: Set<string>;
}

export function parsePrometheusText(text: string): PrometheusFamily[] {
  const families = new Map<string, MutableFamily>();
  const family = (name: string): MutableFamily => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, type: 'untyped', typed: false, samples: [], series: new Set() };
      families.set(name, f);
    }
    return f;
  };
  const lines = text.split('\n');
  // The text ends with a line feed, so the last piece is empty; a missing final one is accepted.
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((content, i) => {
    const n = i + 1;
    if (content.endsWith('\r')) throw new PrometheusTextError(n, 'carriage return before the line feed; lines must end with \\n alone');
    const line = new Cursor(content, n);
    line.skipBlanks();
    if (line.atEnd()) return;
    if (line.peek() === '#') {
      parseComment(line, family);
      return;
    }
    const sample = parseSample(line);
    const f = familyOf(sample.name, families) ?? family(sample.name);
    const key = seriesKey(sample);
    if (f.series.has(key)) throw new PrometheusTextError(n, `series ${key} appears twice`);
    f.series.add(key);
    f.samples.push(sample);
  });
  return [...families.values()].map(({ name, type, help, samples }) => ({ name, type, ...(help === undefined ? {} : { help }), samples }));
}

/** The value of the series with exactly these labels, or undefined when there is none. */
export function sampleValue(families: readonly PrometheusFamily[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const wanted = seriesKey({ name, labels });
  for (const f of families) for (const s of f.samples) if (s.name === name && seriesKey(s) === wanted) return s.value;
  return undefined;
}

function parseComment(line: Cursor, family: (name: string) => MutableFamily): void {
  line.expect('#');
  line.skipBlanks();
  const keyword = line.token();
  if (keyword !== 'HELP' && keyword !== 'TYPE') return;
  line.requireBlank('a metric name');
  const name = line.token();
  if (!METRIC_NAME.test(name)) line.fail(`${keyword} names "${name}", which is not a valid metric name`);
  const f = family(name);
  if (keyword === 'HELP') {
    if (f.help !== undefined) line.fail(`second HELP line for ${name}`);
    line.skipBlanks();
    f.help = unescapeHelp(line.rest());
    return;
  }
  line.requireBlank(`the type of ${name}`);
  const type = line.token();
  line.skipBlanks();
  if (!line.atEnd()) line.fail(`unexpected text after TYPE ${name} ${type}`);
  if (!TYPES.includes(type)) line.fail(`unknown metric type "${type}" for ${name}; expected one of ${TYPES.join(', ')}`);
  if (f.typed) line.fail(`second TYPE line for ${name}`);
  if (f.samples.length > 0) line.fail(`TYPE line for ${name} comes after its samples`);
  f.type = type as PrometheusType;
  f.typed = true;
}

function parseSample(line: Cursor): PrometheusSample {
  const name = line.while((c) => c !== '{' && c !== ' ' && c !== '\t');
  if (!METRIC_NAME.test(name)) line.fail(`"${name}" is not a valid metric name`);
  const labels = line.peek() === '{' ? parseLabels(line) : {};
  line.requireBlank(`the value of ${name}`);
  const valueText = line.token();
  const value = parseValue(valueText);
  if (value === undefined) line.fail(`"${valueText}" is not a number (a float, NaN, +Inf or -Inf)`);
  line.skipBlanks();
  if (line.atEnd()) return { name, labels, value };
  const ts = line.token();
  if (!TIMESTAMP.test(ts) || !Number.isSafeInteger(Number(ts))) line.fail(`"${ts}" is not a timestamp (whole milliseconds)`);
  line.skipBlanks();
  if (!line.atEnd()) line.fail(`unexpected text after the timestamp: "${line.rest()}"`);
  return { name, labels, value, timestampMs: Number(ts) };
}

function parseLabels(line: Cursor): Record<string, string> {
  const labels: Record<string, string> = {};
  line.expect('{');
  for (;;) {
    line.skipBlanks();
    if (line.peek() === '}') break;
    const name = line.while((c) => /[a-zA-Z0-9_]/.test(c));
    if (!LABEL_NAME.test(name)) line.fail(name === '' ? `expected a label name or "}" at column ${line.column}` : `"${name}" is not a valid label name`);
    if (Object.hasOwn(labels, name)) line.fail(`label ${name} appears twice`);
    line.skipBlanks();
    if (line.peek() !== '=') line.fail(`expected "=" after the label name ${name}`);
    line.expect('=');
    line.skipBlanks();
    labels[name] = parseLabelValue(line, name);
    line.skipBlanks();
    if (line.peek() === ',') {
      line.expect(',');
      continue;
    }
    if (line.peek() !== '}') line.fail(`expected "," or "}" after the value of label ${name}`);
  }
  line.expect('}');
  return labels;
}

function parseLabelValue(line: Cursor, label: string): string {
  if (line.peek() !== '"') line.fail(`the value of label ${label} must be in double quotes`);
  line.expect('"');
  let value = '';
  for (;;) {
    if (line.atEnd()) line.fail(`the value of label ${label} has no closing quote`);
    const c = line.next();
    if (c === '"') return value;
    if (c !== '\\') {
      value += c;
      continue;
    }
    if (line.atEnd()) line.fail(`the value of label ${label} ends in a lone backslash`);
    const e = line.next();
    if (e === '\\' || e === '"') value += e;
    else if (e === 'n') value += '\n';
    else line.fail(`invalid escape "\\${e}" in the value of label ${label}; only \\\\, \\" and \\n are allowed`);
  }
}

function parseValue(text: string): number | undefined {
  if (FLOAT.test(text)) return Number(text);
  const special = SPECIAL.exec(text);
  if (special === null) return undefined;
  if ((special[2] as string).toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? -Infinity : Infinity;
}

function unescapeHelp(text: string): string {
  return text.replace(/\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** The family a sample belongs to: its own name's, or the summary or histogram it is part of. */
function familyOf(name: string, families: ReadonlyMap<string, MutableFamily>): MutableFamily | undefined {
  const own = families.get(name);
  if (own !== undefined) return own;
  const m = /^(.+)_(sum|count|bucket)$/.exec(name);
  if (m === null) return undefined;
  const base = families.get(m[1] as string);
  if (base === undefined) return undefined;
  if (base.type === 'histogram' || (base.type === 'summary' && m[2] !== 'bucket')) return base;
  return undefined;
}

function seriesKey(s: { name: string; labels: Readonly<Record<string, string>> }): string {
  const labels = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`);
  return `${s.name}{${labels.join(',')}}`;
}

/** Reads one line left to right; every failure names the line. */
class Cursor {
  private pos = 0;
  private readonly text: string;
  private readonly line: number;

  constructor(text: string, line: number) {
    this.text = text;
    this.line = line;
  }

  /** 1-based column of the next character. */
  get column(): number {
    return this.pos + 1;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text.charAt(this.pos);
  }

  next(): string {
    return this.text.charAt(this.pos++);
  }

  expect(c: string): void {
    if (this.peek() !== c) this.fail(`expected "${c}" at column ${this.column}`);
    this.pos++;
  }

  skipBlanks(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  /** At least one blank, then skips them: what follows is `expected`. */
  requireBlank(expected: string): void {
    if (this.atEnd()) this.fail(`the line ends where ${expected} should follow`);
    if (this.peek() !== ' ' && this.peek() !== '\t') this.fail(`expected a space before ${expected}, found "${this.peek()}" at column ${this.column}`);
    this.skipBlanks();
    if (this.atEnd()) this.fail(`the line ends where ${expected} should follow`);
  }

  /** Characters up to the next blank or the end. */
  token(): string {
    return this.while((c) => c !== ' ' && c !== '\t');
  }

  while(test: (c: string) => boolean): string {
    const start = this.pos;
    while (!this.atEnd() && test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  rest(): string {
    const r = this.text.slice(this.pos);
    this.pos = this.text.length;
    return r;
  }

  fail(message: string): never {
    throw new PrometheusTextError(this.line, message);
  }
}
