import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SdsError } from '../../../src/errors.ts';
import { COMPRESSION_FORMATS } from '../../../src/runtime/firehose/compression.ts';
import {
  errorObjectKey,
  FILE_EXTENSIONS,
  objectKey,
  randomString,
  validatePrefixes,
  type ObjectKeyInput,
} from '../../../src/runtime/firehose/object-key.ts';

const AT = new Date('2026-07-13T14:05:09.123Z'); // a Monday
const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const SUFFIX = `orders-1-2026-07-13-14-05-09-${UUID}`;
const base: ObjectKeyInput = { streamName: 'orders', version: 1, arrival: AT, compression: 'UNCOMPRESSED', uuid: () => UUID };
const key = (prefix: string | undefined, more: Partial<ObjectKeyInput> = {}): string => objectKey({ ...base, prefix, ...more });

function throwsKeyError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof SdsError && e.code === 'SDS_ERR_OBJECT_KEY' && message.test(e.message));
}

test('no Prefix: the default yyyy/MM/dd/HH/ in UTC', () => {
  assert.equal(key(undefined), `2026/07/13/14/${SUFFIX}`);
  assert.equal(key(''), `2026/07/13/14/${SUFFIX}`);
  // An instant given with an offset is named in UTC, prefix and suffix alike.
  assert.equal(key(undefined, { arrival: new Date('2026-07-13T23:30:00-02:00') }), `2026/07/14/01/orders-1-2026-07-14-01-30-00-${UUID}`);
});

test('a Prefix without a timestamp expression gets yyyy/MM/dd/HH/ appended by plain concatenation', () => {
  assert.equal(key('legacy'), `legacy2026/07/13/14/${SUFFIX}`);
  assert.equal(key('data/'), `data/2026/07/13/14/${SUFFIX}`);
  // random-string is an expression but not a timestamp: the hours are still appended.
  assert.equal(key('r=!{firehose:random-string}/', { random: () => 'abcdefghijk' }), `r=abcdefghijk/2026/07/13/14/${SUFFIX}`);
});

test('timestamp expressions: Java DateTimeFormatter letters and quoted literals, one instant for all', () => {
  assert.equal(
    key('myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/'),
    `myPrefix/year=2026/month=07/day=13/hour=14/${SUFFIX}`,
  );
  assert.equal(key("dt=!{timestamp:yyyy'-'MM'-'dd}/h=!{timestamp:HH}/"), `dt=2026-07-13/h=14/${SUFFIX}`);
  assert.equal(key("!{timestamp:'year='yyyy'/it''s '''HH:mm:ss''}/"), `year=2026/it's '14:05:09'/${SUFFIX}`);
  assert.equal(key('!{timestamp:yyyy/MM/dd/HH/}'), `2026/07/13/14/${SUFFIX}`, 'no second timestamp appended');

  const early = { arrival: new Date('2026-03-04T05:06:07.089Z'), uuid: () => UUID }; // a Wednesday
  const name = `orders-1-2026-03-04-05-06-07-${UUID}`;
  assert.equal(key('!{timestamp:y M d H m s}/', early), `2026 3 4 5 6 7/${name}`);
  assert.equal(key('!{timestamp:yyyy MM dd HH mm ss}/', early), `2026 03 04 05 06 07/${name}`);
  assert.equal(key('!{timestamp:yy uuuu yyyyy}/', early), `26 2026 02026/${name}`);
  assert.equal(key('!{timestamp:MMM MMMM MMMMM EEE EEEE EEEEE}/', early), `Mar March M Wed Wednesday W/${name}`);
  assert.equal(key('!{timestamp:D DDD h hh a S SSS SSSSSS}/', early), `63 063 5 05 AM 0 089 089000/${name}`);
  assert.equal(key('!{timestamp:h a}/'), `2 PM/${SUFFIX}`);
});

test('random-string: 11 lowercase letters and digits, a new one for each occurrence', () => {
  for (let i = 0; i < 200; i++) assert.match(randomString(), /^[a-z0-9]{11}$/);
  const k = key('!{firehose:random-string}/!{firehose:random-string}/!{timestamp:yyyy}/');
  const m = /^([a-z0-9]{11})\/([a-z0-9]{11})\/2026\/orders-1-/.exec(k);
  assert.ok(m, k);
  assert.notEqual(m[1], m[2]);

  let calls = 0;
  const random = (): string => `r${String(++calls).padStart(10, '0')}`;
  assert.equal(key('!{firehose:random-string}-!{firehose:random-string}/!{timestamp:HH}/', { random }), `r0000000001-r0000000002/14/${SUFFIX}`);
  assert.equal(calls, 2);
});

test('error keys: ErrorOutputPrefix with error-output-type', () => {
  const errorKey = (prefix: string | undefined, errorOutputPrefix: string | undefined, errorOutputType: 'processing-failed' | 'format-conversion-failed' = 'processing-failed'): string =>
    errorObjectKey({ ...base, prefix, errorOutputPrefix, errorOutputType });
  assert.equal(
    errorKey('data/!{timestamp:yyyy}/', "errors/!{firehose:error-output-type}/!{timestamp:yyyy'/'MM}/"),
    `errors/processing-failed/2026/07/${SUFFIX}`,
  );
  // No timestamp is appended to an ErrorOutputPrefix with expressions (AWS's example; the console's default).
  assert.equal(errorKey(undefined, 'myFirehoseFailures/!{firehose:error-output-type}/'), `myFirehoseFailures/processing-failed/${SUFFIX}`);
  assert.equal(errorKey(undefined, '!{firehose:error-output-type}/'), `processing-failed/${SUFFIX}`);
  assert.equal(errorKey('x/', 'e/!{firehose:error-output-type}', 'format-conversion-failed'), `e/format-conversion-failed${SUFFIX}`);
  // An ErrorOutputPrefix without expressions is treated like Prefix: the hours are appended.
  assert.equal(errorKey(undefined, 'errors/'), `errors/2026/07/13/14/${SUFFIX}`);
});

test('error keys without ErrorOutputPrefix: <Prefix><error-output-type>/yyyy/MM/dd/HH/', () => {
  const k = (prefix: string | undefined, errorOutputPrefix?: string): string => errorObjectKey({ ...base, prefix, errorOutputPrefix, errorOutputType: 'processing-failed' });
  assert.equal(k('myFirehosePrefix/'), `myFirehosePrefix/processing-failed/2026/07/13/14/${SUFFIX}`);
  assert.equal(k('legacy'), `legacyprocessing-failed/2026/07/13/14/${SUFFIX}`);
  assert.equal(k(undefined), `processing-failed/2026/07/13/14/${SUFFIX}`);
  assert.equal(k('data/', ''), `data/processing-failed/2026/07/13/14/${SUFFIX}`, 'empty is as absent');
  throwsKeyError(() => k('!{timestamp:yyyy}/'), /ErrorOutputPrefix: required/);
});

test('validatePrefixes: valid pairs have no problems', () => {
  assert.deepEqual(validatePrefixes(undefined, undefined), []);
  assert.deepEqual(validatePrefixes('', ''), []);
  assert.deepEqual(validatePrefixes('legacy', undefined), []);
  assert.deepEqual(validatePrefixes('data/', 'errors/'), []);
  assert.deepEqual(validatePrefixes('data/!{timestamp:yyyy}/!{firehose:random-string}/', 'errors/!{firehose:error-output-type}/!{timestamp:yyyy}/'), []);
  assert.deepEqual(validatePrefixes(undefined, '!{firehose:error-output-type}/'), []);
  assert.deepEqual(validatePrefixes("a}b!/'{c}/", undefined), [], 'a lone } or ! is plain text');
});

test('validatePrefixes: each rule', () => {
  const one = (prefix: string | undefined, errorOutputPrefix: string | undefined, expected: RegExp): void => {
    const problems = validatePrefixes(prefix, errorOutputPrefix);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0] ?? '', expected);
  };
  const ok = 'e/!{firehose:error-output-type}/';
  one('x'.repeat(1025), undefined, /^Prefix: 1025 characters, at most 1024/);
  one(undefined, 'x'.repeat(1025), /^ErrorOutputPrefix: 1025 characters, at most 1024/);
  one('a/!{timestamp:yyyy', ok, /^Prefix: "!\{" at character 3 starts an expression with no closing "\}"/);
  one('a/!{timestamp:!{x}}', ok, /^Prefix: !\{timestamp:!\{x\}: expressions cannot be nested/);
  one('!{timestamp}', ok, /^Prefix: !\{timestamp\}: not of the form !\{namespace:value\}/);
  one('!{foo:bar}', ok, /^Prefix: !\{foo:bar\}: unknown namespace "foo"/);
  one('!{firehose:uuid}', ok, /^Prefix: !\{firehose:uuid\}: unknown firehose value "uuid"/);
  one('!{partitionKeyFromQuery:customerId}/', ok, /^Prefix: !\{partitionKeyFromQuery:customerId\}: dynamic partitioning is not supported/);
  one(undefined, '!{firehose:error-output-type}/!{partitionKeyFromLambda:k}/', /^ErrorOutputPrefix: .*dynamic partitioning is not supported/);
  one('!{timestamp:yyyy-QQ}', ok, /^Prefix: !\{timestamp:yyyy-QQ\}: pattern letter 'Q' is not supported/);
  one('!{timestamp:HHH}', ok, /too many pattern letters 'H' \(at most 2\)/);
  one('!{timestamp:aa}', ok, /too many pattern letters 'a' \(at most 1\)/);
  one("!{timestamp:'year=yyyy}", ok, /quoted text starting at character 1 of the pattern has no closing quote/);
  one('!{timestamp:}', ok, /the pattern is empty/);
  one('!{timestamp:yyyy[MM]}', ok, /'\[' is not supported/);
  one('!{firehose:error-output-type}/', ok, /^Prefix: !\{firehose:error-output-type\} can only be used in ErrorOutputPrefix/);
  one('data/', 'errors/!{timestamp:yyyy}/', /^ErrorOutputPrefix: has expressions, so it must include !\{firehose:error-output-type\}/);
  one('!{timestamp:yyyy}/', undefined, /^ErrorOutputPrefix: required \(not null or empty\) when Prefix contains expressions/);
  one('!{firehose:random-string}/', '', /^ErrorOutputPrefix: required/);
});

test('validatePrefixes: every problem at once, Prefix first', () => {
  assert.deepEqual(validatePrefixes('a!{b:c}/!{firehose:error-output-type}/!{partitionKeyFromLambda:k}', 'e/!{timestamp:qq}/!{x'), [
    'Prefix: !{b:c}: unknown namespace "b" (use timestamp or firehose)',
    'Prefix: !{partitionKeyFromLambda:k}: dynamic partitioning is not supported by the local Firehose; use !{timestamp:...} and !{firehose:random-string} only',
    "ErrorOutputPrefix: !{timestamp:qq}: pattern letter 'q' is not supported (supported: y u M d D H h m s S a E; quote other text, e.g. 'day='dd)",
    'ErrorOutputPrefix: "!{" at character 19 starts an expression with no closing "}"; "!{" may only start an expression !{namespace:value}',
    'Prefix: !{firehose:error-output-type} can only be used in ErrorOutputPrefix',
    'ErrorOutputPrefix: has expressions, so it must include !{firehose:error-output-type} (e.g. errors/!{firehose:error-output-type}/)',
  ]);
  assert.equal(validatePrefixes('!{timestamp:yyyy}'.repeat(61), 'x'.repeat(2000)).length, 2, 'both lengths; a plain ErrorOutputPrefix needs no error-output-type');
});

test('at most 512 characters after evaluation: checked on the longest evaluation, and on each key', () => {
  // A plain Prefix gets 14 characters (yyyy/MM/dd/HH/) appended.
  assert.deepEqual(validatePrefixes('p'.repeat(498), 'e/'), []);
  assert.match(validatePrefixes('p'.repeat(499), 'e/').join('\n'), /^Prefix: can evaluate to 513 characters, at most 512/);
  assert.ok(key('p'.repeat(498)).startsWith(`${'p'.repeat(498)}2026/07/13/14/orders-1-`));
  throwsKeyError(() => key('p'.repeat(499)), /^Prefix evaluates to 513 characters, at most 512/);

  // MMMM can be "September": 9 characters, though July is 4.
  assert.deepEqual(validatePrefixes(`${'p'.repeat(503)}!{timestamp:MMMM}`, 'e/!{firehose:error-output-type}'), []);
  assert.match(validatePrefixes(`${'p'.repeat(504)}!{timestamp:MMMM}`, 'e/!{firehose:error-output-type}').join('\n'), /^Prefix: can evaluate to 513 characters/);
  // error-output-type counts as its longest value, AmazonOpenSearchService-failed (30).
  assert.deepEqual(validatePrefixes(undefined, `${'e'.repeat(482)}!{firehose:error-output-type}`), []);
  assert.match(validatePrefixes(undefined, `${'e'.repeat(483)}!{firehose:error-output-type}`).join('\n'), /^ErrorOutputPrefix: can evaluate to 513 characters/);
  // Without ErrorOutputPrefix, failed records go under Prefix + <type>/yyyy/MM/dd/HH/ (30 + 1 + 14).
  assert.deepEqual(validatePrefixes('p'.repeat(467), undefined), []);
  assert.match(validatePrefixes('p'.repeat(468), undefined).join('\n'), /^ErrorOutputPrefix: not set, so failed records go under Prefix .* 513 characters/);

  // A random source that breaks its contract is caught on the key.
  throwsKeyError(() => key('!{firehose:random-string}!{timestamp:yyyy}', { random: () => 'r'.repeat(600) }), /^Prefix evaluates to 604 characters/);
});

test('the whole key: prefix, then <stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>', () => {
  const k = objectKey({ streamName: 'clicks.v2_eu-1', version: 7, arrival: new Date('2026-01-02T03:04:05.999Z'), compression: 'GZIP' });
  assert.match(k, /^2026\/01\/02\/03\/clicks\.v2_eu-1-7-2026-01-02-03-04-05-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.gz$/);
  assert.notEqual(objectKey({ ...base, uuid: undefined }), objectKey({ ...base, uuid: undefined }), 'a new UUID per object');
  throwsKeyError(() => key(undefined, { version: 0 }), /stream version 0/);
  throwsKeyError(() => key(undefined, { arrival: new Date(Number.NaN) }), /arrival time/);
  throwsKeyError(() => key('!{timestamp:QQ}'), /^Prefix: !\{timestamp:QQ\}: pattern letter 'Q' is not supported.*; fix the stream's Prefix$/);
  throwsKeyError(() => key('!{firehose:error-output-type}'), /can only be used in ErrorOutputPrefix/);
});

test('each CompressionFormat has its extension', () => {
  const expected = { UNCOMPRESSED: '', GZIP: '.gz', ZIP: '.zip', Snappy: '.snappy', HADOOP_SNAPPY: '.snappy' };
  assert.deepEqual(FILE_EXTENSIONS, expected);
  for (const compression of COMPRESSION_FORMATS) {
    assert.equal(key(undefined, { compression }), `2026/07/13/14/${SUFFIX}${expected[compression]}`);
    assert.equal(errorObjectKey({ ...base, compression, errorOutputType: 'processing-failed' }), `processing-failed/2026/07/13/14/${SUFFIX}${expected[compression]}`);
  }
});
