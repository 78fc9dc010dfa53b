/**
 * Hostile bytes: 100,000 random and mutated frames. The decoder must return a value or
 * throw a ProtocolError; it must never hang, throw anything else, or build a value larger
 * than the frame it read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadMessages } from '../../scripts/codegen/schema.ts';
import { SPEC_DIR } from '../../scripts/codegen/main.ts';
import { Reader } from '../../src/protocol/primitives/reader.ts';
import { Writer } from '../../src/protocol/primitives/writer.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';
import { readRequestFrame, decodeRequestBody, isKnownApiKey } from '../../src/protocol/frame.ts';
import { RandomMessages, exported } from '../support/random-message.ts';

const FRAMES = 100_000;
const messages = loadMessages(SPEC_DIR).filter((m) => m.type === 'request' || m.type === 'response');

/** Strings, byte arrays and array elements in a decoded value: what decoding allocated. */
function footprint(v: unknown): number {
  if (typeof v === 'string') return v.length; // UTF-16 units: never more than the UTF-8 bytes read
  if (Buffer.isBuffer(v)) return v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + 1 + footprint(x), 0);
  if (v !== null && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + footprint(x), 0);
  return 0;
}

function mutate(random: RandomMessages, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const at = out.length === 0 ? 0 : random.int(0, out.length - 1);
  switch (random.int(0, 6)) {
    case 0:
      return out.subarray(0, at); // truncated
    case 1:
      for (let i = random.int(1, 4); i > 0 && out.length > 0; i--) out[random.int(0, out.length - 1)] = random.int(0, 255);
      return out; // flipped bytes
    case 2:
      if (out.length >= at + 4) out.writeInt32BE(random.int(0, 1) === 0 ? 0x7fffffff : -random.int(2, 1000), at);
      return out; // a huge or negative length / count
    case 3:
      if (out.length >= at + 2) out.writeInt16BE(random.int(0, 1) === 0 ? 0x7fff : -random.int(2, 1000), at);
      return out; // a huge or negative string length
    case 4:
      return Buffer.concat([out.subarray(0, at), Buffer.alloc(random.int(1, 6), 0xff), out.subarray(at)]); // bad varints
    case 5:
      return Buffer.concat([out.subarray(0, at), Buffer.from([0x05, 0x63, 0xff, 0xff, 0xff, 0x0f])]); // bogus tag section
    default:
      return Buffer.from(Array.from({ length: random.int(0, 64) }, () => random.int(0, 255))); // noise
  }
}

test('100,000 random and mutated frames: a value or a ProtocolError, never more than the frame allows', () => {
  const random = new RandomMessages(424242);
  let decoded = 0;
  let refused = 0;
  for (let i = 0; i < FRAMES; i++) {
    const m = messages[random.int(0, messages.length - 1)];
    assert.ok(m);
    const version = random.int(m.validVersions.min, m.validVersions.max);
    const top = m.structs[0];
    assert.ok(top);
    const w = new Writer();
    exported(`write${m.name}`)(w, version, random.struct(m, top, version));
    const frame = mutate(random, w.toBuffer());
    try {
      const value = exported(`read${m.name}`)(new Reader(frame), version);
      // UUIDs grow from 16 bytes to 22 characters and absent fields take small defaults.
      assert.ok(footprint(value) <= 2 * frame.length + 256, `${m.name} v${version}: decoded more than the frame holds`);
      decoded++;
    } catch (e) {
      if (!(e instanceof ProtocolError)) {
        assert.fail(`${m.name} v${version} threw ${String(e)} on ${frame.toString('hex')}`);
      }
      refused++;
    }
  }
  assert.equal(decoded + refused, FRAMES);
  assert.ok(refused > FRAMES / 4, `only ${refused} refused`);
});

test('random request frames through the header reader: a request or a ProtocolError', () => {
  const random = new RandomMessages(99);
  for (let i = 0; i < 5_000; i++) {
    const frame = Buffer.from(Array.from({ length: random.int(0, 80) }, () => random.int(0, 255)));
    // Aim half of them at real API keys and versions so bodies get parsed too.
    if (frame.length >= 4 && i % 2 === 0) {
      frame.writeInt16BE(random.int(0, 75), 0);
      frame.writeInt16BE(random.int(0, 12), 2);
    }
    try {
      const { header, body } = readRequestFrame(frame);
      const key = header.requestApiKey;
      if (isKnownApiKey(key)) decodeRequestBody(key, header.requestApiVersion, body);
    } catch (e) {
      if (!(e instanceof ProtocolError)) assert.fail(`threw ${String(e)} on ${frame.toString('hex')}`);
    }
  }
});
