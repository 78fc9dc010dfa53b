import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvocationSlots } from '../../../src/runtime/event-source/slots.ts';

test('slots: at most the limit at once, waiters served first, listeners told when one frees', async () => {
  const slots = new InvocationSlots(2);
  assert.equal(slots.tryAcquire(), true);
  assert.deepEqual(await slots.acquire(), { waited: false });
  assert.equal(slots.tryAcquire(), false);
  let freed = 0;
  const off = slots.onFree(() => freed++);
  const waiter = slots.acquire();
  slots.release(); // passes to the waiter
  assert.deepEqual(await waiter, { waited: true });
  assert.equal(freed, 0);
  slots.release();
  assert.equal(freed, 1);
  off();
  slots.release();
  assert.equal(freed, 1);
  assert.throws(() => new InvocationSlots(0), RangeError);
});
