import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMessages, type Field, type Message } from '../../scripts/codegen/schema.ts';
import { SPEC_DIR } from '../../scripts/codegen/main.ts';
import { fieldName } from '../../scripts/codegen/naming.ts';
import { Reader } from '../../src/protocol/primitives/reader.ts';
import { Writer } from '../../src/protocol/primitives/writer.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { API_SPECS } from '../../src/protocol/generated/index.ts';
import { RandomMessages, exported, present } from '../support/random-message.ts';

const messages = loadMessages(SPEC_DIR);
const ITERATIONS = 25;

function versionsOf(m: Message): number[] {
  const out: number[] = [];
  for (let v = m.validVersions.min; v <= m.validVersions.max; v++) out.push(v);
  return out;
}

function encode(m: Message, version: number, value: unknown): Buffer {
  const w = new Writer();
  exported(`write${m.name}`)(w, version, value);
  return w.toBuffer();
}

function decode(m: Message, version: number, bytes: Buffer): unknown {
  const r = new Reader(bytes);
  const value = exported(`read${m.name}`)(r, version);
  assert.equal(r.remaining, 0, `${m.name} v${version}: ${r.remaining} bytes left unread`);
  return value;
}

test('the generator covers every message definition that has versions', () => {
  assert.ok(messages.length >= 180, `only ${messages.length} messages`);
  for (const name of ['RequestHeader', 'ResponseHeader', 'SaslHandshakeRequest', 'SaslAuthenticateResponse', 'ConsumerProtocolAssignment']) {
    assert.ok(
      messages.some((m) => m.name === name),
      `${name} is missing`,
    );
  }
});

test('every message and version survives encode -> decode -> encode with random values', () => {
  const random = new RandomMessages(20261128);
  let cases = 0;
  for (const m of messages) {
    const top = m.structs[0];
    assert.ok(top);
    for (const version of versionsOf(m)) {
      for (let i = 0; i < ITERATIONS; i++) {
        const value = random.struct(m, top, version);
        const bytes = encode(m, version, value);
        const decoded = decode(m, version, bytes);
        assert.deepStrictEqual(decoded, value, `${m.name} v${version}`);
        assert.deepEqual(encode(m, version, decoded), bytes, `${m.name} v${version} re-encoding`);
        cases++;
      }
    }
  }
  assert.ok(cases > 15_000, `only ${cases} cases`);
});

test('an encoder fills every left-out field with its default', () => {
  for (const m of messages) {
    for (const version of versionsOf(m)) {
      const decoded = decode(m, version, encode(m, version, {}));
      assert.deepStrictEqual(decoded, exported(`default${m.name}`)(), `${m.name} v${version}`);
    }
  }
});

test('a value the version cannot carry is an error unless the field is ignorable', () => {
  const random = new RandomMessages(7);
  let refused = 0;
  let dropped = 0;
  for (const m of messages) {
    const top = m.structs[0];
    assert.ok(top);
    const fields: readonly Field[] = top.fields;
    for (const version of versionsOf(m)) {
      for (const f of fields) {
        if (present(f, version)) continue;
        const value: Record<string, unknown> = {};
        let candidate: unknown;
        // Draw until the value differs from the default (a random bool may equal it).
        const def = (exported(`default${m.name}`)() as Record<string, unknown>)[fieldName(f.name)];
        for (let i = 0; i < 20; i++) {
          candidate = random.value(m, f.type, Math.min(f.versions.max, m.validVersions.max), 0);
          if (!isEqual(candidate, def) && !(Array.isArray(candidate) && candidate.length === 0)) break;
        }
        if (isEqual(candidate, def) || (Array.isArray(candidate) && candidate.length === 0)) continue;
        value[fieldName(f.name)] = candidate;
        if (f.ignorable) {
          const decoded = decode(m, version, encode(m, version, value)) as Record<string, unknown>;
          assert.deepStrictEqual(decoded[fieldName(f.name)], def);
          dropped++;
        } else {
          assert.throws(
            () => encode(m, version, value),
            (e: unknown) => e instanceof ProtocolError && e.code === 'SDS_ERR_PROTOCOL_FIELD_NOT_IN_VERSION',
            `${m.name} v${version} ${f.name}`,
          );
          refused++;
        }
      }
    }
  }
  assert.ok(refused > 50, `refused ${refused}`);
  assert.ok(dropped > 50, `dropped ${dropped}`);
});

function isEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

test('unknown tagged fields are skipped on decode', () => {
  let checked = 0;
  for (const m of messages) {
    for (const version of versionsOf(m)) {
      if (version < m.flexibleVersions.min || version > m.flexibleVersions.max) continue;
      const bytes = encode(m, version, {});
      assert.equal(bytes[bytes.length - 1], 0, `${m.name} v${version} ends with an empty tag section`);
      // Two unknown tags: 90 with 3 bytes, 1000 (a two-byte varint) with none.
      const extra = Buffer.from([2, 90, 3, 0xaa, 0xbb, 0xcc, 0xe8, 0x07, 0]);
      const withTags = Buffer.concat([bytes.subarray(0, bytes.length - 1), extra]);
      assert.deepStrictEqual(decode(m, version, withTags), exported(`default${m.name}`)(), `${m.name} v${version}`);
      checked++;
    }
  }
  assert.ok(checked > 300);
});

test('known tagged fields are written only when they differ from their default', () => {
  // ApiVersionsResponse v3 carries SupportedFeatures (tag 0) and FinalizedFeaturesEpoch (tag 1).
  const plain = encode(messages.find((m) => m.name === 'ApiVersionsResponse') as Message, 3, { apiKeys: [] });
  assert.deepEqual([...plain], [0, 0, 1, 0, 0, 0, 0, 0]);
  const tagged = encode(messages.find((m) => m.name === 'ApiVersionsResponse') as Message, 3, { finalizedFeaturesEpoch: 5n });
  assert.deepEqual([...tagged.subarray(7)], [1, 1, 8, 0, 0, 0, 0, 0, 0, 0, 5]);
});

test('decoding a version outside validVersions is refused', () => {
  for (const spec of Object.values(API_SPECS)) {
    assert.throws(
      () => spec.readRequest(new Reader(Buffer.alloc(0)), spec.maxVersion + 1),
      (e: unknown) => e instanceof ProtocolError && e.code === 'SDS_ERR_PROTOCOL_UNSUPPORTED_VERSION',
    );
  }
});

test('the API table lists every request with its version range', () => {
  const produce = API_SPECS[0];
  assert.equal(produce.name, 'Produce');
  assert.equal(produce.minVersion, 3);
  assert.equal(produce.maxVersion, 13);
  assert.equal(produce.firstFlexibleVersion, 9);
  assert.equal(API_SPECS[17].firstFlexibleVersion, -1);
  assert.equal(API_SPECS[18].firstFlexibleVersion, 3);
});
