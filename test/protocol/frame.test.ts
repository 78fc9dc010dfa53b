import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameDecoder,
  decodeRequestBody,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  readRequestFrame,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../src/protocol/frame.ts';
import { ProtocolError } from '../../src/protocol/errors.ts';

function isProtocolError(code: string) {
  return (e: unknown) => e instanceof ProtocolError && e.code === code;
}

test('header versions follow the flexible versions of each API', () => {
  assert.equal(requestHeaderVersion(0, 8), 1);
  assert.equal(requestHeaderVersion(0, 9), 2);
  assert.equal(responseHeaderVersion(0, 9), 1);
  assert.equal(responseHeaderVersion(1, 11), 0);
  // ApiVersions: request header follows the rule, response header is always v0.
  assert.equal(requestHeaderVersion(18, 3), 2);
  assert.equal(responseHeaderVersion(18, 4), 0);
  // An ApiVersions request above the known maximum is still read as flexible.
  assert.equal(requestHeaderVersion(18, 9), 2);
  // SaslHandshake has no flexible version.
  assert.equal(requestHeaderVersion(17, 1), 1);
  // An unknown API key gets the classic header.
  assert.equal(requestHeaderVersion(999, 5), 1);
});

test('a request frame round-trips with its header (classic and flexible)', () => {
  for (const version of [4, 9]) {
    const bytes = encodeRequest(3, version, 42, 'my-client', { topics: [{ name: 't1' }], allowAutoTopicCreation: true });
    assert.equal(bytes.readInt32BE(0), bytes.length - 4);
    const frame = readRequestFrame(bytes.subarray(4));
    assert.equal(frame.header.requestApiKey, 3);
    assert.equal(frame.header.requestApiVersion, version);
    assert.equal(frame.header.correlationId, 42);
    assert.equal(frame.header.clientId, 'my-client');
    const body = decodeRequestBody(3, version, frame.body);
    assert.equal(body.topics?.[0]?.name, 't1');
  }
});

test('a null client id is kept, and the client id is never a compact string', () => {
  const flexible = encodeRequest(18, 3, 1, null, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
  // size(4) key(2) version(2) correlation(4) clientId length int16 -1
  assert.equal(flexible.readInt16BE(12), -1);
  assert.equal(readRequestFrame(flexible.subarray(4)).header.clientId, null);
});

test('a response frame round-trips; ApiVersions v3 keeps a v0 header', () => {
  const chunks = encodeResponse(18, 3, 7, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }] });
  const bytes = Buffer.concat(chunks);
  assert.equal(bytes.readInt32BE(0), bytes.length - 4);
  // v0 header: the body's error code follows the correlation id directly.
  assert.equal(bytes.readInt32BE(4), 7);
  assert.equal(bytes.readInt16BE(8), 0);
  const { correlationId, body } = decodeResponse(18, 3, bytes.subarray(4));
  assert.equal(correlationId, 7);
  assert.deepEqual(body.apiKeys, [{ apiKey: 0, minVersion: 0, maxVersion: 11 }]);
});

test('trailing bytes after a body are refused', () => {
  const bytes = encodeRequest(12, 4, 1, 'c', { groupId: 'g', generationId: 1, memberId: 'm' });
  const frame = readRequestFrame(Buffer.concat([bytes.subarray(4), Buffer.from([1, 2])]));
  assert.throws(() => decodeRequestBody(12, 4, frame.body), isProtocolError('SDS_ERR_PROTOCOL_BAD_LENGTH'));
});

test('the frame decoder reassembles frames from any split of the stream', () => {
  const frames = [Buffer.from('a'), Buffer.alloc(0), Buffer.alloc(5000, 7), Buffer.from('xyz')];
  const stream = Buffer.concat(
    frames.flatMap((f) => {
      const size = Buffer.alloc(4);
      size.writeInt32BE(f.length);
      return [size, f];
    }),
  );
  for (const step of [1, 2, 3, 5, 64, 4999, stream.length]) {
    const decoder = new FrameDecoder(10_000);
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i += step) out.push(...decoder.push(stream.subarray(i, i + step)));
    assert.deepEqual(out, frames, `step ${step}`);
    assert.equal(decoder.pendingBytes, 0);
  }
});

test('a frame above the limit is refused from its size alone, before its bytes arrive', () => {
  const decoder = new FrameDecoder(1024);
  const size = Buffer.alloc(4);
  size.writeInt32BE(1025);
  assert.throws(() => decoder.push(size), isProtocolError('SDS_ERR_PROTOCOL_FRAME_TOO_LARGE'));
  const negative = new FrameDecoder(1024);
  assert.throws(() => negative.push(Buffer.from([0xff, 0xff, 0xff, 0xfe])), isProtocolError('SDS_ERR_PROTOCOL_FRAME_TOO_LARGE'));
  // Split size bytes are read across chunks.
  const split = new FrameDecoder(1024);
  assert.deepEqual(split.push(Buffer.from([0, 0])), []);
  assert.throws(() => split.push(Buffer.from([0x7f, 0xff])), isProtocolError('SDS_ERR_PROTOCOL_FRAME_TOO_LARGE'));
});

test('a frame too short for a header is refused', () => {
  assert.throws(() => readRequestFrame(Buffer.from([0, 1])), isProtocolError('SDS_ERR_PROTOCOL_TRUNCATED'));
  assert.throws(() => readRequestFrame(Buffer.from([0, 3, 0, 1, 0, 0])), isProtocolError('SDS_ERR_PROTOCOL_TRUNCATED'));
});
