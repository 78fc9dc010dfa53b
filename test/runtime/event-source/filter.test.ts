import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilters, FilterError } from '../../../src/runtime/event-source/filter.ts';

const b = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const only = (...patterns: unknown[]) => compileFilters(patterns.map((p) => ({ Pattern: JSON.stringify(p) })));

test('JSON values: field patterns from AWS\'s Kafka filtering page and the other operators', () => {
  const prefix = only({ value: { device_ID: [{ prefix: 'AB' }] } });
  assert.equal(prefix(b({ device_ID: 'AB-12', temperature: 20 })), true);
  assert.equal(prefix(b({ device_ID: 'XY-12' })), false);
  assert.equal(prefix(b({ temperature: 20 })), false);
  assert.equal(prefix(b('AB-12')), false, 'a plain string has no fields');

  const nested = only({ value: { reading: { unit: ['C'], level: [{ numeric: ['>', 0, '<=', 100] }] } } });
  assert.equal(nested(b({ reading: { unit: 'C', level: 100 } })), true);
  assert.equal(nested(b({ reading: { unit: 'C', level: 0 } })), false);
  assert.equal(nested(b({ reading: { unit: 'C', level: '50' } })), false, 'numeric needs a number');

  const exists = only({ value: { error: [{ exists: false }], status: [{ exists: true }] } });
  assert.equal(exists(b({ status: 'ok' })), true);
  assert.equal(exists(b({ status: 'ok', error: 'x' })), false);

  const values = only({ value: { state: ['on', 3, null] } });
  assert.equal(values(b({ state: 'on' })), true);
  assert.equal(values(b({ state: 3 })), true);
  assert.equal(values(b({ state: null })), true);
  assert.equal(values(b({ state: 'off' })), false);
  assert.equal(values(b({ state: ['off', 'on'] })), true, 'a list in the record matches when an element does');

  const others = only({ value: { name: [{ suffix: '.csv' }, { 'equals-ignore-case': 'README' }], kind: [{ 'anything-but': { prefix: 'tmp' } }] } });
  assert.equal(others(b({ name: 'a.csv', kind: 'data' })), true);
  assert.equal(others(b({ name: 'readme', kind: 'data' })), true);
  assert.equal(others(b({ name: 'a.csv', kind: 'tmp-1' })), false);
});

test('plain string values, several filters (any matches), no filters, null values', () => {
  const notError = only({ value: [{ 'anything-but': ['error'] }] });
  assert.equal(notError(b('info')), true);
  assert.equal(notError(b('error')), false);
  assert.equal(notError(null), false, 'a null value has nothing to compare');
  assert.equal(notError(b({ level: 'error' })), false, 'a JSON object is not a plain string');

  const either = only({ value: [{ prefix: 'ALERT' }] }, { value: { severity: [{ numeric: ['>=', 5] }] } });
  assert.equal(either(b('ALERT: disk')), true);
  assert.equal(either(b({ severity: 7 })), true);
  assert.equal(either(b({ severity: 1 })), false);

  assert.equal(compileFilters([])(null), true);
  assert.equal(only({ value: [{ exists: false }] })(null), true);
});

test('bad patterns are refused before anything is polled, with where and why', () => {
  const cases: [unknown, RegExp][] = [
    [{ data: ['x'] }, /"value" only/],
    [{ value: [] }, /empty list/],
    [{ value: [{ numeric: ['>'] }] }, /numeric takes/],
    [{ value: [{ numeric: ['~', 1] }] }, /numeric operator/],
    [{ value: [{ wildcard: '*' }] }, /unknown operator "wildcard"/],
    [{ value: [{ prefix: 1 }] }, /prefix takes a string/],
    [{ value: [{ exists: 'yes' }] }, /exists takes true or false/],
    [{ value: { a: 'x' } }, /Filters\[0\]\.value\.a: expected a list/],
    [['value'], /must be a JSON object/],
  ];
  for (const [pattern, message] of cases) {
    assert.throws(() => only(pattern), (e: unknown) => e instanceof FilterError && e.code === 'SDS_ERR_FILTER_INVALID' && message.test(e.message), JSON.stringify(pattern));
  }
  assert.throws(() => compileFilters([{ Pattern: '{not json' }]), /not valid JSON/);
  assert.throws(() => compileFilters(Array.from({ length: 6 }, () => ({ Pattern: '{"value":["x"]}' }))), /at most 5 filters/);
  assert.throws(() => compileFilters([{ Pattern: `{"value":["${'x'.repeat(5000)}"]}` }]), /at most 4096 characters/);
});
