/**
 * Java `.properties` text, as Kafka's tools read `--command-config` files: `key=value`,
 * `key: value` or `key value`; `#` and `!` comments; a trailing backslash continues a line;
 * escapes \t \n \r \f \uXXXX and \<char>. The text is read as UTF-8 (Java reads ISO-8859-1;
 * the two agree on the ASCII these files hold, and UTF-8 keeps non-ASCII passwords intact).
 */
import { SdsError } from '../errors.ts';

/** Largest properties file read: client configs are a few hundred bytes. */
export const MAX_PROPERTIES_BYTES = 1 << 20;

export class PropertiesError extends SdsError {
  constructor(message: string) {
    super('SDS_ERR_CLIENT_PROPERTIES', message);
  }
}

/** Logical lines: continuation lines joined (their leading whitespace dropped), comments and blanks skipped. */
function logicalLines(text: string): { line: string; number: number }[] {
  const out: { line: string; number: number }[] = [];
  const natural = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < natural.length; i++) {
    const first = (natural[i] ?? '').replace(/^[ \t\f]+/, '');
    if (first === '' || first.startsWith('#') || first.startsWith('!')) continue;
    const number = i + 1;
    let line = first;
    while (endsWithContinuation(line) && i + 1 < natural.length) {
      line = line.slice(0, -1) + (natural[++i] ?? '').replace(/^[ \t\f]+/, '');
    }
    if (endsWithContinuation(line)) line = line.slice(0, -1);
    out.push({ line, number });
  }
  return out;
}

/** An odd number of trailing backslashes: the last one escapes the line break. */
function endsWithContinuation(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

function unescape(text: string, lineNumber: number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    switch (next) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        const hex = text.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesError(`line ${lineNumber}: malformed \\u escape "\\u${hex}"`);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      case undefined:
        break;
      default:
        out += next;
    }
  }
  return out;
}

/** Parses properties text into an ordered map; a repeated key keeps its last value, as in Java. */
export function parseProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const { line, number } of logicalLines(text)) {
    let keyEnd = 0;
    while (keyEnd < line.length) {
      const c = line[keyEnd];
      if (c === '\\') {
        keyEnd += 2;
        continue;
      }
      if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
      keyEnd++;
    }
    let valueStart = keyEnd;
    while (valueStart < line.length && /[ \t\f]/.test(line[valueStart] ?? '')) valueStart++;
    if (line[valueStart] === '=' || line[valueStart] === ':') valueStart++;
    while (valueStart < line.length && /[ \t\f]/.test(line[valueStart] ?? '')) valueStart++;
    const key = unescape(line.slice(0, Math.min(keyEnd, line.length)), number);
    props.set(key, unescape(line.slice(valueStart), number));
  }
  return props;
}
