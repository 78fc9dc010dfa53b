/**
 * Builds random, valid values of any generated message for a given version, driven by the
 * same schema the generator reads. Fields the version does not carry get the value the
 * decoder will produce for them: the generated default.
 */
import { randomBytes } from 'node:crypto';
import * as generated from '../../src/protocol/generated/index.ts';
import type { Field, FieldType, Message, Struct } from '../../scripts/codegen/schema.ts';
import { contains, intersect, isEmpty } from '../../scripts/codegen/versions.ts';
import { fieldName } from '../../scripts/codegen/naming.ts';

export type Value = unknown;
type Fn = (...args: unknown[]) => unknown;

const exports = generated as unknown as Record<string, Fn | undefined>;

export function exported(name: string): Fn {
  const fn = exports[name];
  if (typeof fn !== 'function') throw new Error(`generated code has no export ${name}`);
  return fn;
}

export function typeName(msg: Message, struct: string): string {
  return struct.startsWith(msg.name) ? struct : `${msg.name}${struct}`;
}

/** True when the field is on the wire (plain or tagged) in this version. */
export function present(f: Field, version: number): boolean {
  return contains(f.versions, version);
}

export function isTagged(f: Field, version: number): boolean {
  return f.tag !== undefined && contains(f.taggedVersions, version);
}

export class RandomMessages {
  private rand: () => number;

  constructor(seed: number) {
    // mulberry32: small, fast, reproducible.
    let a = seed >>> 0;
    this.rand = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.rand() * (max - min + 1));
  }

  private chance(p: number): boolean {
    return this.rand() < p;
  }

  struct(msg: Message, s: Struct, version: number, depth = 0): Record<string, Value> {
    const defaults = exported(`default${typeName(msg, s.name)}`)() as Record<string, Value>;
    const out: Record<string, Value> = {};
    for (const f of s.fields) {
      const key = fieldName(f.name);
      out[key] = present(f, version) ? this.field(msg, f, version, depth) : defaults[key];
    }
    return out;
  }

  private field(msg: Message, f: Field, version: number, depth: number): Value {
    const nullable = contains(f.nullableVersions, version);
    if (nullable && this.chance(0.2)) return null;
    return this.value(msg, f.type, version, depth);
  }

  value(msg: Message, t: FieldType, version: number, depth: number): Value {
    if (t.kind === 'array') {
      const n = depth > 3 ? 0 : this.int(0, 3);
      return Array.from({ length: n }, () => this.value(msg, t.element, version, depth + 1));
    }
    if (t.kind === 'struct') {
      const s = msg.structs.find((x) => x.name === t.struct);
      if (!s) throw new Error(`no struct ${t.struct}`);
      return this.struct(msg, s, version, depth + 1);
    }
    switch (t.name) {
      case 'bool':
        return this.chance(0.5);
      case 'int8':
        return this.int(-128, 127);
      case 'int16':
        return this.int(-32768, 32767);
      case 'uint16':
        return this.int(0, 65535);
      case 'int32':
        return this.int(-2147483648, 2147483647);
      case 'uint32':
        return this.int(0, 4294967295);
      case 'int64':
        return BigInt.asIntN(64, (BigInt(this.int(0, 2 ** 31)) << 33n) ^ BigInt(this.int(-(2 ** 31), 2 ** 31)));
      case 'float64':
        return (this.rand() - 0.5) * 10 ** this.int(-5, 20);
      case 'string':
        return this.string();
      case 'uuid':
        return randomBytes(16).toString('base64url');
      case 'bytes':
      case 'records':
        return randomBytes(this.int(0, 40));
    }
  }

  private string(): string {
    const alphabet = ['a', 'Z', '9', '-', '.', '_', ' ', 'é', '日', '🙂'];
    const n = this.int(0, 12);
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
}

/** Whether a field can take a non-default value in this version (used by ignorable tests). */
export function nullableIn(f: Field, version: number): boolean {
  return !isEmpty(intersect(f.nullableVersions, { min: version, max: version }));
}
