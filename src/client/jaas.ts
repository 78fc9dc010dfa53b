/**
 * The `sasl.jaas.config` value of a Kafka client:
 *   `<LoginModule class> <required|requisite|sufficient|optional> [name=value ...];`
 * where a value is a bare word or a double-quoted string (backslash escapes the next character).
 * Kafka's clients accept exactly one login module here, and so does this parser.
 */
import { SdsError } from '../errors.ts';

export type JaasFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

export interface JaasLoginModule {
  readonly loginModule: string;
  readonly flag: JaasFlag;
  readonly options: ReadonlyMap<string, string>;
}

export class JaasConfigError extends SdsError {
  constructor(message: string) {
    super('SDS_ERR_CLIENT_JAAS', `sasl.jaas.config: ${message}`);
  }
}

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: '=' | ';' };

const FLAGS: readonly string[] = ['required', 'requisite', 'sufficient', 'optional'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' || c === ';') {
      tokens.push({ kind: c });
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new JaasConfigError('a quoted value is not closed');
        const q = text[i++];
        if (q === '"') break;
        value += q === '\\' && i < text.length ? text[i++] : q;
      }
      tokens.push({ kind: 'quoted', text: value });
    } else {
      const start = i;
      while (i < text.length && !/[\s=;"]/.test(text[i] ?? '')) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i) });
    }
  }
  return tokens;
}

export function parseJaasConfig(text: string): JaasLoginModule {
  const tokens = tokenize(text);
  let at = 0;
  const next = (): Token | undefined => tokens[at++];
  const module = next();
  if (module?.kind !== 'word') throw new JaasConfigError('expected a login module class name, as in "org.apache.kafka.common.security.scram.ScramLoginModule required username=\\"...\\" password=\\"...\\";"');
  const flag = next();
  if (flag?.kind !== 'word' || !FLAGS.includes(flag.text)) {
    throw new JaasConfigError(`expected a control flag (${FLAGS.join(', ')}) after ${module.text}`);
  }
  const options = new Map<string, string>();
  for (;;) {
    const t = next();
    if (t === undefined) throw new JaasConfigError('the login module must end with ";"');
    if (t.kind === ';') break;
    if (t.kind !== 'word') throw new JaasConfigError('expected an option name');
    if (next()?.kind !== '=') throw new JaasConfigError(`expected "=" after option ${t.text}`);
    const value = next();
    if (value?.kind !== 'word' && value?.kind !== 'quoted') throw new JaasConfigError(`expected a value for option ${t.text}`);
    options.set(t.text, value.text);
  }
  if (at < tokens.length) throw new JaasConfigError('only one login module is allowed');
  return { loginModule: module.text, flag: flag.text as JaasFlag, options };
}
