/** --to-datetime as kafka-consumer-groups reads it (the resets themselves are tested in test/cli/groups.test.ts against the broker). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDateTime } from '../../src/client/offset-reset.ts';

test('parseDateTime: ISO 8601 with a T; seconds and milliseconds optional; local time without a zone', () => {
  assert.equal(parseDateTime('2025-01-31T08:00:00.000Z'), Date.UTC(2025, 0, 31, 8));
  assert.equal(parseDateTime('2025-01-31T08:00Z'), Date.UTC(2025, 0, 31, 8));
  assert.equal(parseDateTime('2025-01-31T08:00:01.5Z'), Date.UTC(2025, 0, 31, 8, 0, 1, 500));
  assert.equal(parseDateTime('2025-01-31T09:00:00+01:00'), Date.UTC(2025, 0, 31, 8));
  assert.equal(parseDateTime('2025-01-31T03:00:00-0500'), Date.UTC(2025, 0, 31, 8));
  assert.equal(parseDateTime('2025-01-31T08:00:00'), new Date(2025, 0, 31, 8).getTime());
  for (const bad of ['2025-01-31', '2025-01-31 08:00:00', 'yesterday', '2025-13-01T00:00:00Z', '']) assert.equal(parseDateTime(bad), undefined, bad);
});
