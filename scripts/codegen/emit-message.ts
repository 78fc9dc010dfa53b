import type { Field, FieldType, Message, Struct } from './schema.ts';
import { type VersionRange, condition, intersect, isEmpty, NO_VERSIONS } from './versions.ts';
import { fieldName } from './naming.ts';

/** Collects lines with indentation. */
class Code {
  private lines: string[] = [];
  private depth = 0;

  line(text = ''): this {
    this.lines.push(text === '' ? '' : '  '.repeat(this.depth) + text);
    return this;
  }

  open(text: string): this {
    this.line(text);
    this.depth++;
    return this;
  }

  close(text = '}'): this {
    this.depth--;
    return this.line(text);
  }

  /** A line between two blocks at the outer depth, such as `} else {`. */
  middle(text: string): this {
    this.depth--;
    this.line(text);
    this.depth++;
    return this;
  }

  toString(): string {
    return this.lines.join('\n');
  }
}

/** Emits the types, defaults, reader and writer of one message and its structs. */
export class MessageEmitter {
  private readonly msg: Message;
  private readonly versions: VersionRange;
  private counter = 0;

  constructor(msg: Message) {
    this.msg = msg;
    this.versions = msg.validVersions;
  }

  /** Struct types carry their message's name, once: "MetadataRequestTopic", not doubled. */
  typeName(struct: string): string {
    return struct.startsWith(this.msg.name) ? struct : `${this.msg.name}${struct}`;
  }

  private structOf(name: string): Struct {
    const s = this.msg.structs.find((x) => x.name === name);
    if (!s) throw new Error(`${this.msg.file}: no struct ${name}`);
    return s;
  }

  /** Where the field is a plain (untagged) field. */
  private regularVersions(f: Field): VersionRange {
    if (f.tag === undefined || isEmpty(f.taggedVersions)) return f.versions;
    return { min: f.versions.min, max: Math.min(f.versions.max, f.taggedVersions.min - 1) };
  }

  private taggedVersions(f: Field): VersionRange {
    if (f.tag === undefined) return NO_VERSIONS;
    return intersect(f.versions, f.taggedVersions);
  }

  private presentVersions(f: Field): VersionRange {
    // Regular and tagged ranges are adjacent, so their union is one range.
    const regular = this.regularVersions(f);
    const tagged = this.taggedVersions(f);
    if (isEmpty(regular)) return tagged;
    if (isEmpty(tagged)) return regular;
    return { min: Math.min(regular.min, tagged.min), max: Math.max(regular.max, tagged.max) };
  }

  private nullableAnywhere(f: Field): boolean {
    return !isEmpty(intersect(f.nullableVersions, this.presentVersions(f)));
  }

  private tsType(t: FieldType): string {
    switch (t.kind) {
      case 'primitive':
        switch (t.name) {
          case 'bool':
            return 'boolean';
          case 'int64':
            return 'bigint';
          case 'string':
          case 'uuid':
            return 'string';
          case 'bytes':
          case 'records':
            return 'Buffer';
          default:
            return 'number';
        }
      case 'struct':
        return this.typeName(t.struct);
      case 'array': {
        const inner = this.tsType(t.element);
        return `${inner}[]`;
      }
    }
  }

  private fieldTsType(f: Field): string {
    const base = this.tsType(f.type);
    const nullable = this.nullableAnywhere(f) || (f.type.kind === 'primitive' && f.type.name === 'records');
    return nullable ? `${base} | null` : base;
  }

  /** The default value of a field as a TypeScript expression (a fresh value each time). */
  defaultExpr(f: Field): string {
    const t = f.type;
    const d = f.default;
    if (t.kind === 'array') return d === 'null' ? 'null' : '[]';
    if (t.kind === 'struct') return d === 'null' ? 'null' : `default${this.typeName(t.struct)}()`;
    switch (t.name) {
      case 'bool':
        return d === undefined ? 'false' : String(d === true || d === 'true');
      case 'int8':
      case 'int16':
      case 'uint16':
      case 'int32':
      case 'uint32':
        return d === undefined ? '0' : String(Number(d));
      case 'float64':
        return d === undefined ? '0' : String(Number(d));
      case 'int64':
        return d === undefined ? '0n' : `${BigInt(String(d)).toString()}n`;
      case 'string':
        return d === 'null' ? 'null' : JSON.stringify(d === undefined ? '' : String(d));
      case 'uuid':
        return 'ZERO_UUID';
      case 'bytes':
        return d === 'null' ? 'null' : 'EMPTY_BYTES';
      case 'records':
        return 'null';
    }
  }

  /** An expression that is true when `v` (never undefined) equals the field's default. */
  private isDefaultExpr(f: Field, v: string): string {
    const t = f.type;
    const d = this.defaultExpr(f);
    if (t.kind === 'array') return d === 'null' ? `${v} === null` : `${v} !== null && ${v}.length === 0`;
    if (t.kind === 'struct') {
      return d === 'null' ? `${v} === null` : `${v} !== null && isDefault${this.typeName(t.struct)}(${v})`;
    }
    if (t.name === 'bytes') return d === 'null' ? `${v} === null` : `${v} !== null && ${v}.length === 0`;
    if (t.name === 'float64') return `Object.is(${v}, ${d})`;
    return `${v} === ${d}`;
  }

  private flexExpr(f: Field): string {
    if (f.flexibleVersions !== undefined) return condition(intersect(f.flexibleVersions, this.msg.flexibleVersions), this.versions);
    return 'flexible';
  }

  private nullExpr(f: Field): string {
    return condition(f.nullableVersions, this.versions);
  }

  private tmp(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  // ---------- decoding ----------

  /** Statements that read a value of type `t` into the (declared) variable `target`. */
  private emitRead(code: Code, t: FieldType, f: Field, target: string, nullable: string): void {
    const flex = this.flexExpr(f);
    if (t.kind === 'array') {
      const n = this.tmp('n');
      const arr = this.tmp('a');
      const i = this.tmp('i');
      const el = this.tmp('e');
      const elemType = this.tsType(t.element);
      if (nullable === 'false') code.line(`const ${n} = r.arrayLength(${flex});`);
      else if (nullable === 'true') code.line(`const ${n} = r.nullableArrayLength(${flex});`);
      else code.line(`const ${n} = ${nullable} ? r.nullableArrayLength(${flex}) : r.arrayLength(${flex});`);
      if (nullable !== 'false') code.open(`if (${n} < 0) {`).line(`${target} = null;`).middle('} else {');
      code.line(`const ${arr}: ${elemType}[] = [];`);
      code.open(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
      code.line(`let ${el}: ${elemType};`);
      this.emitRead(code, t.element, f, el, 'false');
      code.line(`${arr}.push(${el});`);
      code.close();
      code.line(`${target} = ${arr};`);
      if (nullable !== 'false') code.close();
      return;
    }
    if (t.kind === 'struct') {
      const read = `read${this.typeName(t.struct)}(r, version)`;
      if (nullable === 'false') code.line(`${target} = ${read};`);
      else if (nullable === 'true') code.line(`${target} = r.structPresent() ? ${read} : null;`);
      else code.line(`${target} = (${nullable} ? r.structPresent() : true) ? ${read} : null;`);
      return;
    }
    const p = t.name;
    let expr: string;
    if (p === 'string' || p === 'bytes' || p === 'records') {
      const name = p === 'string' ? 'String' : 'Bytes';
      const plain = `r.${p === 'string' ? 'string' : 'bytes'}(${flex})`;
      const nullableCall = `r.nullable${name}(${flex})`;
      if (nullable === 'false') expr = plain;
      else if (nullable === 'true') expr = nullableCall;
      else expr = `(${nullable} ? ${nullableCall} : ${plain})`;
    } else {
      expr = `r.${p}()`;
    }
    code.line(`${target} = ${expr};`);
  }

  emitReader(code: Code, s: Struct): void {
    const type = this.typeName(s.name);
    const isTop = s.name === this.msg.name;
    code.open(`${isTop ? 'export ' : ''}function read${type}(r: Reader, version: number): ${type} {`);
    if (isTop) {
      code.open(`if (version < ${this.versions.min} || version > ${this.versions.max}) {`);
      code.line(`throw unsupportedVersion('${this.msg.name}', version);`);
      code.close();
    }
    const flexibleCond = condition(this.msg.flexibleVersions, this.versions);
    code.line(`const flexible = ${flexibleCond};`);
    for (const f of s.fields) {
      code.line(`let ${local(f)}: ${this.fieldTsType(f)} = ${this.defaultExpr(f)};`);
    }
    for (const f of s.fields) {
      const cond = condition(this.regularVersions(f), this.versions);
      if (cond === 'false') continue;
      if (cond !== 'true') code.open(`if (${cond}) {`);
      this.emitRead(code, f.type, f, local(f), this.nullExpr(f));
      if (cond !== 'true') code.close();
    }
    const tagged = s.fields.filter((f) => condition(this.taggedVersions(f), this.versions) !== 'false');
    if (flexibleCond !== 'false') {
      code.open('if (flexible) {');
      code.line('const tagCount = r.uvarint();');
      code.open('for (let t = 0; t < tagCount; t++) {');
      code.line('const tag = r.uvarint();');
      code.line('const outer = r.enterTagged(r.uvarint());');
      if (tagged.length > 0) {
        code.open('switch (tag) {');
        for (const f of sortByTag(tagged)) {
          code.open(`case ${String(f.tag)}: {`);
          const cond = condition(this.taggedVersions(f), this.versions);
          if (cond !== 'true') code.open(`if (${cond}) {`);
          this.emitRead(code, f.type, f, local(f), this.nullExpr(f));
          if (cond !== 'true') code.close();
          code.line('break;');
          code.close();
        }
        code.close();
      }
      code.line('r.leaveTagged(outer);');
      code.close();
      code.close();
    } else {
      code.line('void flexible;');
    }
    code.line(`return { ${s.fields.map((f) => `${fieldName(f.name)}: ${local(f)}`).join(', ')} };`);
    code.close();
  }

  // ---------- encoding ----------

  private emitWrite(code: Code, t: FieldType, f: Field, value: string, nullable: string): void {
    const flex = this.flexExpr(f);
    if (t.kind === 'array') {
      const el = this.tmp('e');
      const lengthCall =
        nullable === 'false'
          ? `w.arrayLength(${value} === null ? null : ${value}.length, ${flex});`
          : nullable === 'true'
            ? `w.nullableArrayLength(${value} === null ? null : ${value}.length, ${flex});`
            : `if (${nullable}) w.nullableArrayLength(${value} === null ? null : ${value}.length, ${flex}); else w.arrayLength(${value} === null ? null : ${value}.length, ${flex});`;
      code.line(lengthCall);
      code.open(`if (${value} !== null) {`);
      code.open(`for (const ${el} of ${value}) {`);
      this.emitWrite(code, t.element, f, el, 'false');
      code.close();
      code.close();
      return;
    }
    if (t.kind === 'struct') {
      const write = (v: string): string => `write${this.typeName(t.struct)}(w, version, ${v})`;
      if (nullable === 'false') {
        code.line(`if (${value} === null) throw nullInVersion('${f.name}', version);`);
        code.line(`${write(value)};`);
      } else {
        const marker = nullable === 'true' ? '' : `if (!(${nullable})) { if (${value} === null) throw nullInVersion('${f.name}', version); ${write(value)}; } else `;
        code.line(`${marker}if (${value} === null) { w.int8(-1); } else { w.int8(1); ${write(value)}; }`);
      }
      return;
    }
    const p = t.name;
    if (p === 'string' || p === 'bytes' || p === 'records') {
      const method = p === 'string' ? 'String' : 'Bytes';
      const plain = `w.${p === 'string' ? 'string' : 'bytes'}(${value}, ${flex});`;
      const nullableCall = `w.nullable${method}(${value}, ${flex});`;
      if (nullable === 'false') code.line(plain);
      else if (nullable === 'true') code.line(nullableCall);
      else code.line(`if (${nullable}) ${nullableCall} else ${plain}`);
      return;
    }
    code.line(`w.${p}(${value});`);
  }

  emitWriter(code: Code, s: Struct): void {
    const type = this.typeName(s.name);
    const isTop = s.name === this.msg.name;
    code.open(`${isTop ? 'export ' : ''}function write${type}(w: Writer, version: number, value: Loose<${type}>): void {`);
    if (isTop) {
      code.open(`if (version < ${this.versions.min} || version > ${this.versions.max}) {`);
      code.line(`throw unsupportedVersion('${this.msg.name}', version);`);
      code.close();
    }
    const flexibleCond = condition(this.msg.flexibleVersions, this.versions);
    code.line(`const flexible = ${flexibleCond};`);
    // Loose input: a missing field means its default; an explicit null is kept.
    for (const f of s.fields) {
      code.line(`const ${local(f)} = (value.${fieldName(f.name)} === undefined ? ${this.defaultExpr(f)} : value.${fieldName(f.name)}) as Loose<${this.fieldTsType(f)}>;`);
    }
    for (const f of s.fields) {
      const present = condition(this.presentVersions(f), this.versions);
      if (present !== 'true' && !f.ignorable) {
        const guard = present === 'false' ? '' : `!(${present}) && `;
        code.line(`if (${guard}!(${this.isDefaultExpr(f, local(f))})) throw notInVersion('${this.msg.name}', '${f.name}', version);`);
      }
      const cond = condition(this.regularVersions(f), this.versions);
      if (cond === 'false') continue;
      if (cond !== 'true') code.open(`if (${cond}) {`);
      this.emitWrite(code, f.type, f, local(f), this.nullExpr(f));
      if (cond !== 'true') code.close();
    }
    const tagged = sortByTag(s.fields.filter((f) => condition(this.taggedVersions(f), this.versions) !== 'false'));
    if (flexibleCond !== 'false') {
      code.open('if (flexible) {');
      if (tagged.length === 0) {
        code.line('w.uvarint(0);');
      } else {
        code.line('let tagCount = 0;');
        const writes: Array<[Field, string]> = [];
        for (const f of tagged) {
          const cond = condition(this.taggedVersions(f), this.versions);
          const test = `${cond === 'true' ? '' : `${cond} && `}!(${this.isDefaultExpr(f, local(f))})`;
          const flag = this.tmp('has');
          code.line(`const ${flag} = ${test};`);
          code.line(`if (${flag}) tagCount++;`);
          writes.push([f, flag]);
        }
        code.line('w.uvarint(tagCount);');
        for (const [f, flag] of writes) {
          code.open(`if (${flag}) {`);
          code.open(`w.tagged(${String(f.tag)}, (w) => {`);
          this.emitWrite(code, f.type, f, local(f), this.nullExpr(f));
          code.close('});');
          code.close();
        }
      }
      code.close();
    } else {
      code.line('void flexible;');
    }
    code.close();
  }

  emitTypes(code: Code, s: Struct): void {
    const type = this.typeName(s.name);
    code.open(`export interface ${type} {`);
    for (const f of s.fields) {
      const doc = docFor(f);
      if (doc) code.line(doc);
      code.line(`${fieldName(f.name)}: ${this.fieldTsType(f)};`);
    }
    code.close();
    code.line();
    code.line(`/** A ${type} with every field at its default. */`);
    code.open(`export function default${type}(): ${type} {`);
    code.line(`return { ${s.fields.map((f) => `${fieldName(f.name)}: ${this.defaultExpr(f)}`).join(', ')} };`);
    code.close();
    code.line();
    code.open(`function isDefault${type}(value: Loose<${type}>): boolean {`);
    for (const f of s.fields) {
      code.line(`const ${local(f)} = value.${fieldName(f.name)} as Loose<${this.fieldTsType(f)}> | undefined;`);
    }
    const checks = s.fields.map((f) => `(${local(f)} === undefined || (${this.isDefaultExpr(f, local(f))}))`);
    code.line(`return ${checks.length === 0 ? 'true' : checks.join(' &&\n    ')};`);
    code.close();
  }

  emit(): string {
    const code = new Code();
    for (const s of this.msg.structs) {
      this.emitTypes(code, s);
      code.line();
    }
    for (const s of this.msg.structs) {
      this.emitReader(code, s);
      code.line();
      this.emitWriter(code, s);
      code.line();
    }
    return code.toString();
  }
}

function local(f: Field): string {
  return `f${f.name}`;
}

function sortByTag(fields: Field[]): Field[] {
  return [...fields].sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
}

function docFor(f: Field): string | undefined {
  const parts: string[] = [];
  if (f.about) parts.push(f.about.replace(/\*\//g, '* /'));
  const v = f.versions;
  parts.push(`Versions ${v.min}${v.max === Infinity ? '+' : `-${v.max}`}${f.tag === undefined ? '' : `, tag ${f.tag}`}.`);
  return `/** ${parts.join(' ')} */`;
}

export { Code };
