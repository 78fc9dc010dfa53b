import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type VersionRange, parseVersions, isEmpty, NO_VERSIONS } from './versions.ts';

/** A field as written in Kafka's message JSON. */
export interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  ignorable?: boolean;
  flexibleVersions?: string;
  about?: string;
  fields?: RawField[];
}

export interface RawStruct {
  name: string;
  versions?: string;
  fields: RawField[];
}

export interface RawMessage {
  apiKey?: number;
  type: 'request' | 'response' | 'header' | 'data' | 'metadata';
  name: string;
  validVersions: string;
  flexibleVersions: string;
  latestVersionUnstable?: boolean;
  fields: RawField[];
  commonStructs?: RawStruct[];
}

export const PRIMITIVES = ['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records'] as const;
export type Primitive = (typeof PRIMITIVES)[number];

export function isPrimitive(t: string): t is Primitive {
  return (PRIMITIVES as readonly string[]).includes(t);
}

/** A field resolved against its message: parsed version ranges and a resolved type. */
export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  readonly taggedVersions: VersionRange;
  readonly tag: number | undefined;
  /** The field's own flexible range, when it overrides the message's ("none" for ClientId). */
  readonly flexibleVersions: VersionRange | undefined;
  readonly default: string | number | boolean | undefined;
  readonly ignorable: boolean;
  readonly about: string | undefined;
}

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: Primitive }
  | { readonly kind: 'struct'; readonly struct: string }
  | { readonly kind: 'array'; readonly element: FieldType };

export interface Struct {
  readonly name: string;
  readonly fields: readonly Field[];
}

export interface Message {
  readonly file: string;
  readonly apiKey: number | undefined;
  readonly type: RawMessage['type'];
  readonly name: string;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly latestVersionUnstable: boolean;
  /** The top-level struct first, then every nested and common struct, in definition order. */
  readonly structs: readonly Struct[];
}

/** Removes `//` comments that are not inside a string. */
export function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

export function loadMessages(dir: string): Message[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const messages: Message[] = [];
  for (const file of files) {
    const raw = JSON.parse(stripComments(readFileSync(join(dir, file), 'utf8'))) as RawMessage;
    // APIs removed from Kafka keep a file with "validVersions": "none" and no fields.
    if (isEmpty(parseVersions(raw.validVersions))) continue;
    messages.push(resolveMessage(file, raw));
  }
  return messages;
}

function resolveMessage(file: string, raw: RawMessage): Message {
  const structs: Struct[] = [];
  const seen = new Set<string>();
  const common = new Map((raw.commonStructs ?? []).map((s) => [s.name, s]));
  const messageVersions = parseVersions(raw.validVersions);

  const resolveType = (f: RawField): FieldType => {
    const isArray = f.type.startsWith('[]');
    const base = isArray ? f.type.slice(2) : f.type;
    let element: FieldType;
    if (isPrimitive(base)) {
      element = { kind: 'primitive', name: base };
    } else {
      if (f.fields) addStruct(base, f.fields);
      else if (common.has(base)) addStruct(base, (common.get(base) as RawStruct).fields);
      else if (!seen.has(base)) throw new Error(`${file}: unknown type ${f.type} of field ${f.name}`);
      element = { kind: 'struct', struct: base };
    }
    return isArray ? { kind: 'array', element } : element;
  };

  const resolveField = (f: RawField): Field => {
    const versions = parseVersions(f.versions ?? (f.taggedVersions === undefined ? undefined : f.taggedVersions));
    return {
      name: f.name,
      type: resolveType(f),
      versions,
      nullableVersions: parseVersions(f.nullableVersions, NO_VERSIONS),
      taggedVersions: parseVersions(f.taggedVersions, NO_VERSIONS),
      tag: f.tag,
      flexibleVersions: f.flexibleVersions === undefined ? undefined : parseVersions(f.flexibleVersions),
      default: f.default,
      ignorable: f.ignorable === true,
      about: f.about,
    };
  };

  function addStruct(name: string, fields: RawField[]): void {
    if (seen.has(name)) return;
    seen.add(name);
    const slot = structs.length;
    structs.push({ name, fields: [] });
    structs[slot] = { name, fields: fields.map(resolveField) };
  }

  addStruct(raw.name, raw.fields);
  for (const s of raw.commonStructs ?? []) addStruct(s.name, s.fields);

  return {
    file,
    apiKey: raw.apiKey,
    type: raw.type,
    name: raw.name,
    validVersions: messageVersions,
    flexibleVersions: parseVersions(raw.flexibleVersions),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    structs,
  };
}
