import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KAFKA_ERRORS, errorInfo, type ErrorCodeName, type KafkaErrorInfo } from '../../src/protocol/error-codes.ts';

// Compile-time checks: ErrorCode keeps each code as a literal type, and ErrorCodeName is the set of names.
const unknownTopic: 3 = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
const none: 0 = ErrorCode.NONE;
const someName: ErrorCodeName = 'SHARE_SESSION_LIMIT_REACHED';
// @ts-expect-error not a Kafka error name
const notAName: ErrorCodeName = 'NOT_A_KAFKA_ERROR';

/** Highest error code in Apache Kafka 4.1 (SHARE_SESSION_LIMIT_REACHED). */
const MAX_CODE = 133;

/** Codes whose exception extends RetriableException in Kafka 4.1 (Errors.java + common/errors/). */
const RETRIABLE_CODES = [
  2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103, 106, 122,
  123, 133,
];

function info(code: number): KafkaErrorInfo {
  const found = errorInfo(code);
  assert.ok(found, `no entry for code ${code}`);
  return found;
}

test('the type-level checks above hold at run time too', () => {
  assert.equal(unknownTopic, 3);
  assert.equal(none, 0);
  assert.equal(ErrorCode[someName], 133);
  assert.equal(notAName in ErrorCode, false);
});

test('codes are unique', () => {
  const codes = KAFKA_ERRORS.map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
});

test('names are unique', () => {
  const names = KAFKA_ERRORS.map((e) => e.name);
  assert.equal(new Set(names).size, names.length);
});

test('codes run contiguously from -1 to the highest code, in ascending order', () => {
  assert.equal(KAFKA_ERRORS.length, MAX_CODE + 2);
  KAFKA_ERRORS.forEach((e, i) => assert.equal(e.code, i - 1, `entry ${i} is ${e.name} (${e.code})`));
  assert.equal(KAFKA_ERRORS.at(-1)?.name, 'SHARE_SESSION_LIMIT_REACHED');
});

test('names are UPPER_SNAKE', () => {
  for (const e of KAFKA_ERRORS) assert.match(e.name, /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/, e.name);
});

test('every message is a non-empty sentence ending with a period', () => {
  for (const e of KAFKA_ERRORS) {
    assert.ok(e.message.trim().length > 0, `${e.name} has no message`);
    assert.match(e.message, /^[A-Z].*\.$/, `${e.name}: ${e.message}`);
    assert.equal(e.message, e.message.trim(), `${e.name} has surrounding whitespace`);
  }
});

test('ErrorCode and KAFKA_ERRORS describe the same table', () => {
  assert.equal(Object.keys(ErrorCode).length, KAFKA_ERRORS.length);
  for (const e of KAFKA_ERRORS) assert.equal(ErrorCode[e.name], e.code, e.name);
  for (const [name, code] of Object.entries(ErrorCode)) assert.equal(errorInfo(code)?.name, name);
});

test('errorInfo returns the entry for every code', () => {
  for (const e of KAFKA_ERRORS) assert.equal(errorInfo(e.code), e);
});

test('errorInfo returns undefined for codes Kafka does not define', () => {
  for (const code of [-2, MAX_CODE + 1, 1000, 32767, -32768, 1.5, Number.NaN]) {
    assert.equal(errorInfo(code), undefined, String(code));
  }
});

test('well-known codes', () => {
  const expected: [number, ErrorCodeName, boolean][] = [
    [-1, 'UNKNOWN_SERVER_ERROR', false],
    [0, 'NONE', false],
    [1, 'OFFSET_OUT_OF_RANGE', false],
    [2, 'CORRUPT_MESSAGE', true],
    [3, 'UNKNOWN_TOPIC_OR_PARTITION', true],
    [5, 'LEADER_NOT_AVAILABLE', true],
    [6, 'NOT_LEADER_OR_FOLLOWER', true],
    [7, 'REQUEST_TIMED_OUT', true],
    [10, 'MESSAGE_TOO_LARGE', false],
    [15, 'COORDINATOR_NOT_AVAILABLE', true],
    [16, 'NOT_COORDINATOR', true],
    [22, 'ILLEGAL_GENERATION', false],
    [25, 'UNKNOWN_MEMBER_ID', false],
    [27, 'REBALANCE_IN_PROGRESS', false],
    [35, 'UNSUPPORTED_VERSION', false],
    [36, 'TOPIC_ALREADY_EXISTS', false],
    [41, 'NOT_CONTROLLER', true],
    [58, 'SASL_AUTHENTICATION_FAILED', false],
    [79, 'MEMBER_ID_REQUIRED', false],
    [87, 'INVALID_RECORD', false],
    [90, 'PRODUCER_FENCED', false],
    [99, 'POSITION_OUT_OF_RANGE', false],
    [100, 'UNKNOWN_TOPIC_ID', true],
    [129, 'REBOOTSTRAP_REQUIRED', false],
    [132, 'STREAMS_TOPOLOGY_FENCED', false],
    [133, 'SHARE_SESSION_LIMIT_REACHED', true],
  ];
  for (const [code, name, retriable] of expected) {
    const e = info(code);
    assert.equal(e.name, name, `code ${code}`);
    assert.equal(e.retriable, retriable, `${name} retriable`);
    assert.equal(ErrorCode[name], code, name);
  }
});

test('exactly the codes Kafka marks retriable are retriable', () => {
  assert.deepEqual(
    KAFKA_ERRORS.filter((e) => e.retriable).map((e) => e.code),
    RETRIABLE_CODES,
  );
});

test('the table cannot be modified at run time', () => {
  assert.ok(Object.isFrozen(KAFKA_ERRORS));
  assert.ok(Object.isFrozen(ErrorCode));
  assert.ok(KAFKA_ERRORS.every((e) => Object.isFrozen(e)));
});
